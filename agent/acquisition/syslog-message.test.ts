import { describe, expect, it } from "vitest";
import { parseSyslogMessage, rebuildSyslogLine } from "./syslog-message.js";

const now = new Date(2026, 10, 21, 6, 7, 8);
const rebuild = (raw: string) => {
  const msg = parseSyslogMessage(raw);
  return msg === null ? null : rebuildSyslogLine(msg, now);
};

describe("syslog message decoding", () => {
  const cases: [string, string, string | null][] = [
    [
      "RFC 3164 with host and pid",
      "<38>Nov  1 06:40:12 web1 sshd[4242]: Failed password for root from 1.2.3.4 port 22 ssh2",
      "Nov 1 06:40:12 web1 sshd[4242]: Failed password for root from 1.2.3.4 port 22 ssh2",
    ],
    [
      "RFC 3164 without hostname and pid",
      "<13>Nov 21 06:40:12 cron: job done: ok",
      "Nov 21 06:40:12 unknownhost cron: job done: ok",
    ],
    [
      "RFC 5424 with structured data and BOM",
      '<165>1 2026-11-21T06:40:12.003+02:00 host.example nginx 77 ID47 [ex@32473 iut="3" note="a\\]b"] \uFEFFGET / 200',
      "Nov 21 06:40:12 host.example nginx[77]: GET / 200",
    ],
    ["RFC 5424 with nil fields", "<13>1 - - - - - - hello", "Nov 21 06:07:08 unknownhost: hello"],
    ["no priority", "Nov 21 06:40:12 host sshd: x", null],
    ["priority out of range", "<200>Nov 21 06:40:12 host sshd: x", null],
    ["unterminated structured data", '<13>1 - h a - - [x y="1" msg', null],
  ];
  for (const [name, raw, line] of cases) {
    it(`rebuilds ${name} into CrowdSec's file-like line`, () => {
      expect(rebuild(raw)).toBe(line);
    });
  }
});

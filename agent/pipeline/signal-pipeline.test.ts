import { beforeAll, describe, expect, it } from "vitest";
import { wireEventSchema } from "../../src/shared/ingest-wire.js";
import { oracleFor } from "../../test/oracle/crowdsec-config.js";
import type { Cursor, LogLine } from "../acquisition/types.js";
import { debianDirectories } from "../hub/hub-fs.js";
import { type AgentHub, loadAgentHub } from "./agent-hub.js";
import { createEventIds } from "./event-id.js";
import { hubFileHash } from "./hub-registration.js";
import { createSignalPipeline } from "./signal-pipeline.js";

const oracle = oracleFor("agent signal pipeline on the Debian hub");
const dirs = debianDirectories(oracle.install.root);

const FAIL = "Jan 12 10:00:01 host sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2";

function logLine(line: string, cursor: Cursor, source = "/var/log/auth.log"): LogLine {
  return {
    line,
    source,
    module: "file",
    labels: { type: "syslog" },
    time: 1_700_000_000_000,
    cursor,
  };
}
const fileCursor = (offset: number): Cursor => ({
  kind: "file",
  path: "/var/log/auth.log",
  dev: 2049,
  ino: 77,
  offset,
});

describe.skipIf(oracle.skip)("agent signal pipeline on the Debian hub", () => {
  let hub: AgentHub;
  beforeAll(() => {
    hub = loadAgentHub(dirs, {
      collections: ["crowdsecurity/linux"],
      parsers: ["crowdsecurity/whitelists"],
    });
  }, 60_000);

  it("turns an sshd failure into a wire event targeting the ssh scenarios by source IP", () => {
    const pipeline = createSignalPipeline(hub, "host-1");
    const wire = pipeline.process(logLine(FAIL, fileCursor(81)));
    expect(wire).not.toBeNull();
    expect(wireEventSchema.parse(wire)).toEqual(wire);
    expect(wire!.id).toBe("host-1/f/2049:77:81");
    expect(wire!.time).toBe(1_700_000_000_000);
    const names = wire!.buckets.map((b) => b.scenario);
    expect(names).toContain("crowdsecurity/ssh-bf");
    expect(names).toContain("crowdsecurity/ssh-slow-bf");
    for (const target of wire!.buckets) expect(target.group).toBe("1.2.3.4");
    const sshBf = hub.registration.scenarios.find((s) => s.name === "crowdsecurity/ssh-bf")!;
    expect(wire!.buckets.find((b) => b.scenario === "crowdsecurity/ssh-bf")!.hash).toBe(
      hubFileHash(sshBf.content),
    );
    expect(wire!.event).toMatchObject({
      ExpectMode: 0,
      Meta: { source_ip: "1.2.3.4", log_type: "ssh_failed-auth" },
      Line: { Raw: FAIL, Src: "/var/log/auth.log", Labels: { type: "syslog" } },
    });
    expect(pipeline.stats).toMatchObject({ lines: 1, parsed: 1, signals: 1 });
    expect(pipeline.stats.targets).toBe(wire!.buckets.length);
  });

  it("drops and counts unparsed lines by stage and whitelisted private sources", () => {
    const pipeline = createSignalPipeline(hub, "host-1");
    const lines = [
      "not a syslog line at all",
      "Jan 12 10:00:02 host sshd[1]: Accepted publickey for bob from 1.2.3.4 port 22 ssh2: ED25519 SHA256:x",
      "Jan 12 10:00:03 host sshd[1]: Failed password for root from 192.168.1.7 port 22 ssh2",
    ];
    for (const [i, line] of lines.entries()) {
      expect(pipeline.process(logLine(line, fileCursor(i)))).toBeNull();
    }
    expect(pipeline.stats).toMatchObject({ lines: 3, parsed: 1, whitelisted: 1, signals: 0 });
    // The garbage stops at s00-raw (not syslog); the accepted login at s01-parse (1.4.6's
    // sshd-logs has no pattern for it).
    expect(pipeline.stats.unparsed).toEqual({ "s00-raw": 1, "s01-parse": 1 });
  });

  it("numbers replayed lines per file, counting the lines that are dropped", () => {
    const ids = createEventIds("host-1", "run");
    const pipeline = createSignalPipeline(hub, "host-1", { replay: true, ids });
    pipeline.process(logLine("garbage", fileCursor(8)));
    const wire = pipeline.process(logLine(FAIL, fileCursor(90)));
    expect(wire!.id).toBe(ids.replay("/var/log/auth.log", 2));
    expect(wire!.id).toMatch(/^host-1\/r\/[0-9a-f]{16}\/2$/);
    // Replays run in time-machine mode: bucket time is the log's timestamp.
    expect(wire!.event.ExpectMode).toBe(1);
    const other = pipeline.process(logLine(FAIL, fileCursor(90), "/var/log/other.log"));
    expect(other!.id).toBe(ids.replay("/var/log/other.log", 1));
  });

  it("registers every scenario and postoverflow file with its hash and referenced data files", () => {
    const { registration } = hub;
    expect(registration.scenarios.map((s) => s.name)).toContain("crowdsecurity/ssh-bf");
    for (const item of [...registration.scenarios, ...registration.postoverflows]) {
      expect(item.hash).toBe(hubFileHash(item.content));
    }
    // Every compiled scenario's hash is one of the registered files'.
    const hashes = new Set(registration.scenarios.map((s) => s.hash));
    for (const scenario of hub.scenarios) expect(hashes.has(scenario.hash)).toBe(true);
    expect(hub.problems).toEqual([]);
  });
});

describe("event ids", () => {
  it("derives journald ids from the cursor hash and hashes ids past the wire limit", () => {
    const ids = createEventIds("m", "run-1");
    expect(ids.fromCursor({ kind: "journal", cursor: "s=abc;i=1" })).toMatch(
      /^m\/j\/[0-9a-f]{32}$/,
    );
    expect(ids.fromCursor({ kind: "sequence", seq: 7 })).toBe("m/s/run-1/7");
    const long = createEventIds("m".repeat(300), "r");
    expect(long.fromCursor({ kind: "sequence", seq: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});

/**
 * Syslog message decoding for the syslog source: RFC 3164 first, then RFC 5424, as CrowdSec
 * 1.4.6 (`pkg/acquisition/modules/syslog`) tries them, and the line CrowdSec **rebuilds** from the
 * parts so the `syslog-logs` parser sees a file-like line: `Jan 2 15:04:05 host app[pid]: msg`
 * (Go's `Jan 2 15:04:05` layout: the day is not padded; `[pid]` only when there is one).
 */

/** The parts of a syslog message. */
export interface SyslogMessage {
  priority: number;
  /** Wall-clock parts as written in the message (in its own offset for RFC 5424). */
  time: { month: number; day: number; hour: number; minute: number; second: number } | null;
  hostname: string | null;
  appName: string | null;
  procId: string | null;
  message: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const PRI = /^<(\d{1,3})>/;
const RFC3164 =
  /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]\d) (\d\d):(\d\d):(\d\d) (?:([^\s:]+) )?([^\s:[]+)(?:\[([^\]]*)\])?: ?([\s\S]*)$/;
const RFC5424_HEAD =
  /^1 (-|(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) (\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32}) /;

const nil = (v: string | undefined) => (v === undefined || v === "-" ? null : v);

/** Parses a syslog message (priority first); null when it is neither RFC 3164 nor RFC 5424. */
export function parseSyslogMessage(raw: string): SyslogMessage | null {
  const pri = PRI.exec(raw);
  if (!pri) return null;
  const priority = Number(pri[1]);
  if (priority > 191) return null;
  const rest = raw.slice(pri[0].length);
  return parse3164(priority, rest) ?? parse5424(priority, rest);
}

function parse3164(priority: number, rest: string): SyslogMessage | null {
  const m = RFC3164.exec(rest);
  if (!m) return null;
  return {
    priority,
    time: {
      month: MONTHS.indexOf(m[1]!) + 1,
      day: Number(m[2]!.trim()),
      hour: Number(m[3]),
      minute: Number(m[4]),
      second: Number(m[5]),
    },
    hostname: m[6] ?? null,
    appName: m[7]!,
    procId: m[8] ?? null,
    message: m[9]!,
  };
}

function parse5424(priority: number, rest: string): SyslogMessage | null {
  const m = RFC5424_HEAD.exec(rest);
  if (!m) return null;
  let body = rest.slice(m[0].length);
  const sdEnd = structuredDataEnd(body);
  if (sdEnd === -1) return null;
  body = body.slice(sdEnd);
  if (body.startsWith(" ")) body = body.slice(1);
  if (body.startsWith("\uFEFF")) body = body.slice(1);
  return {
    priority,
    time:
      m[1] === "-"
        ? null
        : {
            month: Number(m[3]),
            day: Number(m[4]),
            hour: Number(m[5]),
            minute: Number(m[6]),
            second: Number(m[7]),
          },
    hostname: nil(m[8]),
    appName: nil(m[9]),
    procId: nil(m[10]),
    message: body,
  };
}

/** Length of the STRUCTURED-DATA field (`-` or `[id k="v"]...`), -1 when malformed. */
function structuredDataEnd(text: string): number {
  if (text.startsWith("-")) return 1;
  let i = 0;
  while (text[i] === "[") {
    let inQuotes = false;
    i++;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inQuotes && c === "\\") i++;
      else if (c === '"') inQuotes = !inQuotes;
      else if (c === "]" && !inQuotes) break;
    }
    if (i >= text.length) return -1;
    i++;
  }
  return i === 0 ? -1 : i;
}

/** CrowdSec's rebuilt line; `now` supplies the time when the message has none. */
export function rebuildSyslogLine(msg: SyslogMessage, now: Date): string {
  const t = msg.time ?? {
    month: now.getMonth() + 1,
    day: now.getDate(),
    hour: now.getHours(),
    minute: now.getMinutes(),
    second: now.getSeconds(),
  };
  const two = (n: number) => String(n).padStart(2, "0");
  let line = `${MONTHS[t.month - 1]} ${t.day} ${two(t.hour)}:${two(t.minute)}:${two(t.second)}`;
  line += ` ${msg.hostname ?? "unknownhost"}`;
  if (msg.appName !== null) line += ` ${msg.appName}`;
  line += msg.procId !== null ? `[${msg.procId}]: ` : ": ";
  return line + msg.message;
}

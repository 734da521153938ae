/**
 * Decoding of `journalctl --output=json` entries into the line CrowdSec's journalctl source
 * sees. CrowdSec 1.4.6 runs journalctl with its default `short` output, so the parsers expect
 * `Nov 02 06:40:12 host sshd[4242]: message`; we read JSON (to get `__CURSOR` for resuming) and
 * rebuild that same short line (journalctl's `%b %d %H:%M:%S` in local time; `[pid]` only when
 * known). The acceptance test `test/node/agent-sources/journald.test.ts` diffs it against the real
 * journalctl's short output.
 */

/** A decoded entry: the rebuilt line and the cursor to resume after it. */
export interface JournalEntry {
  line: string;
  cursor: string;
}

export type JournalDecode =
  | { ok: true; entry: JournalEntry }
  | { ok: false; reason: "malformed" | "invalidUtf8" | "binary" };

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** journald fields are strings, or byte arrays when not valid UTF-8/printable. */
function field(
  entry: Record<string, unknown>,
  name: string,
  decoder: TextDecoder,
): string | null | "invalidUtf8" | "binary" {
  const v = entry[name];
  if (typeof v === "string") return v.includes("\u0000") ? "binary" : v;
  if (Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) {
    const bytes = Uint8Array.from(v as number[]);
    if (bytes.includes(0)) return "binary";
    try {
      return decoder.decode(bytes);
    } catch {
      return "invalidUtf8";
    }
  }
  return null;
}

/** Formats `ms` like journalctl's short output, in the agent's local time zone. */
export function shortTimestamp(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getMonth()]} ${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Decodes one JSON line from `journalctl --output=json`. */
export function decodeJournalEntry(json: string, decoder: TextDecoder): JournalDecode {
  let entry: unknown;
  try {
    entry = JSON.parse(json);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!entry || typeof entry !== "object" || Array.isArray(entry)) {
    return { ok: false, reason: "malformed" };
  }
  const e = entry as Record<string, unknown>;
  const cursor = e.__CURSOR;
  if (typeof cursor !== "string") return { ok: false, reason: "malformed" };
  const message = field(e, "MESSAGE", decoder);
  if (message === "invalidUtf8" || message === "binary") return { ok: false, reason: message };
  if (message === null) return { ok: false, reason: "malformed" };
  const text = (name: string) => {
    const v = field(e, name, decoder);
    return v === "invalidUtf8" || v === "binary" ? null : v;
  };
  const realtime = Number(e.__REALTIME_TIMESTAMP);
  const time = Number.isFinite(realtime) ? realtime / 1000 : Date.now();
  // journalctl's short output (systemd 252 `output_short`): the host only when the entry has one,
  // the identifier falling back to `_COMM` then `unknown`, the trusted `_PID` before `SYSLOG_PID`.
  const host = text("_HOSTNAME");
  const ident = text("SYSLOG_IDENTIFIER") ?? text("_COMM") ?? "unknown";
  const pid = text("_PID") ?? text("SYSLOG_PID");
  const line = `${shortTimestamp(time)}${host === null ? "" : ` ${host}`} ${ident}${pid === null ? "" : `[${pid}]`}: ${message}`;
  return { ok: true, entry: { line, cursor } };
}

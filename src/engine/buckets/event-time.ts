import { goParse, marshalNow } from "../enrich/go-time.js";

/**
 * A bucket timestamp: the instant in microseconds (exact in a JS number) and the Go
 * `Time.MarshalText()` text CrowdSec writes into alerts (`start_at`, `stop_at`), which keeps the
 * offset the log was written in.
 */
export interface BucketTime {
  us: number;
  text: string;
}

const RFC3339 = "2006-01-02T15:04:05Z07:00";

/** Go `time.UnmarshalText` of `evt.MarshaledTime`; null when empty or invalid (1.4.6 skips). */
export function parseMarshaledTime(text: string): BucketTime | null {
  if (text === "") return null;
  const t = goParse(RFC3339, text);
  if (t === null) return null;
  const ms = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) - t.offset * 1000;
  return { us: ms * 1000 + Math.floor(t.nanosecond / 1000), text };
}

/** The wall clock as LIVE buckets read it (`time.Now().UTC()`). */
export function wallClockTime(ms: number): BucketTime {
  return { us: ms * 1000, text: marshalNow(new Date(ms)) };
}

/**
 * Go `Time.String()` of a marshalled time: `2022-01-02 10:00:00.5 +0200 +0200`; UTC times (`Z`)
 * print `+0000 UTC`. Used in the alert message as 1.4.6 formats `Last_ts`.
 */
export function goTimeString(text: string): string {
  const t = goParse(RFC3339, text);
  if (t === null) return text;
  const p2 = (n: number) => String(n).padStart(2, "0");
  let out = `${String(t.year).padStart(4, "0")}-${p2(t.month)}-${p2(t.day)} ${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)}`;
  if (t.nanosecond > 0) out += `.${String(t.nanosecond).padStart(9, "0").replace(/0+$/, "")}`;
  const abs = Math.abs(t.offset);
  const zone = `${t.offset < 0 ? "-" : "+"}${p2(Math.floor(abs / 3600))}${p2(Math.floor((abs % 3600) / 60))}`;
  return `${out} ${zone} ${t.offset === 0 && text.endsWith("Z") ? "UTC" : zone}`;
}

/**
 * Alert times as CrowdSec reads and prints them: inputs are Go `time.Parse(time.RFC3339, …)`
 * (unparsable → now, no error — pkg/database/alerts.go), outputs are either RFC3339 or Go's
 * `Time.String()` (`2026-11-21 04:30:52.123456 +0000 UTC`, `… +0200 +0200` for a bare offset).
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/;

/** A parsed RFC3339 time: the instant and the text to keep (wall time and offset as sent). */
export interface AlertTime {
  ms: number;
  text: string;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Go `time.Parse(time.RFC3339, text)`, or null where Go returns an error. */
export function parseRfc3339(text: string): AlertTime | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMin = 0;
  if (m[8] !== "Z") {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMin = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = Number(`0.${m[7] ?? "0"}`);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0–99 to 1900–1999; Go does not.
  const fixed = new Date(wall);
  fixed.setUTCFullYear(year);
  return { ms: fixed.getTime() - offsetMin * 60_000 + Math.floor(fraction * 1000), text };
}

/** CrowdSec's rule for alert and event times: RFC3339, else the current time. */
export function alertTimeOrNow(text: string, now: number): AlertTime {
  return parseRfc3339(text) ?? { ms: now, text: new Date(now).toISOString() };
}

/** RFC3339 in UTC with whole seconds, like Go `t.UTC().Format(time.RFC3339)`. */
export function rfc3339Seconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/**
 * Go `Time.String()` of a stored RFC3339 text, in the offset it was sent with: fraction with
 * trailing zeros trimmed, zero offset named `UTC`, any other offset named by itself.
 */
export function goTimeString(text: string): string {
  const m = RFC3339.exec(text);
  if (!m) return text;
  const fraction = (m[7] ?? "").slice(0, 9).replace(/0+$/, "");
  const date = `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}${fraction ? `.${fraction}` : ""}`;
  if (m[8] === "Z" || (m[10] === "00" && m[11] === "00")) return `${date} +0000 UTC`;
  const offset = `${m[9]}${m[10]}${m[11]}`;
  return `${date} ${offset} ${offset}`;
}

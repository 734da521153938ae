import type { GoTime } from "./go-time.js";

/**
 * Go `time.Time` arithmetic and formatting ParseDate needs: `IsZero`, `AddDate(years)` and
 * `MarshalText` (RFC3339Nano with the parsed offset).
 */

/** Go `Time.IsZero`: January 1, year 1, 00:00:00 UTC. */
export function isGoZero(t: GoTime): boolean {
  // Only Jan 1 of year 1, or the last/first day around it once an offset applies, can denote the
  // zero instant; everything else is decided without date arithmetic.
  if (t.year > 2 || t.year < 0) return false;
  if (t.year === 0 && !(t.month === 12 && t.day === 31)) return false;
  if (t.year === 2 || (t.year === 1 && !(t.month === 1 && t.day <= 2))) return false;
  const instant = toEpochMillis(t);
  return instant === ZERO_INSTANT && t.nanosecond % 1_000_000 === 0;
}

/** The instant `t` denotes, in epoch milliseconds (sub-millisecond digits dropped). */
export function toEpochMillis(t: GoTime): number {
  const d = new Date(0);
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.hour, t.minute, t.second, Math.floor(t.nanosecond / 1_000_000));
  return d.getTime() - t.offset * 1000;
}

const ZERO_INSTANT = (() => {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  d.setUTCHours(0, 0, 0, 0);
  return d.getTime();
})();

/** Go `t.AddDate(years, 0, 0)`: adds years to the wall clock, normalising Feb 29. */
export function addYears(t: GoTime, years: number): GoTime {
  if (!(t.month === 2 && t.day === 29)) return { ...t, year: t.year + years };
  const d = new Date(0);
  d.setUTCFullYear(t.year + years, t.month - 1, t.day);
  return { ...t, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Go `Time.MarshalText` (RFC3339Nano); null when the year is outside [0, 9999] (Go errors). */
export function marshalText(t: GoTime): string | null {
  if (t.year < 0 || t.year > 9999) return null;
  let out = `${String(t.year).padStart(4, "0")}-${p2(t.month)}-${p2(t.day)}T${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)}`;
  if (t.nanosecond > 0) out += `.${String(t.nanosecond).padStart(9, "0").replace(/0+$/, "")}`;
  if (t.offset === 0) return `${out}Z`;
  const sign = t.offset < 0 ? "-" : "+";
  const abs = Math.abs(t.offset);
  return `${out}${sign}${p2(Math.floor(abs / 3600))}:${p2(Math.floor((abs % 3600) / 60))}`;
}

/** The current time as Go's `time.Now().UTC().MarshalText()` prints it (millisecond precision). */
export function marshalNow(now: Date): string {
  return now.toISOString().replace(/\.?0*Z$/, "Z");
}

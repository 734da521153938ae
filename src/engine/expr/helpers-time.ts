import { RuntimeFault } from "./errors.js";
import { parseGoInt64 } from "./go-strconv.js";
import { GoDuration } from "./go-value.js";
import { type HelperSpec, S } from "./helper-spec.js";

/**
 * Time helpers. A Go `time.Time` is a JS `Date`; a `time.Duration` a `GoDuration` (nanoseconds),
 * which compares with `duration("20m")`.
 */

const NS_PER_MS = 1_000_000;

/** Go `Time.Format(time.RFC3339)` in UTC, for any year `Date` can hold. */
export function formatRfc3339(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const year = date.getUTCFullYear();
  const yearText = year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
  return (
    `${yearText}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}Z`
  );
}

/**
 * `ParseUnix(value)`: seconds (a fractional part is ignored) as RFC 3339, `""` when not a
 * positive int64. Go formats in the agent's local zone; Rampart in UTC (CrowdSec's containers run
 * in UTC, where both agree).
 */
export function parseUnix(value: string): string {
  const seconds = parseGoInt64(value.split(".")[0]!);
  if (seconds === null || seconds <= 0n) return "";
  const date = new Date(Number(seconds) * 1000);
  return Number.isNaN(date.getTime()) ? "" : formatRfc3339(date);
}

/** The argument of `AverageInterval`/`MedianInterval`: a slice of times, sorted ascending. */
function sortedTimes(name: string, v: unknown, tooFew: string): number[] {
  if (!Array.isArray(v)) throw new RuntimeFault(`${name} expects a slice of times`);
  const times = v.map((item, i) => {
    if (!(item instanceof Date)) throw new RuntimeFault(`element at index ${i} is not a time.Time`);
    return item.getTime();
  });
  if (times.length < 2) throw new RuntimeFault(tooFew);
  return times.sort((a, b) => a - b);
}

const intervalsNs = (times: number[]) => times.slice(1).map((t, i) => (t - times[i]!) * NS_PER_MS);

export const TIME_HELPERS: Readonly<Record<string, HelperSpec>> = {
  TimeNow: {
    signature: "func() string",
    params: [],
    call: () => formatRfc3339(new Date()),
  },
  ParseUnix: {
    pure: true,
    signature: "func(string) string",
    params: [S],
    call: (_, [value]) => parseUnix(value as string),
  },
  AverageInterval: {
    pure: true,
    signature: "func([]time.Time) time.Duration",
    params: ["any"],
    call: (_, [times]) => {
      const sorted = sortedTimes(
        "AverageInterval",
        times,
        "need at least two times to calculate an average interval",
      );
      const total = intervalsNs(sorted).reduce((a, b) => a + b, 0);
      return new GoDuration(Math.trunc(total / (sorted.length - 1)));
    },
  },
  MedianInterval: {
    pure: true,
    signature: "func([]time.Time) time.Duration",
    params: ["any"],
    call: (_, [times]) => {
      const sorted = sortedTimes(
        "MedianInterval",
        times,
        "need at least two times to calculate a median",
      );
      const intervals = intervalsNs(sorted).sort((a, b) => a - b);
      const n = intervals.length;
      if (n % 2 === 1) return new GoDuration(intervals[(n - 1) / 2]!);
      return new GoDuration(Math.trunc((intervals[n / 2 - 1]! + intervals[n / 2]!) / 2));
    },
  },
};

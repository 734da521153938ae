/**
 * Go `time.Duration` text, as CrowdSec reads and writes it (contract §4.5).
 * Durations are handled in milliseconds: every duration CrowdSec clients send is coarser.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "\u00b5s": 1e-3,
  "\u03bcs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export type DurationResult = { ok: true; ms: number } | { ok: false; error: string };

export interface ParseDurationOptions {
  /** Accept a leading `<int>d` like CrowdSec 1.7+ (`2d`, `2d3h`). */
  allowDays?: boolean;
}

/**
 * Parses Go duration syntax (`1h30m`, `-1.5s`, `0`), returning Go's own error text on failure
 * (`time: unknown unit "d" in duration "1d"`), which CrowdSec echoes in API errors.
 */
export function parseGoDuration(text: string, options: ParseDurationOptions = {}): DurationResult {
  const quoted = JSON.stringify(text);
  let rest = text;
  let days = 0;
  if (options.allowDays) {
    const m = /^(\d+)d/.exec(rest);
    if (m) {
      days = Number(m[1]);
      rest = rest.slice(m[0].length);
      if (rest === "") return { ok: true, ms: days * 86_400_000 };
    }
  }
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (days > 0) return { ok: false, error: `time: invalid duration ${quoted}` };
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return { ok: true, ms: days * 86_400_000 };
  if (rest === "") return { ok: false, error: `time: invalid duration ${quoted}` };
  let total = 0;
  while (rest !== "") {
    const num = /^(\d*)(\.(\d*))?/.exec(rest)!;
    if (num[0] === "" || num[0] === "." || (num[1] === "" && (num[3] ?? "") === "")) {
      return { ok: false, error: `time: invalid duration ${quoted}` };
    }
    rest = rest.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === "") return { ok: false, error: `time: missing unit in duration ${quoted}` };
    const factor = UNIT_MS[unit];
    if (factor === undefined) {
      return {
        ok: false,
        error: `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`,
      };
    }
    rest = rest.slice(unit.length);
    total += Number(`${num[1] || "0"}.${num[3] || "0"}`) * factor;
  }
  // Go durations are int64 nanoseconds: about 292 years.
  if (total > 9_223_372_036_854) return { ok: false, error: `time: invalid duration ${quoted}` };
  return { ok: true, ms: days * 86_400_000 + sign * total };
}

/**
 * Go `Duration.String()` of a whole number of seconds (CrowdSec 1.6.3+ rounds decision
 * durations to seconds): `4h0m0s`, `59m58s`, `45s`, `-1m30s`, `0s`.
 */
export function formatGoDuration(ms: number): string {
  const negative = ms < 0;
  let seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds === 0) return "0s";
  const h = Math.floor(seconds / 3600);
  seconds -= h * 3600;
  const m = Math.floor(seconds / 60);
  seconds -= m * 60;
  let out = "";
  if (h > 0) out = `${h}h${m}m${seconds}s`;
  else if (m > 0) out = `${m}m${seconds}s`;
  else out = `${seconds}s`;
  return negative ? `-${out}` : out;
}

/**
 * Duration filters of the alerts API (`since=2d12h`). CrowdSec 1.4.6 accepted exactly `<int>d`,
 * later releases a leading `<int>d` before Go syntax; we accept the latter (a superset).
 */
export function parseFilterDuration(text: string): DurationResult {
  return parseGoDuration(text, { allowDays: true });
}

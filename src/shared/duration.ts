/**
 * Go `time.Duration` text, as CrowdSec reads and writes it (`time.ParseDuration` and
 * `Duration.String()`; the differences between releases are in docs/compatibility.md).
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
 * Go `time.Duration.String()` for a duration given in milliseconds (`10s`, `1m0s`, `500ms`,
 * `1h0m0s`, `0s`, `1.5s`): the leakspeed and "N events over D" texts of 1.4.6 alerts.
 */
export function goDurationString(ms: number): string {
  if (ms === 0) return "0s";
  const negative = ms < 0;
  // Work in integer nanoseconds so fractions print exactly like Go (no float noise).
  let ns = BigInt(Math.round(Math.abs(ms) * 1e6));
  let out: string;
  if (ns < 1_000_000_000n) {
    if (ns < 1_000n) out = `${ns}ns`;
    else if (ns < 1_000_000n) out = `${fraction(ns, 1_000n)}µs`;
    else out = `${fraction(ns, 1_000_000n)}ms`;
  } else {
    const h = ns / 3_600_000_000_000n;
    ns -= h * 3_600_000_000_000n;
    const m = ns / 60_000_000_000n;
    ns -= m * 60_000_000_000n;
    const s = `${fraction(ns, 1_000_000_000n)}s`;
    out = h > 0n ? `${h}h${m}m${s}` : m > 0n ? `${m}m${s}` : s;
  }
  return negative ? `-${out}` : out;
}

function fraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`;
}

/**
 * Go `Duration.String()` of a duration rounded to whole seconds (CrowdSec 1.6.3+ rounds decision
 * durations to seconds): `4h0m0s`, `59m58s`, `45s`, `-1m30s`, `0s`.
 */
export function formatGoDuration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  return goDurationString((ms < 0 ? -seconds : seconds) * 1000);
}

/**
 * Duration filters of the alerts API (`since=2d12h`). CrowdSec 1.4.6 accepted exactly `<int>d`,
 * later releases a leading `<int>d` before Go syntax; we accept the latter (a superset).
 */
export function parseFilterDuration(text: string): DurationResult {
  return parseGoDuration(text, { allowDays: true });
}

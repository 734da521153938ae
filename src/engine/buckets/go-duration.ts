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

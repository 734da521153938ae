import { RuntimeFault } from "./errors.js";
import { GoDuration } from "./go-value.js";

/** Nanoseconds per unit of Go's `time.ParseDuration`. */
const UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Go `time.ParseDuration`: a signed sequence of decimal numbers with units (`1h30m`, `-1.5s`,
 * `300ms`); `0` needs no unit. Errors carry Go's messages (`time: invalid duration "x"`).
 */
export function parseGoDuration(text: string): GoDuration {
  const quoted = JSON.stringify(text);
  let s = text;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return new GoDuration(0);
  if (s === "") throw new RuntimeFault(`time: invalid duration ${quoted}`);
  let total = 0;
  while (s !== "") {
    const number = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (number[0] === "" || number[0] === ".") {
      throw new RuntimeFault(`time: invalid duration ${quoted}`);
    }
    s = s.slice(number[0].length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === "") throw new RuntimeFault(`time: missing unit in duration ${quoted}`);
    const scale = UNITS[unit];
    if (scale === undefined) {
      throw new RuntimeFault(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    }
    s = s.slice(unit.length);
    total += Number(`${number[1] || "0"}.${number[2] || "0"}`) * scale;
    if (total > 2 ** 63) throw new RuntimeFault(`time: invalid duration ${quoted}`);
  }
  return new GoDuration(sign * Math.round(total));
}

/** Go `time.Duration.String()`: `1h30m0s`, `1.5s`, `300ms`, `0s`. */
export function formatGoDuration(d: GoDuration): string {
  const ns = d.nanoseconds;
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  const abs = Math.abs(ns);
  if (abs < 1e9) {
    const [unit, scale] = abs < 1e3 ? ["ns", 1] : abs < 1e6 ? ["µs", 1e3] : ["ms", 1e6];
    return `${sign}${trimFraction(abs / (scale as number))}${unit}`;
  }
  const hours = Math.floor(abs / 3600e9);
  const minutes = Math.floor((abs % 3600e9) / 60e9);
  const seconds = (abs % 60e9) / 1e9;
  let out = `${trimFraction(seconds)}s`;
  if (hours > 0 || minutes > 0) out = `${minutes}m${out}`;
  if (hours > 0) out = `${hours}h${out}`;
  return sign + out;
}

function trimFraction(n: number): string {
  return Number(n.toFixed(9)).toString();
}

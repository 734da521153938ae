import { goQuote } from "./go-sprintf.js";

/** Go `strconv.ParseFloat` syntax (decimal, hex with `p` exponent, inf/infinity/nan). */
const GO_FLOAT =
  /^[+-]?(?:(?:\d+(?:_\d+)*\.?(?:\d+(?:_\d+)*)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+)?|0[xX](?:_?[0-9a-fA-F]+)*\.?[0-9a-fA-F]*[pP][+-]?\d+|inf(?:inity)?|nan)$/i;

/**
 * Go `strconv.ParseFloat(s, 64)`: the value, or Go's error text (`strconv.ParseFloat: parsing
 * "x": invalid syntax`; out-of-range values give ±Inf with `value out of range`, as Go does).
 */
export function parseGoFloat(s: string): { value: number; error: string | null } {
  const fail = (why: string, value = 0) => ({
    value,
    error: `strconv.ParseFloat: parsing ${goQuote(s)}: ${why}`,
  });
  if (!GO_FLOAT.test(s) || (s.includes("_") && !/^[+-]?0[xX]/.test(s))) {
    return fail("invalid syntax");
  }
  const lower = s.toLowerCase();
  if (lower.endsWith("nan")) return { value: Number.NaN, error: null };
  if (lower.includes("inf")) {
    return { value: lower.startsWith("-") ? -Infinity : Infinity, error: null };
  }
  const value = /0x/i.test(s) ? parseHexFloat(s) : Number(s);
  if (!Number.isFinite(value)) return fail("value out of range", value);
  return { value, error: null };
}

function parseHexFloat(s: string): number {
  const m = /^([+-]?)0[xX]([0-9a-fA-F_]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s)!;
  const [, sign, int, frac, exp] = m;
  const mantissa = Number.parseInt(`${int!.replace(/_/g, "")}${frac}` || "0", 16);
  const value = mantissa * 2 ** (Number(exp) - 4 * frac!.length);
  return sign === "-" ? -value : value;
}

const INT64_MAX = 2n ** 63n - 1n;

/** Go `strconv.ParseInt(s, 10, 64)`: null on a syntax or range error. */
export function parseGoInt64(s: string): bigint | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const n = BigInt(s);
  return n > INT64_MAX || n < -INT64_MAX - 1n ? null : n;
}

import { formatGoDuration } from "./go-duration.js";
import { GoDuration, GoFloat, goTypeName, utf8Bytes } from "./go-value.js";

/**
 * Go `fmt.Sprintf` for the values expressions produce (CrowdSec registers `fmt.Sprintf` as the
 * `Sprintf` helper). Supports the flags `-+ 0#`, width, precision and the verbs
 * `v s d q f F e E g G x X o b c t T %`, with Go's `%!verb(type=value)` and `%!v(MISSING)`
 * error forms and `%!(EXTRA …)` for unused arguments.
 */
export function goSprintf(format: string, args: readonly unknown[]): string {
  let out = "";
  let argIndex = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c !== "%") {
      out += c;
      i++;
      continue;
    }
    i++;
    const spec: Spec = { minus: false, plus: false, space: false, zero: false, sharp: false };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === "-") spec.minus = true;
      else if (f === "+") spec.plus = true;
      else if (f === " ") spec.space = true;
      else if (f === "0") spec.zero = true;
      else if (f === "#") spec.sharp = true;
      else break;
    }
    const width = parseNumber(format, i);
    i = width.next;
    if (width.value !== undefined) spec.width = width.value;
    if (i + 1 < format.length && format[i] === ".") {
      const precision = parseNumber(format, i + 1);
      i = precision.next;
      spec.precision = precision.value ?? 0;
    }
    const verb = format[i];
    if (verb === undefined) {
      out += "%!(NOVERB)";
      break;
    }
    i++;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argIndex++];
    // Slices are padded element by element (inside formatOne), never as a whole.
    const text = formatOne(verb, arg, spec);
    out += Array.isArray(arg) && verb !== "T" ? text : pad(text, spec, verb);
  }
  if (argIndex < args.length) {
    out += `%!(EXTRA ${args
      .slice(argIndex)
      .map((a) => `${goTypeName(a)}=${formatValue(a)}`)
      .join(", ")})`;
  }
  return out;
}

/** Go `fmt` refuses widths and precisions past this (`print.go` `tooLarge`). */
const TOO_LARGE = 1e6;

/**
 * Go's `parsenum`: digits from `start`. A number growing past `TOO_LARGE` is "most likely crazy":
 * Go drops it and skips to the end of the format, which then prints `%!(NOVERB)`. This is also
 * what keeps `Sprintf('%0100000000d', 1)` from building a 100 MB string.
 */
function parseNumber(format: string, start: number): { value?: number; next: number } {
  let value = 0;
  let i = start;
  for (; i < format.length && format[i]! >= "0" && format[i]! <= "9"; i++) {
    if (value > TOO_LARGE) return { next: format.length };
    value = value * 10 + (format.charCodeAt(i) - 48);
  }
  return i > start ? { value, next: i } : { next: i };
}

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  sharp: boolean;
  width?: number;
  precision?: number;
}

function pad(text: string, spec: Spec, verb: string): string {
  if (spec.width === undefined) return text;
  const len = Array.from(text).length;
  if (len >= spec.width) return text;
  const fill = spec.width - len;
  if (spec.minus) return text + " ".repeat(fill);
  if (spec.zero && "dfFeEgGxXob".includes(verb) && /^[+-]?[\d.]/.test(text)) {
    const sign = /^[+-]/.test(text) ? text.charAt(0) : "";
    return sign + "0".repeat(fill) + text.slice(sign.length);
  }
  return " ".repeat(fill) + text;
}

/** Go's `%!verb(type=value)`; the value is printed with `%v` and the verb's flags and width. */
function bad(verb: string, v: unknown, spec?: Spec): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  const value = spec ? pad(formatOne("v", v, spec), spec, "v") : formatValue(v);
  return `%!${verb}(${goTypeName(v)}=${value})`;
}

function isGoInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

function floatOf(v: unknown): number | undefined {
  if (v instanceof GoFloat) return v.value;
  if (typeof v === "number" && !Number.isInteger(v)) return v;
  return undefined;
}

function signed(text: string, n: number, spec: Spec): string {
  if (n < 0 || Object.is(n, -0)) return text;
  if (spec.plus) return `+${text}`;
  if (spec.space) return ` ${text}`;
  return text;
}

function formatOne(verb: string, v: unknown, spec: Spec): string {
  // fmt applies the verb to each element of a slice or map (`%d` of [1 2] is `[1 2]`).
  if (verb !== "T" && Array.isArray(v) && (verb !== "v" || spec.width !== undefined)) {
    return `[${v
      .map((x) => {
        const text = formatOne(verb, x, spec);
        return Array.isArray(x) ? text : pad(text, spec, verb);
      })
      .join(" ")}]`;
  }
  const f = floatOf(v);
  switch (verb) {
    case "v":
      if (f !== undefined) return signed(formatFloatG(f, spec.precision ?? -1), f, spec);
      if (isGoInt(v)) return signed(String(v), v, spec);
      if (typeof v === "string" && spec.precision !== undefined) return truncate(v, spec.precision);
      return formatValue(v);
    case "T":
      return goTypeName(v);
    case "s":
      if (typeof v === "string")
        return spec.precision !== undefined ? truncate(v, spec.precision) : v;
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return `[${v.join(" ")}]`;
      return bad(verb, v, spec);
    case "q":
      if (typeof v === "string") return goQuote(v);
      if (isGoInt(v)) return quoteRune(v);
      return bad(verb, v, spec);
    case "d":
      if (isGoInt(v)) return signed(String(v), v, spec);
      return bad(verb, v, spec);
    case "t":
      if (typeof v === "boolean") return String(v);
      return bad(verb, v, spec);
    case "c":
      if (isGoInt(v)) return String.fromCodePoint(v);
      return bad(verb, v, spec);
    case "U":
      if (isGoInt(v)) return `U+${v.toString(16).toUpperCase().padStart(4, "0")}`;
      return bad(verb, v, spec);
    case "x":
    case "X": {
      let text: string;
      if (f !== undefined) {
        const hex = formatHexFloat(f, spec.precision);
        return signed(verb === "X" ? hex.toUpperCase() : hex, f, spec);
      }
      if (isGoInt(v)) text = (v < 0 ? "-" : "") + Math.abs(v).toString(16);
      else if (typeof v === "string")
        text = Array.from(utf8Bytes(v), (b) => b.toString(16).padStart(2, "0")).join("");
      else return bad(verb, v, spec);
      if (spec.sharp && text !== "")
        text = text.startsWith("-") ? `-0x${text.slice(1)}` : `0x${text}`;
      return verb === "X" ? text.toUpperCase() : text;
    }
    case "o":
      if (isGoInt(v)) return (v < 0 ? "-" : "") + Math.abs(v).toString(8);
      return bad(verb, v, spec);
    case "b":
      if (isGoInt(v)) return (v < 0 ? "-" : "") + Math.abs(v).toString(2);
      return bad(verb, v, spec);
    case "f":
    case "F":
      if (f !== undefined) return signed(formatFixed(f, spec.precision ?? 6), f, spec);
      return bad(verb, v, spec);
    case "e":
    case "E":
      if (f !== undefined) {
        const text = formatExp(f, spec.precision ?? 6);
        return signed(verb === "E" ? text.toUpperCase() : text, f, spec);
      }
      return bad(verb, v, spec);
    case "g":
    case "G":
      if (f !== undefined) {
        const text = formatFloatG(f, spec.precision ?? -1);
        return signed(verb === "G" ? text.toUpperCase() : text, f, spec);
      }
      return bad(verb, v, spec);
    default:
      return bad(verb, v, spec);
  }
}

function truncate(s: string, n: number): string {
  return Array.from(s).slice(0, n).join("");
}

function special(f: number): string | undefined {
  if (Number.isNaN(f)) return "NaN";
  if (f === Number.POSITIVE_INFINITY) return "+Inf";
  if (f === Number.NEGATIVE_INFINITY) return "-Inf";
  return undefined;
}

function formatFixed(f: number, precision: number): string {
  return special(f) ?? f.toFixed(Math.min(precision, 100));
}

/** Go `%x` of a float64: `0x1.999999999999ap-04`, shortest unless a precision is given. */
export function formatHexFloat(f: number, precision?: number): string {
  const s = special(f);
  if (s) return s;
  const sign = f < 0 || Object.is(f, -0) ? "-" : "";
  let a = Math.abs(f);
  if (a === 0) {
    return `${sign}0x0${precision ? `.${"0".repeat(precision)}` : ""}p+00`;
  }
  let exp = Math.floor(Math.log2(a));
  // Guard against log2 rounding at powers of two.
  if (2 ** exp > a) exp--;
  if (2 ** (exp + 1) <= a) exp++;
  let mantissa = BigInt(Math.round((a / 2 ** exp - 1) * 2 ** 52));
  let digits = 13;
  if (precision !== undefined && precision < 13) {
    // Round 1.fraction to `precision` hex digits, half to even like Go (the leading 1 counts).
    const drop = BigInt(4 * (13 - precision));
    let full = (1n << 52n) | mantissa;
    const unit = 1n << drop;
    const rest = full & (unit - 1n);
    full >>= drop;
    const half = unit >> 1n;
    if (rest > half || (rest === half && (full & 1n) === 1n)) full += 1n;
    const bits = BigInt(4 * precision);
    if (full >> bits >= 2n) {
      full >>= 1n;
      exp++;
    }
    mantissa = full & ((1n << bits) - 1n);
    digits = precision;
  }
  let frac = digits > 0 ? mantissa.toString(16).padStart(digits, "0") : "";
  if (precision === undefined) frac = frac.replace(/0+$/, "");
  else if (precision > 13) frac = frac.padEnd(precision, "0");
  a = Math.abs(exp);
  return `${sign}0x1${frac ? `.${frac}` : ""}p${exp < 0 ? "-" : "+"}${String(a).padStart(2, "0")}`;
}

/** Go exponent form: at least two exponent digits (`1e+06`). */
function goExponent(text: string): string {
  return text.replace(/e([+-])(\d)$/, "e$10$2");
}

function formatExp(f: number, precision: number): string {
  return special(f) ?? goExponent(f.toExponential(Math.min(precision, 100)));
}

/**
 * Go `%g`/`%v` for floats: shortest representation (precision -1), exponent form when the
 * exponent is < -4 or >= the precision (6 for the shortest form, so `1e6` prints `1e+06`).
 */
export function formatFloatG(f: number, precision: number): string {
  const s = special(f);
  if (s) return s;
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const shortest = precision < 0;
  const exp = shortest ? f.toExponential() : f.toExponential(Math.max(precision, 1) - 1);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp)!;
  const [, sign, lead, rest = "", e] = match;
  const exponent = Number(e);
  const digits = (lead! + rest).replace(/0+$/, "") || "0";
  const eprec = shortest ? 6 : Math.max(precision, 1);
  if (exponent < -4 || exponent >= eprec) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return goExponent(`${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${Math.abs(exponent)}`);
  }
  if (exponent >= 0) {
    const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
    const frac = digits.slice(exponent + 1);
    return `${sign}${intPart}${frac ? `.${frac}` : ""}`;
  }
  return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
}

/** Go `%v` of any value. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (v instanceof GoDuration) return formatGoDuration(v);
  const f = floatOf(v);
  if (f !== undefined) return formatFloatG(f, -1);
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(" ")}]`;
  if (v instanceof Date) return formatGoTime(v);
  if (v instanceof Map) {
    const keys = [...v.keys()].map(String).sort();
    return `map[${keys.map((k) => `${k}:${formatValue(v.get(k))}`).join(" ")}]`;
  }
  if (typeof v === "object") {
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    return `map[${keys.map((k) => `${k}:${formatValue(obj[k])}`).join(" ")}]`;
  }
  return String(v);
}

/** Go `time.Time.String()` of a JS date, in UTC: `2006-01-02 15:04:05.123 +0000 UTC`. */
export function formatGoTime(date: Date): string {
  const iso = date.toISOString();
  const fraction = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ""} +0000 UTC`;
}

/** Go `strconv.QuoteRune`: `'a'`, `'\x01'`, `'\''`. */
function quoteRune(code: number): string {
  if (code < 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) code = 0xfffd;
  const ch = String.fromCodePoint(code);
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  return `'${goQuote(ch).slice(1, -1)}'`;
}

/** Go `strconv.Quote`. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (c === 7) out += "\\a";
    else if (c === 8) out += "\\b";
    else if (c === 12) out += "\\f";
    else if (c === 10) out += "\\n";
    else if (c === 13) out += "\\r";
    else if (c === 9) out += "\\t";
    else if (c === 11) out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if (c === 0xfffd && ch !== "\ufffd") out += "\\ufffd";
    else if (!/[\p{L}\p{M}\p{N}\p{P}\p{S}\u0020]/u.test(ch)) {
      out +=
        c > 0xffff
          ? `\\U${c.toString(16).padStart(8, "0")}`
          : `\\u${c.toString(16).padStart(4, "0")}`;
    } else out += ch;
  }
  return `${out}"`;
}

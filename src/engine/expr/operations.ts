import { RuntimeFault } from "./errors.js";
import {
  deepEqual,
  float,
  fromUtf8,
  GO_TYPE,
  GoDuration,
  GoFloat,
  goTypeName,
  isAscii,
  isNil,
  isNumber,
  missingKeyValue,
  numberValue,
  toInt,
  utf8Bytes,
  utf8Length,
  withGoType,
  wrapInt,
} from "./go-value.js";

/**
 * The runtime operations of expr v1.9.0 (`vm/runtime.go` and its generated helpers), on the value
 * model of `go-value.ts`. Each throws `RuntimeFault` with the VM's panic text where Go panics.
 */

const isFloatish = (v: unknown) =>
  v instanceof GoFloat || (typeof v === "number" && !Number.isInteger(v));

/** `==`: numbers compare across int/float, strings by value, two nils are equal, else DeepEqual. */
export function equal(a: unknown, b: unknown): boolean {
  if (typeof a === "string" && typeof b === "string") return a === b;
  if (isNumber(a) && isNumber(b)) return numberValue(a) === numberValue(b);
  if (a instanceof GoDuration && b instanceof GoDuration) return a.nanoseconds === b.nanoseconds;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return deepEqual(a, b);
}

function compare(op: string, a: unknown, b: unknown): number {
  if (isNumber(a) && isNumber(b)) {
    const x = numberValue(a);
    const y = numberValue(b);
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : Number.NaN;
  }
  if (typeof a === "string" && typeof b === "string") {
    // Go compares strings bytewise; UTF-16 order differs only for astral vs high BMP characters.
    return a < b ? -1 : a > b ? 1 : 0;
  }
  // time.Duration and time.Time compare as the VM's generated helpers do.
  const x = a instanceof GoDuration ? a.nanoseconds : a instanceof Date ? a.getTime() : null;
  const y = b instanceof GoDuration ? b.nanoseconds : b instanceof Date ? b.getTime() : null;
  if (x !== null && y !== null && a?.constructor === b?.constructor) {
    return x < y ? -1 : x > y ? 1 : 0;
  }
  throw new RuntimeFault(`invalid operation: ${goTypeName(a)} ${op} ${goTypeName(b)}`);
}

export const less = (a: unknown, b: unknown) => compare("<", a, b) < 0;
export const more = (a: unknown, b: unknown) => compare(">", a, b) > 0;
export const lessOrEqual = (a: unknown, b: unknown) => compare("<=", a, b) <= 0;
export const moreOrEqual = (a: unknown, b: unknown) => compare(">=", a, b) >= 0;

function arithmetic(
  op: string,
  a: unknown,
  b: unknown,
  ints: (x: number, y: number) => number,
  exact: (x: bigint, y: bigint) => bigint,
): unknown {
  if (isNumber(a) && isNumber(b)) {
    const x = numberValue(a);
    const y = numberValue(b);
    if (isFloatish(a) || isFloatish(b)) return float(ints(x, y));
    return wrapInt(ints(x, y), () => exact(BigInt(x), BigInt(y)));
  }
  throw new RuntimeFault(`invalid operation: ${goTypeName(a)} ${op} ${goTypeName(b)}`);
}

/** `+`: numbers, or string concatenation. */
export function add(a: unknown, b: unknown): unknown {
  if (typeof a === "string" && typeof b === "string") return a + b;
  if (b instanceof GoDuration) {
    if (a instanceof GoDuration) return new GoDuration(a.nanoseconds + b.nanoseconds);
    if (a instanceof Date) return new Date(a.getTime() + b.nanoseconds / 1e6);
  }
  if (a instanceof GoDuration && b instanceof Date) {
    return new Date(b.getTime() + a.nanoseconds / 1e6);
  }
  return arithmetic(
    "+",
    a,
    b,
    (x, y) => x + y,
    (x, y) => x + y,
  );
}

export function subtract(a: unknown, b: unknown): unknown {
  if (a instanceof Date && b instanceof Date)
    return new GoDuration((a.getTime() - b.getTime()) * 1e6);
  if (a instanceof Date && b instanceof GoDuration)
    return new Date(a.getTime() - b.nanoseconds / 1e6);
  if (a instanceof GoDuration && b instanceof GoDuration) {
    return new GoDuration(a.nanoseconds - b.nanoseconds);
  }
  return arithmetic(
    "-",
    a,
    b,
    (x, y) => x - y,
    (x, y) => x - y,
  );
}

export function multiply(a: unknown, b: unknown): unknown {
  return arithmetic(
    "*",
    a,
    b,
    (x, y) => x * y,
    (x, y) => x * y,
  );
}

/**
 * `/`: Go integer division for two ints (expr v1.9.0 — `7 / 2` is `3`, checked against the 1.4.6
 * binary), float64 division as soon as one side is a float.
 */
export function divide(a: unknown, b: unknown): unknown {
  if (isNumber(a) && isNumber(b)) {
    const x = numberValue(a);
    const y = numberValue(b);
    if (isFloatish(a) || isFloatish(b)) return float(x / y);
    if (y === 0) throw new RuntimeFault("runtime error: integer divide by zero");
    return wrapInt(Math.trunc(x / y), () => BigInt(x) / BigInt(y));
  }
  throw new RuntimeFault(`invalid operation: ${goTypeName(a)} / ${goTypeName(b)}`);
}

/** `%` is defined on ints only. */
export function modulo(a: unknown, b: unknown): number {
  if (
    typeof a === "number" &&
    typeof b === "number" &&
    Number.isInteger(a) &&
    Number.isInteger(b)
  ) {
    if (b === 0) throw new RuntimeFault("runtime error: integer divide by zero");
    return a % b === 0 ? 0 : a % b;
  }
  throw new RuntimeFault(`invalid operation: ${goTypeName(a)} % ${goTypeName(b)}`);
}

/** `**` is `math.Pow` on float64s. */
export function exponent(a: unknown, b: unknown): GoFloat {
  if (isNumber(a) && isNumber(b)) return float(numberValue(a) ** numberValue(b));
  throw new RuntimeFault(`invalid operation: float64(${goTypeName(isNumber(a) ? b : a)})`);
}

export function negate(a: unknown): unknown {
  if (a instanceof GoFloat) return float(-a.value);
  if (typeof a === "number") return Number.isInteger(a) ? wrapInt(-a) || 0 : -a;
  throw new RuntimeFault(`invalid operation: - ${goTypeName(a)}`);
}

/** `in`: element equality for arrays, key presence for maps and structs; `nil` holds nothing. */
export function inOp(needle: unknown, haystack: unknown): boolean {
  if (isNil(haystack)) return false;
  if (Array.isArray(haystack)) {
    for (const item of haystack) if (equal(item, needle)) return true;
    return false;
  }
  if (haystack instanceof Map) {
    if (isNil(needle))
      throw new RuntimeFault(`cannot use <nil> as index to map[string]interface {}`);
    return haystack.has(needle);
  }
  if (typeof haystack === "object") {
    if (needle === null || needle === undefined) {
      throw new RuntimeFault(`cannot use <nil> as index to ${goTypeName(haystack)}`);
    }
    if (typeof needle !== "string") {
      throw new RuntimeFault(
        `reflect.Value.MapIndex: value of type ${goTypeName(needle)} is not assignable to type string`,
      );
    }
    return lookup(haystack as object, needle) !== NOT_FOUND;
  }
  throw new RuntimeFault(`operator "in"" not defined on ${goTypeName(haystack)}`);
}

/** `len`: bytes of a string (UTF-8), elements of an array, keys of a map. */
export function length(v: unknown): number {
  if (typeof v === "string") return utf8Length(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (v !== null && typeof v === "object" && !(v instanceof GoFloat)) {
    return Object.keys(v).length;
  }
  throw new RuntimeFault(`invalid argument for len (type ${goTypeName(v)})`);
}

/** Sentinel for "no such own property". */
export const NOT_FOUND: unique symbol = Symbol("not found");

/**
 * Own properties, and members of a class prototype chain (for env objects written as classes),
 * but never `Object.prototype` members or `constructor`: expressions must not reach JS internals.
 */
export function lookup(obj: object, name: string): unknown {
  if (Object.hasOwn(obj, name)) return (obj as Record<string, unknown>)[name];
  if (name === "constructor" || name === "__proto__") return NOT_FOUND;
  let proto = Object.getPrototypeOf(obj);
  while (proto && proto !== Object.prototype && proto !== Function.prototype) {
    if (Object.hasOwn(proto, name)) return (obj as Record<string, unknown>)[name];
    proto = Object.getPrototypeOf(proto);
  }
  return NOT_FOUND;
}

/**
 * Member and index access (`a.b`, `a["b"]`, `a[0]`), the VM's `fetch`. Missing map keys give the
 * map's zero value (see `missingKeyValue`); indexing nil or a scalar, or an index out of range,
 * is an error.
 */
export function fetch(from: unknown, key: unknown): unknown {
  // Fast path: a plain env object read by a string key (`evt.Meta.source_ip`).
  if (
    typeof key === "string" &&
    from !== null &&
    typeof from === "object" &&
    !Array.isArray(from)
  ) {
    if (Object.hasOwn(from, key)) {
      const value = (from as Record<string, unknown>)[key];
      return value === undefined ? null : value;
    }
  }
  if (Array.isArray(from)) {
    if (isNumber(key)) {
      const i = toInt(key);
      if (i >= 0 && i < from.length) return from[i];
      throw new RuntimeFault("reflect: slice index out of range");
    }
    throw new RuntimeFault(`invalid operation: int(${goTypeName(key)})`);
  }
  if (typeof from === "string") {
    const i = toInt(key);
    const bytes = isAscii(from) ? null : utf8Bytes(from);
    const len = bytes ? bytes.length : from.length;
    if (i >= 0 && i < len) return bytes ? bytes[i]! : from.charCodeAt(i);
    throw new RuntimeFault("reflect: string index out of range");
  }
  if (from instanceof Map) {
    return from.has(key) ? from.get(key) : null;
  }
  if (from !== null && typeof from === "object" && !(from instanceof GoFloat)) {
    if (typeof key !== "string") {
      throw new RuntimeFault(
        `reflect.Value.MapIndex: value of type ${goTypeName(key)} is not assignable to type string`,
      );
    }
    const value = lookup(from, key);
    if (value !== NOT_FOUND) return value === undefined ? null : value;
    return missingKeyValue(from);
  }
  throw new RuntimeFault(`cannot fetch ${formatKey(key)} from ${goTypeName(from)}`);
}

function formatKey(key: unknown): string {
  if (key instanceof GoFloat) return String(key.value);
  return isNil(key) ? "<nil>" : String(key);
}

/** `a[i:j]` on arrays and (bytewise) strings; bounds clamp like the VM's `slice`. */
export function slice(from: unknown, start: unknown, end: unknown): unknown {
  if (Array.isArray(from) || typeof from === "string") {
    const bytes = typeof from === "string" && !isAscii(from) ? utf8Bytes(from) : null;
    const len = bytes ? bytes.length : from.length;
    let a = toInt(start);
    let b = toInt(end);
    if (b > len) b = len;
    if (a > b) a = b;
    if (a < 0 || b < 0) throw new RuntimeFault("reflect.Value.Slice: slice index out of bounds");
    if (bytes) return fromUtf8(bytes.subarray(a, b));
    if (typeof from === "string") return from.slice(a, b);
    // A slice keeps its Go element type ([]string stays []string).
    const out = from.slice(a, b);
    return GO_TYPE in from
      ? withGoType(out, (from as unknown as Record<symbol, string>)[GO_TYPE]!)
      : out;
  }
  throw new RuntimeFault(`cannot slice ${goTypeName(from)}`);
}

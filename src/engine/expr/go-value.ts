import { RuntimeFault } from "./errors.js";

/**
 * Go's value model as expressions see it. JS has one number type, Go has `int` and `float64`, and
 * expr keeps them apart (`1/2` is the float 0.5, `%` refuses floats, `Sprintf("%d")` prints ints
 * only). Inside the evaluator an `int` is an integral JS number and a `float64` is a `GoFloat`
 * box (or a non-integral JS number coming from the environment). `nil` is `null`/`undefined`.
 */
export class GoFloat {
  constructor(readonly value: number) {}
}

/** A Go `time.Duration` (int64 nanoseconds), as `duration("10m")` returns it. */
export class GoDuration {
  constructor(readonly nanoseconds: number) {}
}

/** Marks an array or object with its Go type name (`[]int`, `[]string`, …) for `%T` and errors. */
export const GO_TYPE: unique symbol = Symbol.for("rampart.expr.goType");

/** Tags `value` with a Go type name (non-enumerable); returns `value`. */
export function withGoType<T extends object>(value: T, typeName: string): T {
  Object.defineProperty(value, GO_TYPE, { value: typeName, enumerable: false, configurable: true });
  return value;
}

/** Marks an env object's Go zero value for missing keys (see `withZeroValue`). */
export const ZERO_VALUE: unique symbol = Symbol.for("rampart.expr.zeroValue");

/**
 * Declares what a missing key of `map` reads as (Go's map zero value): `""` for a
 * `map[string]string`, `null` for a `map[string]interface{}`. Without it the evaluator guesses
 * from the contents (see `missingKeyValue`). Returns `map` for chaining.
 */
export function withZeroValue<T extends object>(map: T, zero: unknown): T {
  Object.defineProperty(map, ZERO_VALUE, { value: zero, enumerable: false, configurable: true });
  return map;
}

/** Marks a typed nil (`[]interface{}(nil)`, `map[string]interface{}(nil)`): empty, yet `== nil`. */
const TYPED_NIL: unique symbol = Symbol.for("rampart.expr.typedNil");

/** A typed nil slice or map of the given Go type: length 0, equal to `nil`, formats as empty. */
export function typedNil(typeName: string, kind: "slice" | "map"): unknown {
  const value = withGoType(kind === "slice" ? [] : {}, typeName);
  if (kind === "map") withZeroValue(value, null);
  Object.defineProperty(value, TYPED_NIL, { value: true });
  return Object.freeze(value);
}

/** Go nil: JS null/undefined, or a typed nil slice/map. */
export function isNil(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === "object" && TYPED_NIL in v);
}

/** True for both Go numeric kinds. */
export function isNumber(v: unknown): v is number | GoFloat {
  return typeof v === "number" || v instanceof GoFloat;
}

/** True when a numeric value is a Go `int`. */
export function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

export function numberValue(v: number | GoFloat): number {
  return typeof v === "number" ? v : v.value;
}

/** A float64 result; integral JS numbers must be boxed to stay floats. */
export function float(n: number): GoFloat {
  return new GoFloat(n);
}

/** Go int64 wrap-around for results that left the exact integer range. */
export function wrapInt(n: number, exact?: () => bigint): number {
  if (Number.isSafeInteger(n)) return n;
  if (exact) return Number(BigInt.asIntN(64, exact()));
  return n;
}

/** Go `%T` of a value, for error messages. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (v instanceof GoFloat) return "float64";
  if (v instanceof GoDuration) return "time.Duration";
  switch (typeof v) {
    case "number":
      return Number.isInteger(v) ? "int" : "float64";
    case "bigint":
      return "int64";
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "function":
      return "func(...interface {}) interface {}";
  }
  if (GO_TYPE in (v as object)) return (v as Record<symbol, string>)[GO_TYPE]!;
  if (Array.isArray(v)) return "[]interface {}";
  if (v instanceof Map) return "map[string]interface {}";
  if (v instanceof Date) return "time.Time";
  if (isStringMap(v as object)) return "map[string]string";
  return "map[string]interface {}";
}

/** An object whose own values are all strings behaves as a Go `map[string]string`. */
export function isStringMap(obj: object): boolean {
  if (ZERO_VALUE in obj) return (obj as Record<symbol, unknown>)[ZERO_VALUE] === "";
  for (const key in obj) {
    if (Object.hasOwn(obj, key) && typeof (obj as Record<string, unknown>)[key] !== "string") {
      return false;
    }
  }
  return true;
}

/**
 * What a missing key reads as. CrowdSec's `Parsed`, `Meta`, `Enriched` and `Line.Labels` are
 * `map[string]string`, whose zero value is `""`, so `evt.Meta.x == ''` is true when `x` is absent.
 * Plain JS objects carry no Go type, so: an explicit `withZeroValue` marker wins; otherwise an
 * object whose values are all strings (or that is empty) is taken for a string map (`""`), and any
 * other object (a struct or `map[string]interface{}`) yields `nil`.
 */
export function missingKeyValue(obj: object): unknown {
  if (ZERO_VALUE in obj) return (obj as Record<symbol, unknown>)[ZERO_VALUE];
  return isStringMap(obj) ? "" : null;
}

/** Go `toInt`: numbers truncate; anything else is the VM's panic. */
export function toInt(v: unknown): number {
  if (typeof v === "number") return Math.trunc(v);
  if (v instanceof GoFloat) return Math.trunc(v.value);
  if (typeof v === "bigint") return Number(v);
  throw new RuntimeFault(`invalid operation: int(${goTypeName(v)})`);
}

/** Go `reflect.DeepEqual`-like comparison used for `==` on non-numeric, non-string values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  if (a instanceof GoFloat || b instanceof GoFloat) {
    return a instanceof GoFloat && b instanceof GoFloat && a.value === b.value;
  }
  if (typeof a !== "object" || typeof b !== "object") {
    if (typeof a === "number" && typeof b === "number") {
      return Number.isInteger(a) === Number.isInteger(b) && a === b;
    }
    return a === b;
  }
  // DeepEqual compares dynamic types: a []string never equals a []interface{}.
  if (goTypeName(a) !== goTypeName(b)) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    return true;
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b as object, k) &&
      deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/**
 * Converts an evaluator value to a plain JS value for callers: floats are unboxed, inside arrays
 * and objects too. Values without floats (env objects in particular) are returned as they are.
 */
export function toPlain(v: unknown): unknown {
  if (v === undefined) return null;
  return holdsFloat(v, 0) ? unbox(v) : v;
}

function holdsFloat(v: unknown, depth: number): boolean {
  if (v instanceof GoFloat) return true;
  if (depth > 32 || v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) return v.some((x) => holdsFloat(x, depth + 1));
  return Object.values(v).some((x) => holdsFloat(x, depth + 1));
}

function unbox(v: unknown): unknown {
  if (v instanceof GoFloat) return v.value;
  if (Array.isArray(v)) return v.map(unbox);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unbox(x)]));
  }
  return v;
}

/** Converts a value returned by a JS function into the evaluator's model. */
export function fromPlain(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  return v;
}

/** UTF-8 length in bytes, as Go's `len(string)`. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Go string bytes; ASCII strings are the common case and skip encoding. */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

import { RuntimeFault } from "./errors.js";
import {
  float,
  fromUtf8,
  GO_TYPE,
  GoFloat,
  goTypeName,
  isAscii,
  isNil,
  isNumber,
  numberValue,
  toInt,
  utf8Bytes,
  withGoType,
} from "./go-value.js";
import { equal, fetch, lookup, NOT_FOUND } from "./operations.js";

/**
 * The runtime operations where expr-lang v1.17 (`vm/runtime/runtime.go`, CrowdSec 1.7) differs
 * from v1.9.0; the rest of `operations.ts` is shared by both dialects.
 */

/** `/` always divides float64s: `7 / 2` is `3.5`, `1 / 0` is `+Inf` (no panic). */
export function divideCurrent(a: unknown, b: unknown): GoFloat {
  if (isNumber(a) && isNumber(b)) return float(numberValue(a) / numberValue(b));
  throw new RuntimeFault(`invalid operation: ${goTypeName(a)} / ${goTypeName(b)}`);
}

/** `a[i]`: negative indexes count from the end; out of range is `index out of range: …`. */
export function fetchCurrent(from: unknown, key: unknown): unknown {
  if (Array.isArray(from) || typeof from === "string") {
    if (!isNumber(key)) throw new RuntimeFault(`invalid operation: int(${goTypeName(key)})`);
    const bytes = typeof from === "string" && !isAscii(from) ? utf8Bytes(from) : null;
    const length = bytes ? bytes.length : from.length;
    let i = toInt(key);
    if (i < 0) i += length;
    if (i < 0 || i >= length) {
      throw new RuntimeFault(`index out of range: ${i} (array length is ${length})`);
    }
    if (typeof from === "string") return bytes ? bytes[i]! : from.charCodeAt(i);
    return from[i];
  }
  return fetch(from, key);
}

/** `a[i:j]`: negative bounds count from the end, then both clamp into `[0, len]`. */
export function sliceCurrent(from: unknown, start: unknown, end: unknown): unknown {
  if (!Array.isArray(from) && typeof from !== "string") {
    throw new RuntimeFault(`cannot slice ${goTypeName(from)}`);
  }
  const bytes = typeof from === "string" && !isAscii(from) ? utf8Bytes(from) : null;
  const length = bytes ? bytes.length : from.length;
  let a = toInt(start);
  let b = toInt(end);
  if (a < 0) a = Math.max(length + a, 0);
  if (b < 0) b = Math.max(length + b, 0);
  if (b > length) b = length;
  if (a > b) a = b;
  if (bytes) return fromUtf8(bytes.subarray(a, b));
  if (typeof from === "string") return from.slice(a, b);
  const out = from.slice(a, b);
  return GO_TYPE in from
    ? withGoType(out, (from as unknown as Record<symbol, string>)[GO_TYPE]!)
    : out;
}

/**
 * `in`: element equality over arrays; key presence in maps, where a nil needle looks up the
 * key type's zero value (`""`) instead of panicking; `nil` holds nothing.
 */
export function inCurrent(needle: unknown, haystack: unknown): boolean {
  if (isNil(haystack)) return false;
  if (Array.isArray(haystack)) {
    for (const item of haystack) if (equal(item, needle)) return true;
    return false;
  }
  if (haystack instanceof Map) return haystack.has(isNil(needle) ? "" : needle);
  if (typeof haystack === "object" && !(haystack instanceof GoFloat)) {
    const key = isNil(needle) ? "" : needle;
    if (typeof key !== "string") {
      throw new RuntimeFault(
        `reflect.Value.MapIndex: value of type ${goTypeName(key)} is not assignable to type string`,
      );
    }
    return lookup(haystack as object, key) !== NOT_FOUND;
  }
  throw new RuntimeFault(`operator "in" not defined on ${goTypeName(haystack)}`);
}

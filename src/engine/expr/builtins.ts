import { RuntimeFault } from "./errors.js";
import { parseGoDate } from "./go-date.js";
import { parseGoDuration } from "./go-duration.js";
import { fromJson, goJsonMarshal } from "./go-json.js";
import { formatValue } from "./go-sprintf.js";
import { replace } from "./go-strings.js";
import {
  float,
  GoDuration,
  GoFloat,
  goTypeName,
  isAscii,
  isInt,
  isNil,
  isNumber,
  numberValue,
  toInt,
  utf8Bytes,
  withGoType,
} from "./go-value.js";
import { equal, length, less, more } from "./operations.js";
import { fetchCurrent } from "./operations-current.js";
import type { RunState } from "./run-state.js";
import { charge, conversionFault } from "./run-state.js";

/**
 * The non-predicate builtins of expr-lang v1.17 (`builtin/builtin.go`, `builtin/lib.go`), as
 * data: argument counts (checked at compile time) and the implementation on the evaluator's Go
 * value model. CrowdSec 1.7 exposes all of them beside its own helpers (whose names are
 * capitalised, so none collides). The predicate builtins (`all`, `filter`, `reduce`, …) are in
 * `predicates.ts`.
 */
export interface BuiltinSpec {
  min: number;
  max: number;
  /** `count` builtins report arity as `invalid number of arguments (expected N, got M)`. */
  counted?: boolean;
  call(args: unknown[], state: RunState): unknown;
}

const str = (v: unknown): string => {
  if (typeof v !== "string") throw conversionFault(v, "string");
  return v;
};

const strings = (v: unknown[]): string[] => withGoType(v, "[]string") as string[];

/** Go `strings.Split`/`SplitN`/`SplitAfterN` (n < 0: all; n == 0: nil). */
function split(s: string, sep: string, n: number, after: boolean): string[] {
  if (n === 0) return strings([]);
  let parts: string[];
  if (sep === "") {
    parts = Array.from(s);
    if (n > 0 && parts.length > n) parts = [...parts.slice(0, n - 1), parts.slice(n - 1).join("")];
    return strings(parts);
  }
  parts = [];
  let rest = s;
  while (n < 0 || parts.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    parts.push(rest.slice(0, after ? i + sep.length : i));
    rest = rest.slice(i + sep.length);
  }
  parts.push(rest);
  return strings(parts);
}

/** Go `strings.Index`/`LastIndex` return byte offsets. */
function byteIndex(s: string, sub: string, last: boolean): number {
  const i = last ? s.lastIndexOf(sub) : s.indexOf(sub);
  if (i < 0 || isAscii(s)) return i;
  return utf8Bytes(s.slice(0, i)).length;
}

/** Go `strings.Trim(s, cutset)`: strips leading and trailing runes found in `cutset`. */
function trimSet(s: string, cutset: string, left: boolean, right: boolean): string {
  const set = new Set(Array.from(cutset));
  const runes = Array.from(s);
  let a = 0;
  let b = runes.length;
  if (left) while (a < b && set.has(runes[a]!)) a++;
  if (right) while (b > a && set.has(runes[b - 1]!)) b--;
  return runes.slice(a, b).join("");
}

const GO_SPACE =
  "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

/**
 * Go `strings.ToUpper`/`ToLower`: per-rune simple case mapping (no `ß` → `SS`); the same rule as
 * the `Upper`/`Lower` helpers of `helper-table.ts`.
 */
function mapCase(s: string, upper: boolean): string {
  if (isAscii(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = "";
  for (const ch of s) {
    const mapped = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += Array.from(mapped).length === 1 ? mapped : ch;
  }
  return out;
}

/** `builtin.Int`: truncates floats, parses decimal strings (`strconv.Atoi`). */
function toIntBuiltin(x: unknown): number {
  if (isNumber(x)) return Math.trunc(numberValue(x));
  if (x instanceof GoDuration) return x.nanoseconds;
  if (typeof x === "string") {
    if (!/^[+-]?\d+$/.test(x) || !Number.isSafeInteger(Number(x))) {
      throw new RuntimeFault(`invalid operation: int(${x})`);
    }
    return Number(x) || 0;
  }
  throw new RuntimeFault(`invalid operation: int(${goTypeName(x)})`);
}

/** `builtin.Float`: numbers, or strings `strconv.ParseFloat` accepts. */
function toFloatBuiltin(x: unknown): GoFloat {
  if (isNumber(x)) return float(numberValue(x));
  if (typeof x === "string") {
    const t = x.replace(/^([+-]?)(inf(inity)?|nan)$/i, (_, sign: string, word: string) =>
      word.toLowerCase() === "nan" ? "NaN" : `${sign}Infinity`,
    );
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?Infinity$|^NaN$/.test(t)) {
      throw new RuntimeFault(`invalid operation: float(${x})`);
    }
    return float(Number(t));
  }
  throw new RuntimeFault(`invalid operation: float(${goTypeName(x)})`);
}

/** `builtin.Type`: expr's coarse type names. */
function typeOf(x: unknown): string {
  if (isNil(x) && !Array.isArray(x) && !(typeof x === "object" && x !== null)) return "nil";
  if (x instanceof GoDuration) return "time.Duration";
  if (x instanceof Date) return "time.Time";
  if (isInt(x)) return "int";
  if (isNumber(x)) return "float";
  if (typeof x === "string") return "string";
  if (typeof x === "boolean") return "bool";
  if (typeof x === "function") return "func";
  if (Array.isArray(x)) return "array";
  return "map";
}

/** Go `math.Round`: half away from zero. */
const roundHalfAway = (n: number) => Math.sign(n) * Math.round(Math.abs(n));

function rounding(name: string, fn: (n: number) => number) {
  return (x: unknown): GoFloat => {
    if (isNumber(x)) return float(isInt(x) ? x : fn(numberValue(x)));
    throw new RuntimeFault(`invalid argument for ${name} (type ${goTypeName(x)})`);
  };
}

/** Flattens numbers out of nested arrays for `max`, `min`, `mean`, `median`. */
function numbers(name: string, args: unknown[]): (number | GoFloat)[] {
  const out: (number | GoFloat)[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isNumber(v)) out.push(v);
    else throw new RuntimeFault(`invalid argument for ${name} (type ${goTypeName(v)})`);
  };
  args.forEach(visit);
  return out;
}

function minMax(name: string, better: (a: unknown, b: unknown) => boolean, args: unknown[]) {
  if (args.length === 1 && !Array.isArray(args[0]) && !isNumber(args[0])) return args[0];
  let value: unknown = null;
  for (const n of numbers(name, args)) if (value === null || better(value, n)) value = n;
  return value;
}

function arrayArg(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new RuntimeFault(`cannot ${what} ${goKind(v)}`);
  return v;
}

/** Go `reflect.Kind` names, as builtins print them. */
function goKind(v: unknown): string {
  if (isNil(v)) return "invalid";
  if (isInt(v)) return "int";
  if (isNumber(v)) return "float64";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "slice";
  if (typeof v === "function") return "func";
  if (v instanceof Date) return "struct";
  return "map";
}

function mapEntries(v: unknown, what: string): [unknown, unknown][] {
  if (v instanceof Map) return [...v.entries()];
  if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof GoFloat)) {
    return Object.entries(v);
  }
  throw new RuntimeFault(`cannot ${what} ${goKind(v)}`);
}

function bitInt(v: unknown, name: string): number {
  if (isInt(v)) return v;
  throw new RuntimeFault(`invalid operation: ${goTypeName(v)} to call ${name}`);
}

function bit(name: string, op: (x: bigint, y: bigint) => bigint, shift = false): BuiltinSpec {
  return {
    min: 2,
    max: 2,
    call: ([a, b]) => {
      const x = bitInt(a, name);
      const y = bitInt(b, name);
      if (shift && y < 0) {
        throw new RuntimeFault(`invalid operation: negative shift count ${y} (type int)`);
      }
      return Number(BigInt.asIntN(64, op(BigInt(x), BigInt(y))));
    },
  };
}

function sortValues(values: unknown[], desc: boolean): unknown[] {
  const sorted = [...values].sort((a, b) => (less(a, b) ? -1 : more(a, b) ? 1 : 0));
  return desc ? sorted.reverse() : sorted;
}

function base64Decode(s: string): string {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) {
    const bad = s.search(/[^A-Za-z0-9+/=]/);
    const at = bad >= 0 ? bad : s.length - (s.length % 4 || 4);
    throw new RuntimeFault(`illegal base64 data at input byte ${Math.max(at, 0)}`);
  }
  const binary = atob(s);
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

function base64Encode(s: string): string {
  let binary = "";
  for (const byte of utf8Bytes(s)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Go `json.MarshalIndent(v, "", "  ")`. */
function toJson(v: unknown): string {
  const compact = goJsonMarshal(v);
  if (compact === undefined) {
    throw new RuntimeFault(`json: unsupported value: ${formatValue(v)}`);
  }
  return JSON.stringify(JSON.parse(compact), null, 2).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function fromJsonText(s: string): unknown {
  try {
    return fromJson(JSON.parse(s));
  } catch {
    throw new RuntimeFault(
      s.trim() === "" ? "unexpected end of JSON input" : "invalid character in JSON input",
    );
  }
}

export const EXPR_BUILTINS: Readonly<Record<string, BuiltinSpec>> = {
  len: { min: 1, max: 1, counted: true, call: ([x]) => length(x) },
  type: { min: 1, max: 1, call: ([x]) => typeOf(x) },
  abs: {
    min: 1,
    max: 1,
    counted: true,
    call: ([x]) => {
      if (isInt(x)) return Math.abs(x);
      if (isNumber(x)) return float(Math.abs(numberValue(x)));
      throw new RuntimeFault(`invalid argument for abs (type ${goTypeName(x)})`);
    },
  },
  ceil: { min: 1, max: 1, counted: true, call: ([x]) => rounding("ceil", Math.ceil)(x) },
  floor: { min: 1, max: 1, counted: true, call: ([x]) => rounding("floor", Math.floor)(x) },
  round: { min: 1, max: 1, counted: true, call: ([x]) => rounding("round", roundHalfAway)(x) },
  int: { min: 1, max: 1, counted: true, call: ([x]) => toIntBuiltin(x) },
  float: { min: 1, max: 1, counted: true, call: ([x]) => toFloatBuiltin(x) },
  string: { min: 1, max: 1, call: ([x]) => formatValue(x) },
  trim: {
    min: 1,
    max: 2,
    call: ([s, cutset]) =>
      cutset === undefined
        ? trimSet(str(s), GO_SPACE, true, true)
        : trimSet(str(s), str(cutset), true, true),
  },
  trimPrefix: {
    min: 1,
    max: 2,
    call: ([s, p]) => {
      const prefix = p === undefined ? " " : str(p);
      return str(s).startsWith(prefix) ? str(s).slice(prefix.length) : str(s);
    },
  },
  trimSuffix: {
    min: 1,
    max: 2,
    call: ([s, p]) => {
      const suffix = p === undefined ? " " : str(p);
      const text = str(s);
      return suffix !== "" && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
    },
  },
  upper: { min: 1, max: 1, call: ([s]) => mapCase(str(s), true) },
  lower: { min: 1, max: 1, call: ([s]) => mapCase(str(s), false) },
  split: {
    min: 2,
    max: 3,
    call: ([s, sep, n]) => split(str(s), str(sep), n === undefined ? -1 : toInt(n), false),
  },
  splitAfter: {
    min: 2,
    max: 3,
    call: ([s, sep, n]) => split(str(s), str(sep), n === undefined ? -1 : toInt(n), true),
  },
  replace: {
    min: 3,
    max: 4,
    call: ([s, old, rep, n]) =>
      replace(str(s), str(old), str(rep), n === undefined ? -1 : toInt(n)),
  },
  repeat: {
    min: 2,
    max: 2,
    call: ([s, n], state) => {
      const count = toInt(n);
      if (count < 0) {
        throw new RuntimeFault(
          `invalid argument for repeat (expected positive integer, got ${count})`,
        );
      }
      if (count > 1e6) throw new RuntimeFault("memory budget exceeded");
      charge(state, str(s).length * count);
      return str(s).repeat(count);
    },
  },
  join: {
    min: 1,
    max: 2,
    call: ([list, glue]) => {
      if (!Array.isArray(list)) {
        throw new RuntimeFault(`invalid argument for join (type ${goTypeName(list)})`);
      }
      return list.map(str).join(glue === undefined ? "" : str(glue));
    },
  },
  indexOf: { min: 2, max: 2, call: ([s, sub]) => byteIndex(str(s), str(sub), false) },
  lastIndexOf: { min: 2, max: 2, call: ([s, sub]) => byteIndex(str(s), str(sub), true) },
  hasPrefix: { min: 2, max: 2, call: ([s, p]) => str(s).startsWith(str(p)) },
  hasSuffix: { min: 2, max: 2, call: ([s, p]) => str(s).endsWith(str(p)) },
  max: { min: 1, max: Infinity, counted: true, call: (args) => minMax("max", less, args) },
  min: { min: 1, max: Infinity, counted: true, call: (args) => minMax("min", more, args) },
  mean: {
    min: 1,
    max: Infinity,
    counted: true,
    call: (args) => {
      const values = numbers("mean", args).map(numberValue);
      return float(values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
    },
  },
  median: {
    min: 1,
    max: Infinity,
    counted: true,
    call: (args) => {
      const v = numbers("median", args)
        .map(numberValue)
        .sort((a, b) => a - b);
      const n = v.length;
      if (n === 0) return float(0);
      return float(n % 2 === 1 ? v[(n - 1) / 2]! : (v[n / 2 - 1]! + v[n / 2]!) / 2);
    },
  },
  toJSON: { min: 1, max: 1, call: ([v]) => toJson(v) },
  fromJSON: { min: 1, max: 1, call: ([s]) => fromJsonText(str(s)) },
  toBase64: { min: 1, max: 1, call: ([s]) => base64Encode(str(s)) },
  fromBase64: { min: 1, max: 1, call: ([s]) => base64Decode(str(s)) },
  now: { min: 0, max: 0, counted: true, call: () => new Date() },
  duration: { min: 1, max: 1, call: ([s]) => parseGoDuration(str(s)) },
  date: {
    min: 1,
    max: 3,
    counted: true,
    call: ([s, layout, zone]) =>
      parseGoDate(
        str(s),
        layout === undefined ? undefined : str(layout),
        zone === undefined ? undefined : str(zone),
      ),
  },
  first: {
    min: 1,
    max: 1,
    counted: true,
    call: ([v]) => {
      try {
        return fetchCurrent(v, 0);
      } catch {
        return null;
      }
    },
  },
  last: {
    min: 1,
    max: 1,
    counted: true,
    call: ([v]) => {
      try {
        return fetchCurrent(v, -1);
      } catch {
        return null;
      }
    },
  },
  get: {
    min: 2,
    max: 2,
    call: ([v, key]) => {
      try {
        return fetchCurrent(v, key);
      } catch {
        return null;
      }
    },
  },
  take: {
    min: 2,
    max: 2,
    counted: true,
    call: ([v, n]) => {
      const list = arrayArg(v, "take from");
      if (!isInt(n)) throw new RuntimeFault(`cannot take ${goKind(n)} elements`);
      return n > list.length ? list : list.slice(0, Math.max(n, 0));
    },
  },
  keys: {
    min: 1,
    max: 1,
    counted: true,
    call: ([v]) => mapEntries(v, "get keys from").map(([k]) => k),
  },
  values: {
    min: 1,
    max: 1,
    counted: true,
    call: ([v]) => mapEntries(v, "get values from").map(([, x]) => x),
  },
  toPairs: {
    min: 1,
    max: 1,
    counted: true,
    call: ([v]) => mapEntries(v, "transform").map(([k, x]) => [k, x]),
  },
  fromPairs: {
    min: 1,
    max: 1,
    counted: true,
    call: ([v]) => {
      const out = new Map<unknown, unknown>();
      for (const pair of arrayArg(v, "transform from pairs")) {
        if (!Array.isArray(pair)) throw new RuntimeFault(`invalid pair ${formatValue(pair)}`);
        if (pair.length !== 2) throw new RuntimeFault(`invalid pair length ${formatValue(pair)}`);
        out.set(pair[0], pair[1]);
      }
      return out;
    },
  },
  reverse: { min: 1, max: 1, counted: true, call: ([v]) => [...arrayArg(v, "reverse")].reverse() },
  uniq: {
    min: 1,
    max: 1,
    counted: true,
    call: ([v]) => {
      const out: unknown[] = [];
      for (const x of arrayArg(v, "uniq")) {
        if (!out.some((y) => equal(x, y))) out.push(x);
      }
      return out;
    },
  },
  concat: {
    min: 1,
    max: Infinity,
    counted: true,
    call: (args, state) => {
      const out = args.flatMap((a) => arrayArg(a, "concat"));
      charge(state, out.length);
      return out;
    },
  },
  flatten: {
    min: 1,
    max: 1,
    counted: true,
    call: ([v], state) => {
      const out = arrayArg(v, "flatten").flat(Infinity);
      charge(state, out.length);
      return out;
    },
  },
  sort: {
    min: 1,
    max: 2,
    counted: true,
    call: ([v, order], state) => {
      const list = arrayArg(v, "sort");
      if (order !== undefined && order !== "asc" && order !== "desc") {
        throw new RuntimeFault(`invalid order ${formatValue(order)}, expected asc or desc`);
      }
      charge(state, list.length);
      return sortValues(list, order === "desc");
    },
  },
  bitand: bit("bitand", (x, y) => x & y),
  bitor: bit("bitor", (x, y) => x | y),
  bitxor: bit("bitxor", (x, y) => x ^ y),
  bitnand: bit("bitnand", (x, y) => x & ~y),
  bitshl: bit("bitshl", (x, y) => x << y, true),
  bitshr: bit("bitshr", (x, y) => x >> y, true),
  bitushr: bit("bitushr", (x, y) => BigInt.asUintN(64, x) >> y, true),
  bitnot: {
    min: 1,
    max: 1,
    call: ([x]) => Number(BigInt.asIntN(64, ~BigInt(bitInt(x, "bitnot")))),
  },
};

/** Builtin names the current-dialect parser turns into builtin calls (v1.17 `builtin.Index`). */
export const BUILTIN_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(EXPR_BUILTINS),
  "all",
  "none",
  "any",
  "one",
  "filter",
  "map",
  "count",
  "sum",
  "find",
  "findIndex",
  "findLast",
  "findLastIndex",
  "groupBy",
  "sortBy",
  "reduce",
]);

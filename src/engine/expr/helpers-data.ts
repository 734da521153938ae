import { RuntimeFault } from "./errors.js";
import { GoFloat, goTypeName, isNil, typedNil, withGoType } from "./go-value.js";
import { type HelperSpec, S } from "./helper-spec.js";
import { lookupMapFile } from "./map-files.js";

/**
 * Data-file and collection helpers: 1.4.6's `File` and `RegexpInFile`, and the current engine's
 * `FileMap`, `LookupFile`, `Flatten`, `Distinct` and `FlattenDistinct`. Missing files behave as in
 * CrowdSec (logged there): `[]`, `false` or `""`.
 */
const str = (v: unknown) => v as string;

/** Go `flatten`: arrays and slices are expanded recursively, anything else kept. */
function flatten(values: readonly unknown[], out: unknown[] = []): unknown[] {
  for (const v of values) {
    if (Array.isArray(v)) flatten(v, out);
    else out.push(v);
  }
  return out;
}

/** A key for Go's `map[any]bool`: equal interface values (same dynamic type) share it. */
function hashKey(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (v instanceof GoFloat) return `float64:${v.value}`;
  if (typeof v === "number") return Number.isInteger(v) ? `int:${v}` : `float64:${v}`;
  if (typeof v === "string") return `string:${v}`;
  if (typeof v === "boolean") return `bool:${v}`;
  if (v instanceof Date) return `time:${v.getTime()}`;
  throw new RuntimeFault(`runtime error: hash of unhashable type ${goTypeName(v)}`);
}

/**
 * Go `Distinct(params[0])`: nil when the argument is not a slice, else its first occurrences.
 * (Go's `[]any` assertion also rejects typed slices such as a `[]string`; here every slice is
 * accepted, since constant array literals are typed by the 1.4.6 value model.)
 */
function distinct(v: unknown): unknown {
  if (!Array.isArray(v)) return null;
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const item of v) {
    const key = hashKey(item);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(item);
    }
  }
  return out;
}

export const DATA_HELPERS: Readonly<Record<string, HelperSpec>> = {
  File: {
    pure: true,
    signature: "func(filename string) []string",
    params: [S],
    call: (context, [name]) => context.dataFiles.lines(str(name)) ?? withGoType([], "[]string"),
  },
  RegexpInFile: {
    pure: true,
    signature: "func(data string, filename string) bool",
    params: [S, S],
    call: (context, [data, name]) =>
      context.dataFiles.regexps(str(name))?.some((re) => re.test(str(data))) ?? false,
  },
  FileMap: {
    pure: true,
    signature: "func(filename string) []map[string]string",
    params: [S],
    call: (context, [name]) =>
      context.dataFiles.maps?.(str(name)) ?? withGoType([], "[]map[string]string"),
  },
  LookupFile: {
    pure: true,
    signature: "func(haystack string, filename string) string",
    params: [S, S],
    call: (context, [haystack, name]) => {
      const rows = context.dataFiles.maps?.(str(name));
      return rows ? lookupMapFile(rows, str(haystack)) : "";
    },
  },
  Flatten: {
    pure: true,
    signature: "func(...interface{}) []interface{}",
    params: [],
    variadic: "any",
    call: (_, args) => {
      const out = flatten(args);
      return out.length === 0 ? typedNil("[]interface {}", "slice") : out;
    },
  },
  Distinct: {
    pure: true,
    signature: "func(...interface{}) []interface{}",
    params: [],
    variadic: "any",
    call: (_, args) => {
      if (args.length === 0) {
        throw new RuntimeFault("runtime error: index out of range [0] with length 0");
      }
      if (isNil(args[0]) && !Array.isArray(args[0])) {
        throw new RuntimeFault("runtime error: invalid memory address or nil pointer dereference");
      }
      return distinct(args[0]);
    },
  },
  FlattenDistinct: {
    pure: true,
    signature: "func(...interface{}) []interface{}",
    params: [],
    variadic: "any",
    call: (_, args) => distinct(flatten(args)),
  },
};

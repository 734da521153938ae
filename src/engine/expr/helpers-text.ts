import { RuntimeFault } from "./errors.js";
import { goBase64Decode } from "./go-base64.js";
import { goSprintf } from "./go-sprintf.js";
import { parseGoFloat } from "./go-strconv.js";
import {
  fields,
  globMatch,
  index,
  indexAny,
  mapCase,
  replace,
  splitN,
  trimCutset,
  trimSpace,
} from "./go-strings.js";
import { float } from "./go-value.js";
import { type HelperSpec, S } from "./helper-spec.js";

/**
 * String helpers: 1.4.6's `Upper`, `Lower`, `Atof`, `Sprintf` and the current engine's wrappers
 * of Go's `strings` package (`pkg/exprhelpers/strings.go`) plus `Get`, `ToString`, `Match`,
 * `B64Decode`, `LogInfo` and `FloatApproxEqual` (`helpers.go`).
 */
const str = (v: unknown) => v as string;

/** A pure `func(string, string) string`. */
const binary = (fn: (a: string, b: string) => unknown): HelperSpec => ({
  pure: true,
  signature: "func(string, string) string",
  params: [S, S],
  call: (_, [a, b]) => fn(str(a), str(b)),
});

export const TEXT_HELPERS: Readonly<Record<string, HelperSpec>> = {
  Atof: {
    pure: true,
    signature: "func(string) float64",
    params: [S],
    // Go logs the parse error and returns what ParseFloat returned (0, or ±Inf out of range).
    call: (_, [s]) => float(parseGoFloat(str(s)).value),
  },
  Upper: {
    pure: true,
    signature: "func(string) string",
    params: [S],
    call: (_, [s]) => mapCase(str(s), true),
  },
  Lower: {
    pure: true,
    signature: "func(string) string",
    params: [S],
    call: (_, [s]) => mapCase(str(s), false),
  },
  Sprintf: {
    pure: true,
    signature: "func(format string, a ...interface{}) string",
    params: [S],
    variadic: "any",
    call: (_, [format, ...args]) => goSprintf(str(format), args),
  },
  Fields: {
    pure: true,
    signature: "func(string) []string",
    params: [S],
    call: (_, [s]) => fields(str(s)),
  },
  Index: { ...binary(index), signature: "func(string, string) int" },
  IndexAny: { ...binary(indexAny), signature: "func(string, string) int" },
  Join: {
    pure: true,
    signature: "func([]string, string) string",
    params: ["[]string", S],
    call: (_, [list, sep]) => (list as string[]).join(str(sep)),
  },
  Split: {
    ...binary((s, sep) => splitN(s, sep, -1, false)),
    signature: "func(string, string) []string",
  },
  SplitAfter: {
    ...binary((s, sep) => splitN(s, sep, -1, true)),
    signature: "func(string, string) []string",
  },
  SplitAfterN: {
    pure: true,
    signature: "func(string, string, int) []string",
    params: [S, S, "int"],
    call: (_, [s, sep, n]) => splitN(str(s), str(sep), n as number, true),
  },
  SplitN: {
    pure: true,
    signature: "func(string, string, int) []string",
    params: [S, S, "int"],
    call: (_, [s, sep, n]) => splitN(str(s), str(sep), n as number, false),
  },
  Replace: {
    pure: true,
    signature: "func(string, string, string, int) string",
    params: [S, S, S, "int"],
    call: (_, [s, old, replacement, n]) => replace(str(s), str(old), str(replacement), n as number),
  },
  ReplaceAll: {
    pure: true,
    signature: "func(string, string, string) string",
    params: [S, S, S],
    call: (_, [s, old, replacement]) => replace(str(s), str(old), str(replacement), -1),
  },
  Trim: binary((s, cutset) => trimCutset(s, cutset, true, true)),
  TrimLeft: binary((s, cutset) => trimCutset(s, cutset, true, false)),
  TrimRight: binary((s, cutset) => trimCutset(s, cutset, false, true)),
  TrimSpace: {
    pure: true,
    signature: "func(string) string",
    params: [S],
    call: (_, [s]) => trimSpace(str(s)),
  },
  TrimPrefix: binary((s, prefix) => (s.startsWith(prefix) ? s.slice(prefix.length) : s)),
  TrimSuffix: binary((s, suffix) =>
    suffix !== "" && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s,
  ),
  Get: {
    pure: true,
    signature: "func([]string, int) string",
    params: ["[]string", "int"],
    call: (_, [list, i]) => {
      const items = list as string[];
      const at = i as number;
      if (at >= items.length) return "";
      if (at < 0) {
        throw new RuntimeFault(
          `runtime error: index out of range [${at}] with length ${items.length}`,
        );
      }
      return items[at]!;
    },
  },
  ToString: {
    pure: true,
    signature: "func(interface{}) string",
    params: ["any"],
    call: (_, [v]) => (typeof v === "string" ? v : ""),
  },
  Match: { ...binary(globMatch), signature: "func(pattern string, name string) bool" },
  LogInfo: {
    signature: "func(format string, a ...interface{}) bool",
    params: [S],
    variadic: "any",
    call: (context, [format, ...args]) => {
      context.providers.log?.(goSprintf(str(format), args));
      return true;
    },
  },
  B64Decode: {
    pure: true,
    signature: "func(string) (string, error)",
    params: [S],
    call: (_, [s]) => goBase64Decode(str(s)),
  },
  FloatApproxEqual: {
    pure: true,
    signature: "func(float64, float64) bool",
    params: ["float", "float"],
    call: (_, [a, b]) => Math.abs((a as number) - (b as number)) < 1e-6,
  },
};

import type { DataFiles } from "./data-files.js";
import { fromJson, goJsonMarshal } from "./go-json.js";
import { goSprintf } from "./go-sprintf.js";
import { float, isAscii, typedNil, withGoType, withZeroValue } from "./go-value.js";
import { ipInRange, ipToRange, isIPV6 } from "./ip-helpers.js";
import { jsonGet, splitJsonPath, unescapeJsonString } from "./json-extract.js";
import { parseUri, pathEscape, pathUnescape, queryEscape, queryUnescape } from "./url-escape.js";
import { elementText, parseXml, type XmlElement } from "./xml-document.js";
import { compileXmlPath, findElement, type XmlPath } from "./xml-path.js";

/** What helpers may read besides their arguments. One per compiled expression. */
export interface HelperContext {
  dataFiles: DataFiles;
  /** The last XML document parsed (hub parsers call the XML helpers many times per line). */
  xmlDocument: { text: string; root: XmlElement | null } | null;
  xmlPaths: Map<string, XmlPath | null>;
}

/** Argument kinds checked before a call: a Go `string` parameter rejects anything else. */
export type ParamKind = "string" | "any";

/** One helper: its Go signature (for docs and review), parameters, and implementation. */
export interface HelperSpec {
  signature: string;
  params: readonly ParamKind[];
  /** Kind of extra arguments for variadic helpers. */
  variadic?: ParamKind;
  /** Same arguments, same result (lets closures reuse it across elements; see loop-invariants). */
  pure?: boolean;
  call(context: HelperContext, args: unknown[]): unknown;
}

const S = "string" as const;

/** Go `strings.ToUpper`/`ToLower`: per-rune simple case mapping (no `ß` → `SS`). */
function mapCase(s: string, upper: boolean): string {
  if (isAscii(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = "";
  for (const ch of s) {
    const mapped = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += Array.from(mapped).length === 1 ? mapped : ch;
  }
  return out;
}

/** Go `strconv.ParseFloat` syntax (decimal, hex with `p` exponent, inf/infinity/nan). */
const GO_FLOAT =
  /^[+-]?(?:(?:\d+(?:_\d+)*\.?(?:\d+(?:_\d+)*)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+)?|0[xX](?:_?[0-9a-fA-F]+)*\.?[0-9a-fA-F]*[pP][+-]?\d+|inf(?:inity)?|nan)$/i;

function atof(s: string): number {
  if (!GO_FLOAT.test(s) || (s.includes("_") && !/^[+-]?0[xX]/.test(s))) return 0;
  const lower = s.toLowerCase();
  if (lower.endsWith("nan")) return Number.NaN;
  if (lower.includes("inf")) return lower.startsWith("-") ? -Infinity : Infinity;
  if (/0x/i.test(s)) return parseHexFloat(s);
  return Number(s);
}

function parseHexFloat(s: string): number {
  const m = /^([+-]?)0[xX]([0-9a-fA-F_]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s)!;
  const [, sign, int, frac, exp] = m;
  const mantissa = Number.parseInt(`${int!.replace(/_/g, "")}${frac}` || "0", 16);
  const value = mantissa * 2 ** (Number(exp) - 4 * frac!.length);
  return sign === "-" ? -value : value;
}

function xmlElementAt(context: HelperContext, xml: string, path: string): XmlElement | null {
  let compiled = context.xmlPaths.get(path);
  if (compiled === undefined) {
    const result = compileXmlPath(path);
    compiled = "error" in result ? null : result;
    context.xmlPaths.set(path, compiled);
  }
  if (!compiled) return null;
  if (context.xmlDocument?.text !== xml) context.xmlDocument = { text: xml, root: parseXml(xml) };
  const root = context.xmlDocument.root;
  return root ? findElement(root, compiled) : null;
}

function jsonRaw(json: string, keys: readonly string[]): string {
  const value = jsonGet(json, keys);
  return value ? value.raw : "";
}

/** `JsonExtractSlice`/`JsonExtractObject`: on any error Go returns a typed nil (length 0). */
function jsonTyped(json: string, path: string, type: "array" | "object"): unknown {
  const failed = () =>
    type === "array"
      ? typedNil("[]interface {}", "slice")
      : typedNil("map[string]interface {}", "map");
  const value = jsonGet(json, splitJsonPath(path));
  if (!value || value.type !== type) return failed();
  try {
    return fromJson(JSON.parse(value.raw));
  } catch {
    return failed();
  }
}

/**
 * The helper functions CrowdSec 1.4.6 registers for every expression (`GetExprEnv` in
 * `pkg/exprhelpers/exprlib.go`), minus the three that need I/O: `LookupHost` (DNS),
 * `GetDecisionsCount` and `GetDecisionsSinceCount` (the LAPI database). Callers that have those
 * add them through `ExprOptions.functions`. Missing data files behave as in CrowdSec: `File()`
 * returns `[]` and `RegexpInFile()` false.
 */
export const CROWDSEC_HELPERS: Readonly<Record<string, HelperSpec>> = {
  Atof: {
    pure: true,
    signature: "func(string) float64",
    params: [S],
    call: (_, [s]) => float(atof(s as string)),
  },
  JsonExtract: {
    pure: true,
    signature: "func(jsblob string, target string) string",
    params: [S, S],
    call: (_, [json, path]) => jsonRaw(json as string, splitJsonPath(path as string)),
  },
  JsonExtractUnescape: {
    pure: true,
    signature: "func(jsblob string, target ...string) string",
    params: [S],
    variadic: S,
    call: (_, [json, ...keys]) => {
      const value = jsonGet(json as string, keys as string[]);
      if (value?.type !== "string") return "";
      return unescapeJsonString(value.raw) ?? "";
    },
  },
  JsonExtractLib: {
    pure: true,
    signature: "func(jsblob string, target ...string) string",
    params: [S],
    variadic: S,
    call: (_, [json, ...keys]) => jsonRaw(json as string, keys as string[]),
  },
  JsonExtractSlice: {
    pure: true,
    signature: "func(jsblob string, target string) []interface{}",
    params: [S, S],
    call: (_, [json, path]) => jsonTyped(json as string, path as string, "array"),
  },
  JsonExtractObject: {
    pure: true,
    signature: "func(jsblob string, target string) map[string]interface{}",
    params: [S, S],
    call: (_, [json, path]) => jsonTyped(json as string, path as string, "object"),
  },
  ToJsonString: {
    pure: true,
    signature: "func(interface{}) string",
    params: ["any"],
    call: (_, [v]) => goJsonMarshal(v) ?? "",
  },
  File: {
    pure: true,
    signature: "func(filename string) []string",
    params: [S],
    call: (context, [name]) =>
      context.dataFiles.lines(name as string) ?? withGoType([], "[]string"),
  },
  RegexpInFile: {
    pure: true,
    signature: "func(data string, filename string) bool",
    params: [S, S],
    call: (context, [data, name]) =>
      context.dataFiles.regexps(name as string)?.some((re) => re.test(data as string)) ?? false,
  },
  Upper: {
    pure: true,
    signature: "func(string) string",
    params: [S],
    call: (_, [s]) => mapCase(s as string, true),
  },
  Lower: {
    pure: true,
    signature: "func(string) string",
    params: [S],
    call: (_, [s]) => mapCase(s as string, false),
  },
  IpInRange: {
    pure: true,
    signature: "func(ip string, ipRange string) bool",
    params: [S, S],
    call: (_, [ip, range]) => ipInRange(ip as string, range as string),
  },
  TimeNow: {
    signature: "func() string",
    params: [],
    call: () => `${new Date().toISOString().slice(0, 19)}Z`,
  },
  ParseUri: {
    pure: true,
    signature: "func(uri string) map[string][]string",
    params: [S],
    call: (_, [uri]) => {
      const query = parseUri(uri as string);
      for (const values of Object.values(query)) withGoType(values, "[]string");
      // A missing parameter reads as the map's zero value, a nil []string.
      return withGoType(withZeroValue(query, typedNil("[]string", "slice")), "map[string][]string");
    },
  },
  PathUnescape: {
    pure: true,
    signature: "func(string) string",
    params: [S],
    call: (_, [s]) => pathUnescape(s as string),
  },
  QueryUnescape: {
    pure: true,
    signature: "func(string) string",
    params: [S],
    call: (_, [s]) => queryUnescape(s as string),
  },
  PathEscape: {
    pure: true,
    signature: "func(string) string",
    params: [S],
    call: (_, [s]) => pathEscape(s as string),
  },
  QueryEscape: {
    pure: true,
    signature: "func(string) string",
    params: [S],
    call: (_, [s]) => queryEscape(s as string),
  },
  XMLGetAttributeValue: {
    pure: true,
    signature: "func(xmlString string, path string, attributeName string) string",
    params: [S, S, S],
    call: (context, [xml, path, attr]) => {
      const element = xmlElementAt(context, xml as string, path as string);
      return element?.attrs.find((a) => a.key === attr)?.value ?? "";
    },
  },
  XMLGetNodeValue: {
    pure: true,
    signature: "func(xmlString string, path string) string",
    params: [S, S],
    call: (context, [xml, path]) => {
      const element = xmlElementAt(context, xml as string, path as string);
      return element ? elementText(element) : "";
    },
  },
  IpToRange: {
    pure: true,
    signature: "func(ip string, cidr string) string",
    params: [S, S],
    call: (_, [ip, cidr]) => ipToRange(ip as string, cidr as string),
  },
  IsIPV6: {
    pure: true,
    signature: "func(ip string) bool",
    params: [S],
    call: (_, [ip]) => isIPV6(ip as string),
  },
  Sprintf: {
    pure: true,
    signature: "func(format string, a ...interface{}) string",
    params: [S],
    variadic: "any",
    call: (_, [format, ...args]) => goSprintf(format as string, args),
  },
};

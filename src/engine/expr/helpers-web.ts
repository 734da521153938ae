import { fromUtf8, typedNil, withGoType, withZeroValue } from "./go-value.js";
import { type HelperContext, type HelperSpec, S } from "./helper-spec.js";
import { parseUri, pathEscape, pathUnescape, queryEscape, queryUnescape } from "./url-escape.js";
import { elementText, parseXml, type XmlElement } from "./xml-document.js";
import { compileXmlPath, findElement } from "./xml-path.js";

/**
 * URL and XML helpers: 1.4.6's `ParseUri`, escaping helpers and `XMLGet*`, and the current
 * engine's WAF query helpers `ParseQuery` and `ExtractQueryParam` (`pkg/exprhelpers/waf.go`).
 */
const str = (v: unknown) => v as string;

const hexValue = (c: number) =>
  c >= 0x30 && c <= 0x39
    ? c - 0x30
    : c >= 0x61 && c <= 0x66
      ? c - 0x57
      : c >= 0x41 && c <= 0x46
        ? c - 0x37
        : -1;

/**
 * CrowdSec's lenient `unescape`: `+` is a space, a valid `%XX` a byte, anything else (a bad or
 * truncated escape) is kept as is.
 */
export function lenientUnescape(input: string): string {
  if (!input.includes("%") && !input.includes("+")) return input;
  const bytes = new TextEncoder().encode(input);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x2b) {
      out.push(0x20);
      continue;
    }
    if (c === 0x25 && i + 2 < bytes.length) {
      const hi = hexValue(bytes[i + 1]!);
      const lo = hexValue(bytes[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out.push((hi << 4) | lo);
        i += 2;
        continue;
      }
    }
    out.push(c);
  }
  return fromUtf8(Uint8Array.from(out));
}

/** CrowdSec's `ParseQuery`: `&`-separated pairs, `;` kept in values, never an error. */
export function parseLenientQuery(query: string): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = lenientUnescape(eq < 0 ? part : part.slice(0, eq));
    const value = lenientUnescape(eq < 0 ? "" : part.slice(eq + 1));
    if (!Object.hasOwn(values, key)) {
      Object.defineProperty(values, key, {
        value: withGoType([], "[]string"),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    values[key]!.push(value);
  }
  return values;
}

/** A Go `map[string][]string` whose missing keys read as a nil `[]string`. */
function valuesMap(query: Record<string, string[]>, type: string): Record<string, string[]> {
  for (const values of Object.values(query)) withGoType(values, "[]string");
  return withGoType(withZeroValue(query, typedNil("[]string", "slice")), type);
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

const escaper = (fn: (s: string) => string): HelperSpec => ({
  pure: true,
  signature: "func(string) string",
  params: [S],
  call: (_, [s]) => fn(str(s)),
});

export const WEB_HELPERS: Readonly<Record<string, HelperSpec>> = {
  ParseUri: {
    pure: true,
    signature: "func(uri string) map[string][]string",
    params: [S],
    call: (_, [uri]) => valuesMap(parseUri(str(uri)), "map[string][]string"),
  },
  ParseQuery: {
    pure: true,
    signature: "func(query string) url.Values",
    params: [S],
    call: (_, [query]) => valuesMap(parseLenientQuery(str(query)), "url.Values"),
  },
  ExtractQueryParam: {
    pure: true,
    signature: "func(uri string, param string) []string",
    params: [S, S],
    call: (_, [uri, param]) => {
      const at = str(uri).indexOf("?");
      if (at < 0) return withGoType([], "[]string");
      const values = parseLenientQuery(str(uri).slice(at + 1));
      return Object.hasOwn(values, str(param)) ? values[str(param)]! : withGoType([], "[]string");
    },
  },
  PathUnescape: escaper(pathUnescape),
  QueryUnescape: escaper(queryUnescape),
  PathEscape: escaper(pathEscape),
  QueryEscape: escaper(queryEscape),
  XMLGetAttributeValue: {
    pure: true,
    signature: "func(xmlString string, path string, attributeName string) string",
    params: [S, S, S],
    call: (context, [xml, path, attr]) => {
      const element = xmlElementAt(context, str(xml), str(path));
      return element?.attrs.find((a) => a.key === attr)?.value ?? "";
    },
  },
  XMLGetNodeValue: {
    pure: true,
    signature: "func(xmlString string, path string) string",
    params: [S, S],
    call: (context, [xml, path]) => {
      const element = xmlElementAt(context, str(xml), str(path));
      return element ? elementText(element) : "";
    },
  },
};

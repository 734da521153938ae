import { RuntimeFault } from "./errors.js";
import { trimSpace } from "./go-strings.js";
import { goTypeName, isStringMap, withGoType, withZeroValue } from "./go-value.js";
import { compileRegexp } from "./regexp.js";

/**
 * CrowdSec's `ParseKV` and `ParseKVLax` (current `pkg/exprhelpers/helpers.go`): parse `k=v`
 * pairs of a log line into `target[prefix]`, a `map[string]string` (created on first use), so
 * that `ParseKV(evt.Parsed.message, evt.Unmarshaled, "iptables")` fills
 * `evt.Unmarshaled.iptables.SRC`. Both return nil, or fail with Go's error when no pair is found
 * or `target[prefix]` holds something else than a string map.
 */

/** Go's `keyValuePattern`; RE2 (linear time) like Go, `\s` spelled out as Go's ASCII class. */
const KEY_VALUE = compileRegexp(
  '([^=\\t\\n\\f\\r ]+)=(?:"([^"\\\\]*(?:\\\\.[^"\\\\]*)*)"|([^=\\t\\n\\f\\r ]+)|[\\t\\n\\f\\r ]*)',
);
/** Go's `keyStart`, the stricter key syntax of the lax parser. */
const KEY_START = compileRegexp("([a-zA-Z_][a-zA-Z0-9_.-]*)=");

function targetMap(target: Record<string, unknown>, prefix: string) {
  const existing = Object.hasOwn(target, prefix) ? target[prefix] : undefined;
  if (existing === undefined) {
    const created = withGoType(
      withZeroValue({} as Record<string, string>, ""),
      "map[string]string",
    );
    Object.defineProperty(target, prefix, {
      value: created,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return created;
  }
  if (
    existing === null ||
    typeof existing !== "object" ||
    !isStringMap(existing) ||
    goTypeName(existing) !== "map[string]string"
  ) {
    throw new RuntimeFault("target is not a map[string]string");
  }
  return existing as Record<string, string>;
}

function put(map: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `ParseKV(blob, target, prefix)`: quoted values keep their escapes, a bare `k=` is `""`. */
export function parseKV(blob: string, target: Record<string, unknown>, prefix: string): null {
  const matcher = KEY_VALUE.matcher(blob);
  const pairs: [string, string][] = [];
  while (matcher.find()) {
    pairs.push([matcher.group(1)!, matcher.group(2) || matcher.group(3) || ""]);
  }
  if (pairs.length === 0) throw new RuntimeFault("invalid input format");
  const map = targetMap(target, prefix);
  for (const [key, value] of pairs) put(map, key, value);
  return null;
}

/**
 * `ParseKVLax(blob, target, prefix)`: a value runs up to the next `key=` outside quotes, so
 * unquoted values may hold spaces (`msg=Connection refused src=1.2.3.4`).
 */
export function parseKVLax(blob: string, target: Record<string, unknown>, prefix: string): null {
  const map = targetMap(target, prefix);
  const starts: { start: number; end: number; key: string }[] = [];
  const matcher = KEY_START.matcher(blob);
  while (matcher.find()) {
    if (insideQuotes(blob, matcher.start())) continue;
    starts.push({ start: matcher.start(), end: matcher.end(), key: matcher.group(1)! });
  }
  if (starts.length === 0) throw new RuntimeFault("invalid input format");
  starts.forEach((m, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]!.start : blob.length;
    put(map, m.key, laxValue(trimSpace(blob.slice(m.end, end))));
  });
  return null;
}

/** Go `parseValueLax`: strip surrounding quotes and unescape `\\` then `\"`. */
function laxValue(s: string): string {
  if (!s.startsWith('"')) return s;
  if (s.length >= 2 && s.endsWith('"')) {
    return s.slice(1, -1).replaceAll("\\\\", "\\").replaceAll('\\"', '"');
  }
  return s.slice(1);
}

/** Go `isInsideQuotedValue`: unescaped quotes up to and including `pos` toggle the state. */
function insideQuotes(s: string, pos: number): boolean {
  let inside = false;
  for (let i = 0; i <= pos && i < s.length; i++) {
    if (s[i] !== '"') continue;
    let backslashes = 0;
    for (let j = i - 1; j >= 0 && s[j] === "\\"; j--) backslashes++;
    if (backslashes % 2 === 0) inside = !inside;
  }
  return inside;
}

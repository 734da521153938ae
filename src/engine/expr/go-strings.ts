import { isAscii, utf8Bytes, utf8Length, withGoType } from "./go-value.js";

/**
 * Go's `strings` package as the current CrowdSec helpers expose it (`pkg/exprhelpers/strings.go`
 * wraps `strings.Fields`, `Split`, `Trim`, … one to one). Go strings are UTF-8 bytes: indexes are
 * byte offsets, and the empty separator splits between runes (code points), not UTF-16 units.
 */

/** `unicode.IsSpace`: Latin-1 spaces plus the White_Space property (no U+FEFF, unlike JS `\s`). */
const SPACE = "\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
const SPACE_RUN = new RegExp(`[${SPACE}]+`, "u");
const EDGE_SPACE = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, "gu");

const strings = (list: string[]): string[] => withGoType(list, "[]string");

/** `strings.ToUpper`/`ToLower`: per-rune simple case mapping (no `ß` → `SS`). */
export function mapCase(s: string, upper: boolean): string {
  if (isAscii(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = "";
  for (const ch of s) {
    const mapped = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += Array.from(mapped).length === 1 ? mapped : ch;
  }
  return out;
}

export function fields(s: string): string[] {
  return strings(s.split(SPACE_RUN).filter((part) => part !== ""));
}

export function trimSpace(s: string): string {
  return s.replace(EDGE_SPACE, "");
}

/** `strings.Index`: byte offset of the first `sub`, -1 if absent. */
export function index(s: string, sub: string): number {
  const at = s.indexOf(sub);
  return at < 0 ? -1 : utf8Length(s.slice(0, at));
}

/** `strings.IndexAny`: byte offset of the first rune of `s` that occurs in `chars`. */
export function indexAny(s: string, chars: string): number {
  if (chars === "") return -1;
  const set = new Set(Array.from(chars));
  let offset = 0;
  for (const ch of s) {
    if (set.has(ch)) return offset;
    offset += utf8Length(ch);
  }
  return -1;
}

/**
 * `strings.SplitN`/`SplitAfterN`: `n < 0` all pieces, `n == 0` nil, `n > 0` at most `n` (the last
 * holds the rest). An empty `sep` splits after each rune.
 */
export function splitN(s: string, sep: string, n: number, after: boolean): string[] {
  if (n === 0) return strings([]);
  if (sep === "") {
    const runes = Array.from(s);
    if (n < 0 || n >= runes.length) return strings(runes);
    return strings([...runes.slice(0, n - 1), runes.slice(n - 1).join("")]);
  }
  const out: string[] = [];
  let start = 0;
  while (n < 0 || out.length < n - 1) {
    const at = s.indexOf(sep, start);
    if (at < 0) break;
    out.push(s.slice(start, after ? at + sep.length : at));
    start = at + sep.length;
  }
  out.push(s.slice(start));
  return strings(out);
}

/** `strings.Replace`: `n < 0` replaces all; an empty `old` matches before each rune and at the end. */
export function replace(s: string, old: string, replacement: string, n: number): string {
  if (n === 0 || old === replacement) return s;
  if (old === "") {
    const runes = Array.from(s);
    let out = "";
    let done = 0;
    for (let i = 0; i <= runes.length; i++) {
      if (n < 0 || done < n) {
        out += replacement;
        done++;
      }
      out += runes[i] ?? "";
    }
    return out;
  }
  if (n < 0) return s.split(old).join(replacement);
  let out = "";
  let start = 0;
  for (let done = 0; done < n; done++) {
    const at = s.indexOf(old, start);
    if (at < 0) break;
    out += s.slice(start, at) + replacement;
    start = at + old.length;
  }
  return out + s.slice(start);
}

/** `strings.Trim`/`TrimLeft`/`TrimRight`: strip runes contained in `cutset`. */
export function trimCutset(s: string, cutset: string, left: boolean, right: boolean): string {
  if (s === "" || cutset === "") return s;
  const set = new Set(Array.from(cutset));
  const runes = Array.from(s);
  let start = 0;
  let end = runes.length;
  if (left) while (start < end && set.has(runes[start]!)) start++;
  if (right) while (end > start && set.has(runes[end - 1]!)) end--;
  return runes.slice(start, end).join("");
}

/**
 * CrowdSec's `Match(pattern, name)`: a glob over bytes where `*` matches any run and `?` one byte.
 * Go recurses; this is the same recursion memoized, so hostile patterns stay polynomial. Its
 * quirks are kept: an empty name matches only `""` and `"*"` (so `Match("**", "")` is false).
 */
export function globMatch(pattern: string, name: string): boolean {
  const p = utf8Bytes(pattern);
  const s = utf8Bytes(name);
  const memo = new Map<number, boolean>();
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === s.length;
    if (j === s.length) return p.length - i === 1 && p[i] === 0x2a;
    const key = i * (s.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result = false;
    if (p[i] === 0x2a) {
      for (let k = j; k <= s.length && !result; k++) result = match(i + 1, k);
    } else if (p[i] === 0x3f || p[i] === s[j]) {
      result = match(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

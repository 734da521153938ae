import { fromUtf8, utf8Bytes } from "./go-value.js";

/**
 * Go `net/url` escaping as CrowdSec's `PathEscape`, `QueryEscape`, `PathUnescape`,
 * `QueryUnescape` and `ParseUri` use it. Works on UTF-8 bytes like Go.
 */

const HEX = "0123456789ABCDEF";

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x7e
  );
}

function urlEscape(s: string, keep: (c: number) => boolean, spaceAsPlus: boolean): string {
  let out = "";
  for (const b of utf8Bytes(s)) {
    if (keep(b)) out += String.fromCharCode(b);
    else if (b === 0x20 && spaceAsPlus) out += "+";
    else out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/** `url.QueryEscape`: everything but `A-Za-z0-9-_.~` is %-escaped; space becomes `+`. */
export function queryEscape(s: string): string {
  return urlEscape(s, isUnreserved, true);
}

/** `url.PathEscape` (a path segment): also keeps `$&+:=@`, escapes `/;,?`. */
export function pathEscape(s: string): string {
  return urlEscape(s, (c) => isUnreserved(c) || "$&+:=@".includes(String.fromCharCode(c)), false);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Go `url.unescape`; returns null where Go returns an error (a bad `%` escape). */
function urlUnescape(s: string, plusAsSpace: boolean): string | null {
  if (!s.includes("%") && !(plusAsSpace && s.includes("+"))) return s;
  const bytes = utf8Bytes(s);
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25) {
      const hi = i + 2 < bytes.length ? hexValue(bytes[i + 1]!) : -1;
      const lo = hi >= 0 ? hexValue(bytes[i + 2]!) : -1;
      if (lo < 0) return null;
      out[n++] = (hi << 4) | lo;
      i += 2;
    } else if (b === 0x2b && plusAsSpace) {
      out[n++] = 0x20;
    } else {
      out[n++] = b;
    }
  }
  return fromUtf8(out.subarray(0, n));
}

/** CrowdSec `PathUnescape`: `url.PathUnescape`, or the input unchanged when it is invalid. */
export function pathUnescape(s: string): string {
  return urlUnescape(s, false) ?? s;
}

/** CrowdSec `QueryUnescape`: `url.QueryUnescape`, or the input unchanged when it is invalid. */
export function queryUnescape(s: string): string {
  return urlUnescape(s, true) ?? s;
}

/**
 * CrowdSec `ParseUri`: the query parameters of a URI as `map[string][]string`. Any error (a
 * control character, a bad escape, Go 1.17+'s refusal of `;` separators) yields an empty map,
 * because CrowdSec returns its empty result as soon as `url.Parse`/`url.ParseQuery` fail.
 */
export function parseUri(uri: string): Record<string, string[]> {
  const empty: Record<string, string[]> = {};
  // url.Parse rejects ASCII control characters anywhere.
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return empty;
  }
  const hash = uri.indexOf("#");
  const beforeFragment = hash === -1 ? uri : uri.slice(0, hash);
  const q = beforeFragment.indexOf("?");
  if (q === -1) return empty;
  if (urlUnescape(beforeFragment.slice(0, q), false) === null) return empty;
  const result: Record<string, string[]> = {};
  for (const part of beforeFragment.slice(q + 1).split("&")) {
    if (part === "") continue;
    if (part.includes(";")) return empty;
    const eq = part.indexOf("=");
    const key = urlUnescape(eq === -1 ? part : part.slice(0, eq), true);
    const value = urlUnescape(eq === -1 ? "" : part.slice(eq + 1), true);
    if (key === null || value === null) return empty;
    if (!Object.hasOwn(result, key)) {
      Object.defineProperty(result, key, { value: [], enumerable: true, writable: true });
    }
    result[key]!.push(value);
  }
  return result;
}

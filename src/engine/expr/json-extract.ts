/**
 * The subset of `buger/jsonparser` behind CrowdSec's `JsonExtract*` helpers: find a value by a key
 * path (`"[n]"` keys index arrays) without decoding the document, and return the raw token text.
 * The scanner is iterative and linear, so deeply nested or huge JSON from a log line cannot blow
 * the stack or take super-linear time.
 */

export type JsonValueType = "string" | "number" | "object" | "array" | "boolean" | "null";

export interface JsonValue {
  type: JsonValueType;
  /** Raw text: string contents without the quotes (escapes kept), or the token/object text. */
  raw: string;
}

const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

function skipWs(data: string, pos: number): number {
  while (pos < data.length && isWs(data.charCodeAt(pos))) pos++;
  return pos;
}

/** End (exclusive) of the string starting at the quote at `pos`, or -1. */
function stringEnd(data: string, pos: number): number {
  for (let i = pos + 1; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return -1;
}

/** End (exclusive) of the value starting at `pos`, or -1 when malformed. */
function valueEnd(data: string, pos: number): number {
  const c = data.charCodeAt(pos);
  if (c === 0x22) return stringEnd(data, pos);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let i = pos; i < data.length; i++) {
      const d = data.charCodeAt(i);
      if (d === 0x22) {
        const end = stringEnd(data, i);
        if (end < 0) return -1;
        i = end - 1;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  let i = pos;
  while (i < data.length) {
    const d = data.charCodeAt(i);
    if (d === 0x2c || d === 0x7d || d === 0x5d || isWs(d)) break;
    i++;
  }
  return i === pos ? -1 : i;
}

/** Unescapes a JSON string body; null when an escape is invalid. */
export function unescapeJsonString(raw: string): string | null {
  if (!raw.includes("\\")) return raw;
  try {
    const parsed: unknown = JSON.parse(`"${raw}"`);
    return typeof parsed === "string" ? parsed : null;
  } catch {
    return null;
  }
}

function typeAt(data: string, pos: number): JsonValueType | null {
  const c = data[pos];
  if (c === '"') return "string";
  if (c === "{") return "object";
  if (c === "[") return "array";
  if (c === "t" || c === "f") return "boolean";
  if (c === "n") return "null";
  if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return "number";
  return null;
}

/**
 * Looks up `keys` in `data`. Returns undefined when the path does not exist and null when the
 * document is malformed where the scan needed it (jsonparser's errors; CrowdSec turns both into
 * `""`).
 */
export function jsonGet(data: string, keys: readonly string[]): JsonValue | undefined | null {
  let pos = skipWs(data, 0);
  for (const key of keys) {
    const c = data.charCodeAt(pos);
    if (c === 0x7b && !key.startsWith("[")) {
      pos = skipWs(data, pos + 1);
      let found = -1;
      while (pos < data.length && data.charCodeAt(pos) !== 0x7d) {
        if (data.charCodeAt(pos) !== 0x22) return null;
        const end = stringEnd(data, pos);
        if (end < 0) return null;
        const rawKey = data.slice(pos + 1, end - 1);
        pos = skipWs(data, end);
        if (data.charCodeAt(pos) !== 0x3a) return null;
        pos = skipWs(data, pos + 1);
        if (rawKey === key || unescapeJsonString(rawKey) === key) {
          found = pos;
          break;
        }
        const vEnd = valueEnd(data, pos);
        if (vEnd < 0) return null;
        pos = skipWs(data, vEnd);
        if (data.charCodeAt(pos) === 0x2c) pos = skipWs(data, pos + 1);
      }
      if (found < 0) return undefined;
      pos = found;
    } else if (c === 0x5b && /^\[\d+\]$/.test(key)) {
      const wanted = Number(key.slice(1, -1));
      pos = skipWs(data, pos + 1);
      let index = 0;
      let found = -1;
      while (pos < data.length && data.charCodeAt(pos) !== 0x5d) {
        if (index === wanted) {
          found = pos;
          break;
        }
        const vEnd = valueEnd(data, pos);
        if (vEnd < 0) return null;
        pos = skipWs(data, vEnd);
        if (data.charCodeAt(pos) === 0x2c) pos = skipWs(data, pos + 1);
        index++;
      }
      if (found < 0) return undefined;
      pos = found;
    } else {
      return undefined;
    }
  }
  const type = typeAt(data, pos);
  if (!type) return null;
  const end = valueEnd(data, pos);
  if (end < 0) return null;
  const raw = type === "string" ? data.slice(pos + 1, end - 1) : data.slice(pos, end);
  return { type, raw };
}

/** CrowdSec `JsonExtract`'s path: `a.b[0]` becomes the keys `a`, `b`, `[0]`. */
export function splitJsonPath(path: string): string[] {
  const target = path.startsWith("[") ? path : path.replaceAll("[", ".[");
  return target.split(".");
}

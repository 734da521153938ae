import { goHtmlEscape } from "../../shared/go-json-escape.js";
import { GoFloat, isNil, withZeroValue } from "./go-value.js";

/**
 * Go `encoding/json` conventions needed by the JSON helpers: decoding into `interface{}`
 * (numbers become float64, objects `map[string]interface{}`) and `json.Marshal` output (sorted
 * map keys, HTML-safe escaping).
 */

/** Converts `JSON.parse` output into Go-typed values. */
export function fromJson(v: unknown): unknown {
  if (typeof v === "number") return new GoFloat(v);
  if (Array.isArray(v)) return v.map(fromJson);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      Object.defineProperty(out, k, { value: fromJson(x), enumerable: true, writable: true });
    }
    return withZeroValue(out, null);
  }
  return v;
}

/** `json.Marshal` of an expression value; undefined where Go returns an error (NaN, ±Inf). */
export function goJsonMarshal(v: unknown): string | undefined {
  if (isNil(v)) return "null";
  if (v instanceof GoFloat) return Number.isFinite(v.value) ? JSON.stringify(v.value) : undefined;
  if (typeof v === "number") return Number.isFinite(v) ? JSON.stringify(v) : undefined;
  if (typeof v === "string") return goHtmlEscape(JSON.stringify(v));
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (const item of v) {
      const s = goJsonMarshal(item);
      if (s === undefined) return undefined;
      parts.push(s);
    }
    return `[${parts.join(",")}]`;
  }
  if (v instanceof Map) return goJsonMarshal(Object.fromEntries(v));
  if (typeof v === "object") {
    const obj = v as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(obj).sort()) {
      if (typeof obj[key] === "function") continue;
      const s = goJsonMarshal(obj[key]);
      if (s === undefined) return undefined;
      parts.push(`${goHtmlEscape(JSON.stringify(key))}:${s}`);
    }
    return `{${parts.join(",")}}`;
  }
  return undefined;
}

import { RuntimeFault } from "./errors.js";
import { fromJson, goJsonMarshal } from "./go-json.js";
import { typedNil } from "./go-value.js";
import { type HelperSpec, S } from "./helper-spec.js";
import { jsonGet, splitJsonPath, unescapeJsonString } from "./json-extract.js";
import { parseKV, parseKVLax } from "./parse-kv.js";

/**
 * JSON and key/value helpers: 1.4.6's `JsonExtract*` and `ToJsonString`, and the current
 * engine's `UnmarshalJSON`, `ParseKV`, `ParseKVLax` (which write into a map argument, in practice
 * `evt.Unmarshaled`) and `KeyExists`.
 */
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
 * `json.Unmarshal` into `interface{}`. Go's message for truncated input is kept; other syntax
 * errors carry the JS parser's description (Go words them per context, e.g. `invalid character
 * 'x' looking for beginning of value`).
 */
function unmarshal(text: string): unknown {
  try {
    return fromJson(JSON.parse(text));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (text.trim() === "" || /end of JSON input/i.test(message)) {
      throw new RuntimeFault("unexpected end of JSON input");
    }
    throw new RuntimeFault(`invalid JSON: ${message}`);
  }
}

const str = (v: unknown) => v as string;
const map = (v: unknown) => v as Record<string, unknown>;

export const JSON_HELPERS: Readonly<Record<string, HelperSpec>> = {
  JsonExtract: {
    pure: true,
    signature: "func(jsblob string, target string) string",
    params: [S, S],
    call: (_, [json, path]) => jsonRaw(str(json), splitJsonPath(str(path))),
  },
  JsonExtractUnescape: {
    pure: true,
    signature: "func(jsblob string, target ...string) string",
    params: [S],
    variadic: S,
    call: (_, [json, ...keys]) => {
      const value = jsonGet(str(json), keys as string[]);
      if (value?.type !== "string") return "";
      return unescapeJsonString(value.raw) ?? "";
    },
  },
  JsonExtractLib: {
    pure: true,
    signature: "func(jsblob string, target ...string) string",
    params: [S],
    variadic: S,
    call: (_, [json, ...keys]) => jsonRaw(str(json), keys as string[]),
  },
  JsonExtractSlice: {
    pure: true,
    signature: "func(jsblob string, target string) []interface{}",
    params: [S, S],
    call: (_, [json, path]) => jsonTyped(str(json), str(path), "array"),
  },
  JsonExtractObject: {
    pure: true,
    signature: "func(jsblob string, target string) map[string]interface{}",
    params: [S, S],
    call: (_, [json, path]) => jsonTyped(str(json), str(path), "object"),
  },
  ToJsonString: {
    pure: true,
    signature: "func(interface{}) string",
    params: ["any"],
    call: (_, [v]) => goJsonMarshal(v) ?? "",
  },
  KeyExists: {
    pure: true,
    signature: "func(key string, dict map[string]interface{}) bool",
    params: [S, "map"],
    call: (_, [key, dict]) => Object.hasOwn(map(dict), str(key)),
  },
  UnmarshalJSON: {
    signature: "func(jsonBlob string, target map[string]interface{}, key string) error",
    params: [S, "map", S],
    call: (_, [json, target, key]) => {
      const value = unmarshal(str(json));
      Object.defineProperty(map(target), str(key), {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return null;
    },
  },
  ParseKV: {
    signature: "func(blob string, target map[string]interface{}, prefix string) error",
    params: [S, "map", S],
    call: (_, [blob, target, prefix]) => parseKV(str(blob), map(target), str(prefix)),
  },
  ParseKVLax: {
    signature: "func(blob string, target map[string]interface{}, prefix string) error",
    params: [S, "map", S],
    call: (_, [blob, target, prefix]) => parseKVLax(str(blob), map(target), str(prefix)),
  },
};

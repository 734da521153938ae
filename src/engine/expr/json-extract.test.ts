import { describe, expect, it } from "vitest";
import { jsonGet, splitJsonPath, unescapeJsonString } from "./json-extract.js";

describe("jsonGet", () => {
  const doc = '{"a": {"b": [1, "x\\"y", {"c": null}], "d": true}, "e\\u0041": 2}';

  it("returns raw tokens: string contents with escapes, other values as text", () => {
    expect(jsonGet(doc, ["a", "b", "[1]"])).toEqual({ type: "string", raw: 'x\\"y' });
    expect(jsonGet(doc, ["a", "b", "[0]"])).toEqual({ type: "number", raw: "1" });
    expect(jsonGet(doc, ["a", "d"])).toEqual({ type: "boolean", raw: "true" });
    expect(jsonGet(doc, ["a", "b", "[2]", "c"])).toEqual({ type: "null", raw: "null" });
    expect(jsonGet(doc, ["a", "b"])?.raw).toBe('[1, "x\\"y", {"c": null}]');
  });

  it("matches keys written with escapes", () => {
    expect(jsonGet(doc, ["eA"])?.raw).toBe("2");
  });

  it("distinguishes a missing path from malformed input", () => {
    expect(jsonGet(doc, ["zz"])).toBeUndefined();
    expect(jsonGet(doc, ["a", "b", "[9]"])).toBeUndefined();
    expect(jsonGet('{"a": ', ["a"])).toBeNull();
    expect(jsonGet("not json", ["a"])).toBeUndefined();
  });

  it("splits CrowdSec paths so that brackets become array keys", () => {
    expect(splitJsonPath("a.b[0].c")).toEqual(["a", "b", "[0]", "c"]);
    expect(splitJsonPath("[1].a")).toEqual(["[1]", "a"]);
  });

  it("unescapes JSON string bodies and rejects invalid escapes", () => {
    expect(unescapeJsonString("a\\nb\\u00e9")).toBe("a\nbé");
    expect(unescapeJsonString("bad\\q")).toBeNull();
  });
});

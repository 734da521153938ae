import { describe, expect, it } from "vitest";
import {
  GoFloat,
  goTypeName,
  isNil,
  isStringMap,
  missingKeyValue,
  toPlain,
  typedNil,
  utf8Length,
  withGoType,
  withZeroValue,
} from "./go-value.js";

describe("Go value model", () => {
  it("names Go types for error messages and %T", () => {
    expect(goTypeName(null)).toBe("<nil>");
    expect(goTypeName(1)).toBe("int");
    expect(goTypeName(1.5)).toBe("float64");
    expect(goTypeName(new GoFloat(2))).toBe("float64");
    expect(goTypeName([])).toBe("[]interface {}");
    expect(goTypeName(withGoType([1], "[]int"))).toBe("[]int");
    expect(goTypeName({ a: "b" })).toBe("map[string]string");
    expect(goTypeName({ a: 1 })).toBe("map[string]interface {}");
  });

  it("treats all-string objects as map[string]string unless told otherwise", () => {
    expect(isStringMap({ a: "x" })).toBe(true);
    expect(missingKeyValue({ a: "x" })).toBe("");
    expect(missingKeyValue({ a: 1 })).toBeNull();
    expect(missingKeyValue(withZeroValue({ a: "x" }, null))).toBeNull();
    expect(missingKeyValue(withZeroValue({ a: 1 }, ""))).toBe("");
  });

  it("makes typed nils that are empty yet equal to nil", () => {
    const nilSlice = typedNil("[]interface {}", "slice");
    expect(isNil(nilSlice)).toBe(true);
    expect(nilSlice).toEqual([]);
    expect(goTypeName(nilSlice)).toBe("[]interface {}");
    expect(isNil([])).toBe(false);
  });

  it("unboxes floats for callers without copying values that hold none", () => {
    const env = { a: "x" };
    expect(toPlain(env)).toBe(env);
    expect(toPlain([new GoFloat(1.5), { k: new GoFloat(2) }])).toEqual([1.5, { k: 2 }]);
    expect(toPlain(undefined)).toBeNull();
  });

  it("counts UTF-8 bytes, including surrogate pairs", () => {
    expect(utf8Length("aé€😀")).toBe(1 + 2 + 3 + 4);
  });
});

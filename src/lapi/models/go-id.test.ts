import { describe, expect, it } from "vitest";
import { parseGoId } from "./go-id";

describe("parseGoId", () => {
  it("accepts what strconv.Atoi accepts and renders it like %d", () => {
    expect(parseGoId("42")).toEqual({ value: 42, text: "42" });
    expect(parseGoId("+007")).toEqual({ value: 7, text: "7" });
    expect(parseGoId("-3")).toEqual({ value: -3, text: "-3" });
    expect(parseGoId("9223372036854775807")?.text).toBe("9223372036854775807");
  });

  it("refuses non-integers and int64 overflow", () => {
    for (const bad of ["", "abc", "1.5", "1e3", " 1", "0x10", "9223372036854775808"]) {
      expect(parseGoId(bad), bad).toBeNull();
    }
  });
});

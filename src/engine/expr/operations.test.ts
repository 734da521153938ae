import { describe, expect, it } from "vitest";
import { GoFloat, withZeroValue } from "./go-value.js";
import {
  add,
  divide,
  equal,
  exponent,
  fetch,
  inOp,
  length,
  less,
  modulo,
  negate,
  slice,
  subtract,
} from "./operations.js";

const f = (n: number) => new GoFloat(n);

describe("arithmetic", () => {
  it("keeps int + int an int and widens to float64 with a float operand", () => {
    expect(add(1, 2)).toBe(3);
    expect(add(1, f(1.5))).toEqual(f(2.5));
    expect(add(f(1), f(1))).toEqual(f(2));
  });

  it("concatenates strings and rejects mixed operands with the VM's message", () => {
    expect(add("a", "b")).toBe("ab");
    expect(() => add("a", 1)).toThrow("invalid operation: string + int");
    expect(() => subtract(null, 1)).toThrow("invalid operation: <nil> - int");
  });

  it("divides ints as Go integers and floats as floats", () => {
    expect(divide(7, 2)).toBe(3);
    expect(divide(-7, 2)).toBe(-3);
    expect(divide(7, f(2))).toEqual(f(3.5));
    expect(divide(f(1), 0)).toEqual(f(Number.POSITIVE_INFINITY));
    expect(() => divide(1, 0)).toThrow("integer divide by zero");
  });

  it("computes % on ints only, keeping the dividend's sign", () => {
    expect(modulo(-5, 3)).toBe(-2);
    expect(() => modulo(5, f(2))).toThrow("invalid operation: int % float64");
    expect(() => modulo(5, 0)).toThrow("integer divide by zero");
  });

  it("raises to a float64 power", () => {
    expect(exponent(2, 10)).toEqual(f(1024));
  });

  it("wraps int64 overflow like Go", () => {
    expect(add(9007199254740991, 9007199254740991)).toBe(18014398509481982);
    expect(negate(5)).toBe(-5);
    expect(negate(f(1))).toEqual(f(-1));
    expect(() => negate("a")).toThrow("invalid operation: - string");
  });
});

describe("comparison", () => {
  it("compares numbers across int and float, strings by value, nil with nil", () => {
    expect(equal(1, f(1))).toBe(true);
    expect(equal("1", 1)).toBe(false);
    expect(equal(null, undefined)).toBe(true);
    expect(equal("", null)).toBe(false);
    expect(equal([1, "a"], [1, "a"])).toBe(true);
    expect(equal([1], [f(1)])).toBe(false);
  });

  it("orders numbers and strings and rejects the rest", () => {
    expect(less(1, f(1.5))).toBe(true);
    expect(less("abc", "abd")).toBe(true);
    expect(() => less(true, 1)).toThrow("invalid operation: bool < int");
  });
});

describe("membership and access", () => {
  it("tests arrays by equality and maps by key", () => {
    expect(inOp("a", ["b", "a"])).toBe(true);
    expect(inOp(1, [f(1)])).toBe(true);
    expect(inOp("k", { k: "v" })).toBe(true);
    expect(inOp("x", null)).toBe(false);
    expect(() => inOp(1, { k: "v" })).toThrow("value of type int is not assignable to type string");
    expect(() => inOp(null, { k: "v" })).toThrow("cannot use <nil> as index to map[string]string");
    expect(() => inOp("a", 5)).toThrow('operator "in"" not defined on int');
  });

  it("reads missing keys of string maps as empty strings and of other maps as nil", () => {
    expect(fetch({ a: "x" }, "b")).toBe("");
    expect(fetch({}, "b")).toBe("");
    expect(fetch({ a: { b: "c" } }, "z")).toBeNull();
    expect(fetch(withZeroValue({ a: "x" }, null), "b")).toBeNull();
    expect(fetch(new Map([["a", 1]]), "b")).toBeNull();
  });

  it("refuses to reach JS internals through member access", () => {
    expect(fetch({ a: { b: 1 } }, "constructor")).toBeNull();
    expect(fetch({ a: { b: 1 } }, "__proto__")).toBeNull();
    expect(fetch({ a: { b: 1 } }, "toString")).toBeNull();
  });

  it("fails on nil, scalars and out-of-range indexes", () => {
    expect(() => fetch(null, "Source")).toThrow("cannot fetch Source from <nil>");
    expect(() => fetch(5, "a")).toThrow("cannot fetch a from int");
    expect(() => fetch([1], 1)).toThrow("reflect: slice index out of range");
    expect(fetch([1, 2], f(1.9))).toBe(2);
  });

  it("indexes and slices strings by UTF-8 byte", () => {
    expect(fetch("abc", 1)).toBe(98);
    expect(fetch("é", 0)).toBe(0xc3);
    expect(slice("héllo", 0, 3)).toBe("hé");
    expect(slice([1, 2, 3], 1, 10)).toEqual([2, 3]);
    expect(() => slice(5, 0, 1)).toThrow("cannot slice int");
  });

  it("measures strings in bytes, arrays in elements, maps in keys", () => {
    expect(length("héllo")).toBe(6);
    expect(length("😀")).toBe(4);
    expect(length([1, 2])).toBe(2);
    expect(length({ a: "1" })).toBe(1);
    expect(() => length(3)).toThrow("invalid argument for len (type int)");
  });
});

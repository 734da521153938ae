import { describe, expect, it } from "vitest";
import { formatFloatG, formatValue, goQuote, goSprintf } from "./go-sprintf.js";
import { GoFloat, withGoType } from "./go-value.js";

describe("goSprintf", () => {
  it("formats the common verbs like Go's fmt", () => {
    expect(goSprintf("%s-%d-%v-%t", ["a", 42, "v", true])).toBe("a-42-v-true");
    expect(
      goSprintf("%5.2f|%-4d|%04d|%x|%X|%o|%b|%c", [new GoFloat(3.14659), 7, 7, 255, 255, 8, 5, 65]),
    ).toBe(" 3.15|7   |0007|ff|FF|10|101|A");
    expect(
      goSprintf("%e|%g|%G", [new GoFloat(1234.5), new GoFloat(0.00001), new GoFloat(1e21)]),
    ).toBe("1.234500e+03|1e-05|1E+21");
    expect(goSprintf("%q|%x", ['a"b\n', "hi"])).toBe('"a\\"b\\n"|6869');
    expect(goSprintf("%T|%T|%T", [1, new GoFloat(1), withGoType([], "[]string")])).toBe(
      "int|float64|[]string",
    );
    expect(goSprintf("100%%", [])).toBe("100%");
  });

  it("reports bad verbs, missing and extra arguments in Go's %! forms", () => {
    expect(goSprintf("%d", ["x"])).toBe("%!d(string=x)");
    expect(goSprintf("%s %s", ["a"])).toBe("a %!s(MISSING)");
    expect(goSprintf("%s", ["a", 1, "b"])).toBe("a%!(EXTRA int=1, string=b)");
    expect(goSprintf("%", [])).toBe("%!(NOVERB)");
  });

  it("prints floats with %v in the shortest form, switching to exponents at 1e21 and 1e-4", () => {
    expect(formatFloatG(100000, -1)).toBe("100000");
    expect(formatFloatG(1e6, -1)).toBe("1e+06");
    expect(formatFloatG(123456789, -1)).toBe("1.23456789e+08");
    expect(formatFloatG(0.0001, -1)).toBe("0.0001");
    expect(formatFloatG(0.00001, -1)).toBe("1e-05");
    expect(formatFloatG(Number.NaN, -1)).toBe("NaN");
    expect(formatFloatG(Number.NEGATIVE_INFINITY, -1)).toBe("-Inf");
  });

  it("prints slices and maps like %v (maps sorted by key)", () => {
    expect(formatValue([1, "a", null])).toBe("[1 a <nil>]");
    expect(formatValue({ b: 1, a: [2] })).toBe("map[a:[2] b:1]");
  });

  it("prints dates like time.Time in UTC", () => {
    expect(formatValue(new Date("2024-03-01T10:00:00.120Z"))).toBe(
      "2024-03-01 10:00:00.12 +0000 UTC",
    );
    expect(formatValue(new Date("2024-03-01T10:00:00Z"))).toBe("2024-03-01 10:00:00 +0000 UTC");
  });

  it("formats floats in hex and applies verbs to each slice element", () => {
    expect(goSprintf("%x|%.0x|%X", [new GoFloat(0.1), new GoFloat(1.5), new GoFloat(1)])).toBe(
      "0x1.999999999999ap-04|0x1p+01|0X1P+00",
    );
    expect(
      goSprintf("%x|%q|%5d", [
        ["ab", "c"],
        ["a", 1],
        [1, 22],
      ]),
    ).toBe("[6162 63]|[\"a\" '\\x01']|[    1    22]");
  });

  it("quotes like strconv.Quote", () => {
    expect(goQuote("é\u0001\t")).toBe('"é\\x01\\t"');
  });
});

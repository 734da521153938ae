import { describe, expect, it } from "vitest";
import { formatGoDuration, parseGoDuration } from "./duration";

describe("parseGoDuration", () => {
  it.each([
    ["4h", 4 * 3_600_000],
    ["1h30m", 5_400_000],
    ["-1.5s", -1500],
    ["0", 0],
    ["300ms", 300],
    ["1.5h", 5_400_000],
    [".5s", 500],
  ])("parses %s", (text, ms) => {
    expect(parseGoDuration(text)).toEqual({ ok: true, ms });
  });

  it("rejects days unless allowed, with Go's message", () => {
    expect(parseGoDuration("1d")).toEqual({
      ok: false,
      error: 'time: unknown unit "d" in duration "1d"',
    });
    expect(parseGoDuration("2d3h", { allowDays: true })).toEqual({ ok: true, ms: 51 * 3_600_000 });
  });

  it.each([
    ["", 'time: invalid duration ""'],
    ["1", 'time: missing unit in duration "1"'],
    ["1zz", 'time: unknown unit "zz" in duration "1zz"'],
    ["h", 'time: invalid duration "h"'],
  ])("rejects %j", (text, error) => {
    expect(parseGoDuration(text)).toEqual({ ok: false, error });
  });
});

describe("formatGoDuration", () => {
  it.each([
    [4 * 3_600_000, "4h0m0s"],
    [3_599_400, "59m59s"],
    [45_000, "45s"],
    [-90_000, "-1m30s"],
    [200, "0s"],
    [100 * 3_600_000 + 61_000, "100h1m1s"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});

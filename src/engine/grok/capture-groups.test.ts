import { describe, expect, it } from "vitest";
import { countCaptureGroups, initialScanState, pruneCaptureGroups } from "./capture-groups";

const count = (source: string) => countCaptureGroups(source, initialScanState());

describe("countCaptureGroups", () => {
  it("counts plain and named groups but not non-capturing or flag groups", () => {
    expect(count("(a)(?:b)(?P<x>c)(?<y>d)(?i)(?i:e)(?s)")).toBe(3);
  });

  it("ignores escaped parentheses and parentheses inside classes", () => {
    expect(count(String.raw`\((a)[(](?:[^)(])`)).toBe(1);
  });

  it("treats a ] right after [ or [^ as a class member", () => {
    expect(count("[](](a)[^](](b)")).toBe(2);
  });

  it("skips POSIX classes inside brackets", () => {
    expect(count("[[:alpha:](](x)")).toBe(1);
  });

  it("ignores everything inside \\Q…\\E", () => {
    expect(count(String.raw`\Q(a)(b)\E(c)`)).toBe(1);
  });

  it("carries class and quote state from one fragment to the next", () => {
    const state = initialScanState();
    expect(countCaptureGroups(String.raw`x\Q(`, state)).toBe(0);
    expect(countCaptureGroups(String.raw`(\E(y)`, state)).toBe(1);
    expect(countCaptureGroups("[(", state)).toBe(0);
    expect(countCaptureGroups(")](z)", state)).toBe(1);
  });

  it("counts an unbalanced opening group in a fragment between two references", () => {
    expect(count("(?:x|(")).toBe(1);
  });
});

describe("pruneCaptureGroups", () => {
  it("makes unkept groups non-capturing and renumbers the kept ones", () => {
    const pruned = pruneCaptureGroups("(a)(?P<n>b)((c)d)", new Set([2, 4]));
    expect(pruned.source).toBe("(?:a)(?P<n>b)(?:(c)d)");
    expect([...pruned.renumber]).toEqual([
      [2, 1],
      [4, 2],
    ]);
  });

  it("leaves escapes, classes and non-capturing groups untouched", () => {
    const source = String.raw`\((x)[(](?:y)`;
    expect(pruneCaptureGroups(source, new Set()).source).toBe(String.raw`\((?:x)[(](?:y)`);
  });
});

import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { createAnchoredBacktracker } from "./backtracker";

/** Compares the backtracker with re2js's own anchored search on the same program. */
function agree(source: string, inputs: string[]): void {
  const regex = RE2JS.compile(`^(?:${source})`);
  const search = createAnchoredBacktracker(regex, 1 << 30);
  expect(search).toBeDefined();
  for (const input of inputs) {
    const want = regex.re2().findSubmatchIndex(input);
    const got = search?.(input);
    expect(got === null || got === undefined ? got : [...got], `${source} on ${input}`).toEqual(
      want,
    );
  }
}

describe("createAnchoredBacktracker", () => {
  it("prefers earlier alternatives and honours greedy and lazy quantifiers", () => {
    agree("(a|ab)(c|bcd)(d*)", ["abcd", "abcdd", "ab", "x"]);
    agree("(a+?)(a*)", ["aaaa", ""]);
    agree("(.*?)-(.*)", ["a-b-c", "-", "abc"]);
  });

  it("keeps the last iteration's capture inside repetitions, and '' for empty iterations", () => {
    agree("(?:(a)|(b))+", ["ab", "ba", "abab"]);
    agree("(x*)?,(y)?", [",", "xx,", ",y"]);
  });

  it("evaluates empty-width assertions: word boundaries, text and line anchors", () => {
    agree(String.raw`(\w+)\b(.*)`, ["foo bar", "foo"]);
    agree(String.raw`\B(o+)`, ["foo"]);
    agree("(?m)(a)$\\n^(b)", ["a\nb"]);
    agree(String.raw`(a)\z`, ["a", "a\n"]);
  });

  it("matches case-folded literals and classes like re2js", () => {
    agree("(?i)(login|plain) (K)", ["LOGIN k", "Plain K", "login x"]);
  });

  it("steps over surrogate pairs as one rune", () => {
    agree("(.)(.)", ["😀x", "a😀"]);
    agree("([^a])", ["😀"]);
  });

  it("returns undefined above the visited-bits budget so the caller can use the NFA", () => {
    const regex = RE2JS.compile("^(a+)");
    const search = createAnchoredBacktracker(regex, 64);
    expect(search?.("aaa")).not.toBeUndefined();
    expect(search?.("a".repeat(100))).toBeUndefined();
  });

  it("stays linear on the classic exponential pattern", () => {
    const regex = RE2JS.compile("^(a|a)*(a*)*b");
    const search = createAnchoredBacktracker(regex, 1 << 26);
    expect(search?.("a".repeat(5000))).toBeNull();
  });
});

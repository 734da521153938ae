import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { createBacktracker } from "./backtracker";

/**
 * Compares the backtracker with re2js's own search on the same program, anchored at offset 0
 * and unanchored.
 */
function agree(source: string, inputs: string[]): void {
  for (const [pattern, anchored] of [
    [`^(?:${source})`, true],
    [source, false],
  ] as const) {
    const regex = RE2JS.compile(pattern);
    const search = createBacktracker(regex, 1 << 30, anchored);
    expect(search).toBeDefined();
    for (const input of inputs) {
      const want = regex.re2().findSubmatchIndex(input);
      const got = search?.(input);
      const shown = got === null || got === undefined ? got : [...got];
      expect(shown, `${pattern} on ${input}`).toEqual(want);
    }
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

  it("finds the leftmost match when it does not start at offset 0", () => {
    agree(String.raw`port (\d+)`, ["from 1.2.3.4 port 22 ssh2 port 23", "no", "port "]);
    agree("(b*)$", ["aab", "aaa", ""]);
    agree(String.raw`\b(x)`, ["😀x ax x"]);
  });

  it("steps over surrogate pairs as one rune", () => {
    agree("(.)(.)", ["😀x", "a😀"]);
    agree("([^a])", ["😀"]);
  });

  it("returns undefined above the visited-bits budget so the caller can use the NFA", () => {
    const regex = RE2JS.compile("^(a+)");
    const search = createBacktracker(regex, 64, true);
    expect(search?.("aaa")).not.toBeUndefined();
    expect(search?.("a".repeat(100))).toBeUndefined();
  });

  it("stays linear on the classic exponential pattern", () => {
    const regex = RE2JS.compile("(a|a)*(a*)*b");
    expect(createBacktracker(regex, 1 << 26, true)?.("a".repeat(5000))).toBeNull();
    expect(createBacktracker(regex, 1 << 26, false)?.("a".repeat(5000))).toBeNull();
  });
});

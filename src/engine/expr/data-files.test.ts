import { describe, expect, it } from "vitest";
import { createDataFiles } from "./data-files.js";

describe("createDataFiles", () => {
  it("serves string lists and lazily compiled RE2 regexps", () => {
    const files = createDataFiles({ "a.txt": ["x", "y"] }, { "b.regex": ["^ni(k)to", "(a+)+$"] });
    expect(files.lines("a.txt")).toEqual(["x", "y"]);
    expect(files.lines("b.regex")).toBeUndefined();
    const regexps = files.regexps("b.regex")!;
    expect(regexps.some((r) => r.test("nikto/2.1"))).toBe(true);
    expect(regexps.some((r) => r.test(`${"a".repeat(100_000)}!`))).toBe(false);
    expect(files.regexps("b.regex")).toBe(regexps);
  });

  it("matches a combined regexp file exactly when some line matches, flags staying per line", () => {
    const files = createDataFiles({}, { f: ["(?i)^curl", "wget$", "x[0-9]+"] });
    const test = (s: string) => files.regexps("f")!.some((r) => r.test(s));
    expect(test("CURL/8")).toBe(true);
    expect(test("my WGET")).toBe(false);
    expect(test("my wget")).toBe(true);
    expect(test("x42")).toBe(true);
    expect(test("xcurl")).toBe(false);
  });

  it("uses the string files as regexp files when no separate map is given", () => {
    expect(
      createDataFiles({ f: ["^a"] })
        .regexps("f")![0]!
        .test("abc"),
    ).toBe(true);
  });

  it("fails on an invalid regexp line when the file is first used", () => {
    const files = createDataFiles({}, { bad: ["("] });
    expect(() => files.regexps("bad")).toThrow("missing closing )");
  });

  it("does not let callers mutate the lists through File()", () => {
    const source = ["a"];
    const files = createDataFiles({ f: source });
    source.push("b");
    expect(files.lines("f")).toEqual(["a"]);
    expect(Object.isFrozen(files.lines("f"))).toBe(true);
  });

  it("answers a cached regexp file exactly as the regexps do, through one cached matcher", () => {
    const lines = ["(?i)^curl", "wget$"];
    const plain = createDataFiles({}, { f: lines });
    const cached = createDataFiles(
      {},
      { f: lines },
      { f: { strategy: "LFU", size: 2, ttlMs: null } },
    );
    expect(cached.regexps("f")).toHaveLength(1);
    for (const input of ["CURL/8", "my wget", "nope", "CURL/8", "x", "y", "my wget"]) {
      const want = plain.regexps("f")!.some((r) => r.test(input));
      expect(cached.regexps("f")!.some((r) => r.test(input))).toBe(want);
    }
  });
});

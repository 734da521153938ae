import { describe, expect, it } from "vitest";
import { RegexSyntaxError } from "./errors";
import { compileRegex } from "./safe-regex";

describe("compileRegex (Go RE2 semantics)", () => {
  it("accepts (?P<name>…) groups and numbers them like plain groups", () => {
    const re = compileRegex(String.raw`^(?P<path>/\w+)(x)?$`);
    expect(re.groupCount).toBe(2);
    expect(re.exec("/admin")).toEqual(["/admin", "/admin", ""]);
  });

  it("applies an inline (?i) flag to the rest of the enclosing group only", () => {
    const re = compileRegex("SASL ((?i)login|plain) OK");
    expect(re.test("SASL LOGIN OK")).toBe(true);
    expect(re.test("SASL PLAIN OK")).toBe(true);
    expect(re.test("SASL login ok")).toBe(false);
  });

  it("supports \\A, \\z, \\Q…\\E and POSIX classes", () => {
    expect(compileRegex(String.raw`\Aab\z`).test("ab")).toBe(true);
    expect(compileRegex(String.raw`\Aab\z`).test("ab\n")).toBe(false);
    expect(compileRegex(String.raw`\Q.*+\E`).test("a.*+b")).toBe(true);
    expect(compileRegex(String.raw`\Q.*+\E`).test("aaa")).toBe(false);
    expect(compileRegex("^[[:alpha:]]+$").test("abcXYZ")).toBe(true);
    expect(compileRegex("^[[:alpha:]]+$").test("abc1")).toBe(false);
  });

  it("uses Go's \\s (no vertical tab) and Go's dot (matches \\r, not \\n)", () => {
    expect(compileRegex(String.raw`a\sb`).test("a\vb")).toBe(false);
    expect(compileRegex(String.raw`a\sb`).test("a\tb")).toBe(true);
    expect(compileRegex("^a.b$").test("a\rb")).toBe(true);
    expect(compileRegex("^a.b$").test("a\nb")).toBe(false);
  });

  it("returns the leftmost-first match, not the longest", () => {
    expect(compileRegex("(a|ab)").exec("ab")).toEqual(["a", "a"]);
    expect(compileRegex("(a|ab)(c|bcd)").exec("abcd")).toEqual(["abcd", "a", "bcd"]);
  });

  it("keeps the last iteration's capture of a group inside a repetition", () => {
    expect(compileRegex("^(?:(a)|b)+$").exec("ab")).toEqual(["ab", "a"]);
  });

  it("rejects syntax Go rejects: lookbehind, backreferences, unbalanced groups", () => {
    for (const source of ["(?<=a)b", String.raw`(a)\1`, "a(b", "x**"]) {
      expect(() => compileRegex(source), source).toThrow(RegexSyntaxError);
    }
  });

  it("supports the rest of Go's syntax: (?U), octal, \\x{…}, Unicode and negated POSIX classes", () => {
    expect(compileRegex("(?U)a+").exec("aaa")).toEqual(["a"]);
    expect(compileRegex(String.raw`\101\x{42}`).test("AB")).toBe(true);
    expect(compileRegex(String.raw`\pL+`).exec("héllo1")).toEqual(["héllo"]);
    expect(compileRegex("[[:^alpha:]]+").exec("ab12cd")).toEqual(["12"]);
  });

  it("rejects what Go rejects, with Go's message: \\C, \\Z, repeat counts over 1000", () => {
    expect(() => compileRegex(String.raw`\C`)).toThrow("invalid escape sequence: `\\C`");
    expect(() => compileRegex(String.raw`\Z`)).toThrow(RegexSyntaxError);
    expect(() => compileRegex("a{1001}")).toThrow("invalid repeat count");
  });

  it("returns null when nothing matches", () => {
    expect(compileRegex("z").exec("abc")).toBeNull();
    expect(compileRegex("z").test("abc")).toBe(false);
  });
});

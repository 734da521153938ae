import { describe, expect, it } from "vitest";
import { describeToken, LexError, lex } from "./lexer.js";

const kinds = (source: string) => lex(source).map((t) => `${t.kind}:${t.value}`);

describe("lex", () => {
  it("splits identifiers, word operators, strings and numbers", () => {
    expect(kinds("evt.Meta.x startsWith 'a' and 1.5")).toEqual([
      "Identifier:evt",
      "Operator:.",
      "Identifier:Meta",
      "Operator:.",
      "Identifier:x",
      "Operator:startsWith",
      "String:a",
      "Operator:and",
      "Number:1.5",
      "EOF:",
    ]);
  });

  it("joins `not in` separated by plain spaces into one operator", () => {
    expect(kinds("a not   in b")).toEqual([
      "Identifier:a",
      "Operator:not in",
      "Identifier:b",
      "EOF:",
    ]);
  });

  it("keeps `not` alone when `in` does not follow as a word", () => {
    expect(kinds("not index")).toEqual(["Operator:not", "Identifier:index", "EOF:"]);
  });

  it("lexes `1..3` as a range, not a float", () => {
    expect(kinds("1..3")).toEqual(["Number:1", "Operator:..", "Number:3", "EOF:"]);
  });

  it("forms two-rune operators from &|!=*<> followed by &|=*", () => {
    expect(kinds("a ** b != c && d")).toContain("Operator:**");
    expect(kinds("a = b")).toContain("Operator:=");
    expect(kinds("a <& b")).toContain("Operator:<&");
  });

  it("lexes `?.` as two tokens, since expr 1.9 has no nil-safe navigation", () => {
    expect(kinds("a?.b")).toEqual([
      "Identifier:a",
      "Operator:?",
      "Operator:.",
      "Identifier:b",
      "EOF:",
    ]);
  });

  it("decodes escapes inside strings", () => {
    expect(lex(`"a\\tb\\x41\\u00e9"`)[0]!.value).toBe("a\tbAé");
  });

  it("rejects an escape of the other quote inside a single-quoted string", () => {
    expect(() => lex(`'\\"'`)).toThrow("invalid char escape");
  });

  it("reports unterminated strings, bad numbers and unknown characters with an offset", () => {
    expect(() => lex("'abc")).toThrow("literal not terminated");
    expect(() => lex("12ab")).toThrow('bad number syntax: "12a"');
    try {
      lex("a @");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LexError);
      expect((e as LexError).message).toBe("unrecognized character: U+0040 '@'");
      expect((e as LexError).offset).toBe(3);
    }
  });

  it("accepts Unicode letters in identifiers", () => {
    expect(kinds("été_1")).toEqual(["Identifier:été_1", "EOF:"]);
  });

  it("prints tokens the way expr error messages do", () => {
    expect(describeToken({ kind: "Operator", value: "=", offset: 0 })).toBe('Operator("=")');
    expect(describeToken({ kind: "EOF", value: "", offset: 0 })).toBe("EOF");
  });
});

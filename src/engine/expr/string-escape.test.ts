import { describe, expect, it } from "vitest";
import { unescapeLiteral } from "./string-escape.js";

describe("unescapeLiteral", () => {
  it("decodes simple, hex, unicode and octal escapes", () => {
    expect(unescapeLiteral(`"\\a\\b\\f\\n\\r\\t\\v\\\\\\'\\"\\\`\\?"`)).toEqual({
      value: "\x07\b\f\n\r\t\v\\'\"`?",
    });
    expect(unescapeLiteral(`'\\x41\\u00e9\\U0001F600\\101'`)).toEqual({ value: "Aé😀A" });
    expect(unescapeLiteral(`'\\xff'`)).toEqual({ value: "ÿ" });
  });

  it("rejects unknown escapes and bad octal sequences", () => {
    expect(unescapeLiteral(`'\\q'`)).toEqual({ error: "unable to unescape string" });
    expect(unescapeLiteral(`'\\189'`)).toEqual({
      error: "unable to unescape octal sequence in string",
    });
    expect(unescapeLiteral(`'\\400'`)).toEqual({ error: "unable to unescape string" });
  });

  it("returns strings without backslashes unchanged", () => {
    expect(unescapeLiteral(`"plain"`)).toEqual({ value: "plain" });
  });
});

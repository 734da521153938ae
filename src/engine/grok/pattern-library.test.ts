import { describe, expect, it } from "vitest";
import { GrokError } from "./errors";
import { loadPatterns, parsePatternFile } from "./pattern-library";

describe("parsePatternFile", () => {
  it("reads NAME<whitespace>definition lines and skips comments, blanks and indented lines", () => {
    const content = [
      "# a comment",
      "",
      "FOO_1   a+b",
      "  INDENTED x",
      "BAR\t\t%{FOO_1} tail  ",
      "NODEF",
      "DASH-NAME x",
    ].join("\n");
    expect(parsePatternFile(content)).toEqual([
      ["FOO_1", "a+b"],
      ["BAR", "%{FOO_1} tail  "],
    ]);
  });

  it("strips a trailing carriage return like Go's line scanner", () => {
    expect(parsePatternFile("A x\r\nB y\r\n")).toEqual([
      ["A", "x"],
      ["B", "y"],
    ]);
  });

  it("keeps the last whitespace character of a whitespace-only definition, as ^(\\w+)\\s+(.+)$ does", () => {
    expect(parsePatternFile("SP   \nONE \n")).toEqual([["SP", " "]]);
  });
});

describe("loadPatterns", () => {
  it("starts from grokky's base patterns", () => {
    const library = loadPatterns({});
    expect(library.get("SYSLOGBASE")).toContain("%{SYSLOGTIMESTAMP:timestamp}");
    expect(library.get("IPV4")).toBeDefined();
    expect(library.get("NOPE")).toBeUndefined();
  });

  it("loads files in byte order of their names so later files can use earlier ones", () => {
    const library = loadPatterns({ b_second: "B %{A_FIRST}x", a_first: "A_FIRST y" });
    expect(library.get("B")).toBe("%{A_FIRST}x");
  });

  it("fails on a reference to a pattern defined in a later file", () => {
    expect(() => loadPatterns({ a: "B %{LATER}", b: "LATER y" })).toThrow(
      /the 'LATER' pattern doesn't exist/,
    );
  });

  it("skips files whose name contains a dot", () => {
    const library = loadPatterns({ "README.md": "BROKEN %{MISSING}", "patterns/x": "X x" });
    expect(library.get("BROKEN")).toBeUndefined();
    expect(library.get("X")).toBe("x");
  });

  it("treats a duplicate name as fatal, naming the file", () => {
    expect(() => loadPatterns({ mine: "WORD \\w+" })).toThrow(
      /mine: WORD: the pattern already exist/,
    );
  });

  it("rejects a definition that is not a valid regex", () => {
    expect(() => loadPatterns({ bad: "BAD (unclosed" })).toThrow(GrokError);
  });
});

describe("PatternLibrary.with (pattern_syntax)", () => {
  it("adds new names without changing the original library", () => {
    const base = loadPatterns({});
    const extended = base.with({ MINE: "%{WORD}-%{INT}" });
    expect(extended.get("MINE")).toBe("%{WORD}-%{INT}");
    expect(base.get("MINE")).toBeUndefined();
  });

  it("keeps the first definition of an existing name, as CrowdSec warns and continues", () => {
    const library = loadPatterns({}).with({ MINE: "a" }).with({ MINE: "b", WORD: "z" });
    expect(library.get("MINE")).toBe("a");
    expect(library.get("WORD")).toBe(String.raw`\b\w+\b`);
  });

  it("lets a later entry of the same block use an earlier one", () => {
    const library = loadPatterns({}).with({ MY_FIRST: "x", MY_SECOND: "%{MY_FIRST}y" });
    expect(library.get("MY_SECOND")).toBe("%{MY_FIRST}y");
  });

  it("throws GrokError naming a missing reference", () => {
    try {
      loadPatterns({}).with({ MINE: "%{NOT_THERE:x}" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GrokError);
      expect((error as GrokError).missingPattern).toBe("NOT_THERE");
    }
  });

  it("rejects an empty definition like grokky's ErrEmptyExpression", () => {
    expect(() => loadPatterns({}).with({ EMPTY: "" })).toThrow(/an empty expression/);
  });
});

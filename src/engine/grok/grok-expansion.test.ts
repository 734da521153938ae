import { describe, expect, it } from "vitest";
import { expandGrok, grokkyGroupCount } from "./grok-expansion";
import { type GrokLibrary, loadPatterns } from "./pattern-library";

describe("grokkyGroupCount (grokky 0.1.0 capCount heuristic)", () => {
  it("counts plain groups and skips (?: and escaped parentheses", () => {
    expect(grokkyGroupCount("(a)(?:b)(?P<n>c)")).toBe(2);
    expect(grokkyGroupCount(String.raw`\(x\)`)).toBe(0);
  });

  it("discounts (?i) and, like grokky, any '-)' or 's)' it mistakes for a flag group", () => {
    expect(grokkyGroupCount("(?i)")).toBe(0);
    expect(grokkyGroupCount("|-) +(-|")).toBe(0);
    expect(grokkyGroupCount("s) (x")).toBe(0);
  });

  it("counts a parenthesis inside a character class, as grokky does", () => {
    expect(grokkyGroupCount("[(]")).toBe(1);
  });
});

describe("expandGrok", () => {
  const library = loadPatterns({}) as GrokLibrary;
  const lookup = (name: string) => library.expansion(name);

  it("wraps each reference in a group and maps semantics to group numbers", () => {
    const expansion = expandGrok("%{INT:a}-%{SYSLOGPROG}", lookup);
    expect(expansion.source.startsWith("([+-]?(?:[0-9]+))-(")).toBe(true);
    expect([...expansion.semantics]).toEqual([
      ["a", 1],
      ["program", 3],
      ["pid", 4],
    ]);
  });

  it("shifts later semantics when grokky's heuristic miscounts a literal group", () => {
    const expansion = expandGrok("(?:%{WORD:h}|-) (-|x%{WORD:a})", lookup);
    // The real group of `a` is 3; grokky maps it to 2, the literal `(-|x…)` group.
    expect(expansion.semantics.get("a")).toBe(2);
  });
});

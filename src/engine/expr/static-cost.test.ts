import { describe, expect, it } from "vitest";
import { compileExpr, ExprError } from "./index.js";

const strict = (source: string) => compileExpr(source, { staticCost: true });

describe("static cost check (registration)", () => {
  it.each([
    [
      `all(1..20, {len(Sprintf('%0100000000d', #)) > 0}) ? 'a' : 'b'`,
      /Sprintf width or precision 100,000,000 is past Go's limit/,
    ],
    [`Sprintf('%.2000000f', 1.5)`, /Sprintf width or precision 2,000,000/],
    [`all(1..100, {len(Sprintf('%0900000d', #)) > 0})`, /Sprintf builds 90,000,000 characters/],
    [
      `len(repeat('ab', 5000000)) > 0`,
      /repeat\(\) builds 10,000,000 characters.*count at most 1,000,000/,
    ],
    [`all(1..100, {len(repeat('abcd', 100000)) > 0})`, /repeat\(\) builds 40,000,000 characters/],
    [`len(1..2000000) > 0`, /range 1..2000000 allocates 2,000,000 elements/],
    [
      `all(1..1000, {all(1..1000, {all([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], {true})})})`,
      /all\(\) runs 10,000,000 closure iterations/,
    ],
    [`any(map(1..2000, {1..1000}), {true})`, /range 1..1000 allocates 2,000,000 elements/],
  ])("refuses %s", (source, message) => {
    expect(() => strict(source)).toThrow(message);
    expect(() => strict(source)).toThrow(ExprError);
  });

  it("points the caret at the offending node", () => {
    try {
      strict(`1 == 1 && len(repeat('x', 99999999)) > 0`);
      expect.unreachable();
    } catch (e) {
      expect((e as ExprError).render()).toMatch(/\(1:15\)\n.*\n \| \.{14}\^$/);
    }
  });

  it.each([
    `all(1..1000, {all(1..1000, {true})})`,
    `Sprintf('%05d-%s', 42, evt.Meta.source_ip)`,
    `len(repeat('-', 80)) == 80`,
    `all(evt.Parsed.list, {all(evt.Parsed.other, {Sprintf('%0100d', #) != ''})})`,
    `len(1..1000000) > 0`,
    `map(filter(1..100, {# % 2 == 0}), {# * 2})`,
  ])("accepts %s", (source) => {
    expect(() => strict(source)).not.toThrow();
  });

  it("is off by default: the run-time budgets still stop what it would refuse", () => {
    const compiled = compileExpr(`len(1..2000000) > 0`);
    expect(() => compiled.run({})).toThrow(/memory budget exceeded/);
  });
});

import { describe, expect, it } from "vitest";
import { compileExpr, ExprRuntimeError } from "./index.js";
import { hoistableSubtrees } from "./loop-invariants.js";
import { parse } from "./parser.js";

const body = (source: string) => {
  const tree = parse(source, { maxNodes: 1000, maxDepth: 100 });
  if (tree.kind !== "Builtin" || tree.args[1]?.kind !== "Closure") throw new Error("not a closure");
  return tree.args[1].node;
};
const pure = (name: string) => name === "Upper";

describe("loop-invariant hoisting", () => {
  it("picks the largest subtrees that do not read #", () => {
    const found = hoistableSubtrees(
      body("any(a, {Upper(evt.Parsed.args) contains Upper(#)})"),
      pure,
    );
    expect(found.map((n) => n.kind)).toEqual(["Function"]);
  });

  it("never hoists #, env methods, impure calls or allocations", () => {
    expect(hoistableSubtrees(body("any(a, {# == evt.Get() || Now() == [1]})"), pure)).toEqual([]);
    expect(hoistableSubtrees(body("any(a, {len(1..3) == #})"), pure)).toEqual([]);
  });

  it("evaluates an invariant once per loop run while giving the same answers", () => {
    let calls = 0;
    const evt = {
      Parsed: {
        get args() {
          calls++;
          return "union select";
        },
      },
    };
    const compiled = compileExpr(
      "count(['UNION', 'SELECT', 'DROP'], {Upper(evt.Parsed.args) contains #})",
    );
    expect(compiled.run({ evt })).toBe(2);
    expect(calls).toBe(1);
    expect(compiled.run({ evt: { Parsed: { args: "drop" } } })).toBe(1);
  });

  it("still calls caller functions and env methods for every element", () => {
    let ticks = 0;
    const compiled = compileExpr("count([1, 2, 3], {Tick() > 0 && evt.Next() > 0})", {
      functions: { Tick: () => ++ticks },
    });
    let next = 0;
    expect(compiled.run({ evt: { Next: () => ++next } })).toBe(3);
    expect([ticks, next]).toEqual([3, 3]);
  });

  it("raises a hoisted subtree's error on the first element and not on an empty loop", () => {
    const compiled = compileExpr("any(evt.list, {Upper(evt.missing.x) == #})");
    expect(compiled.run({ evt: { list: [], missing: null } })).toBe(false);
    expect(() => compiled.run({ evt: { list: ["a"], missing: null } })).toThrow(ExprRuntimeError);
  });

  it("keeps nested loops independent", () => {
    expect(compileExpr("map([1, 2], {count([1, 2, 3], {# > 1}) + #})").run({})).toEqual([3, 4]);
    expect(
      compileExpr("all(['ab', 'cd'], {any(['a', 'c'], {Upper('x') != # && true})})").run({}),
    ).toBe(true);
  });
});

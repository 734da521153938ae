import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_EXTRA_FILES,
  extractHubExpressions,
} from "../../scripts/extract-hub-expressions.js";
import { compileExpr, ExprError, ExprRuntimeError } from "../../src/engine/expr/index.js";
import { oracleFor } from "../oracle/crowdsec-config.js";

const ROOT = resolve(import.meta.dirname, "../..");
const oracle = oracleFor("hub expressions");
const HUB = oracle.install.hubDir;
const hubMissing = oracle.skip;

/** The LAPI-side helpers profiles may call; callers add them (they need the database). */
const LAPI_FUNCTIONS = { GetDecisionsCount: () => 0, GetDecisionsSinceCount: () => 0 };

describe.skipIf(hubMissing)("hub expressions", () => {
  const list = extractHubExpressions(
    HUB,
    DEFAULT_EXTRA_FILES.map((f) => resolve(ROOT, f)),
  );

  it("finds every kind of expression in the snapshot", () => {
    expect(list.length).toBeGreaterThan(500);
    const keys = new Set(list.flatMap((e) => e.uses.map((u) => u.path.replace(/^.*\./, ""))));
    for (const key of ["filter", "expression", "groupby", "distinct"]) {
      expect([...keys].some((k) => k.startsWith(key))).toBe(true);
    }
    expect(list.some((e) => e.expr.includes("Alert.GetScope()"))).toBe(true);
  });

  it("compiles every distinct expression, static cost check included (as registration does)", () => {
    const failures: string[] = [];
    for (const { expr, uses } of list) {
      try {
        compileExpr(expr, { functions: LAPI_FUNCTIONS, staticCost: true });
      } catch (e) {
        failures.push(`${uses[0]!.file} ${uses[0]!.path}: ${(e as ExprError).render?.() ?? e}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe("hostile input", () => {
  it("rejects 100,000 nested parentheses with a depth error", () => {
    const source = `${"(".repeat(100_000)}1${")".repeat(100_000)}`;
    expect(() => compileExpr(source)).toThrow(/nested too deeply/);
  });

  it("rejects 100,000 nested unary operators with a depth error", () => {
    expect(() => compileExpr(`${"!".repeat(100_000)}true`)).toThrow(/nested too deeply/);
  });

  it("rejects a 50,000-term left-deep chain by its depth", () => {
    const source = Array.from({ length: 50_000 }, (_, i) => `evt.Meta.a == '${i}'`).join(" || ");
    expect(() => compileExpr(source)).toThrow(ExprError);
  });

  it("rejects a flat array of 200,000 elements by its node count", () => {
    const source = `1 in [${Array.from({ length: 200_000 }, (_, i) => i).join(",")}]`;
    expect(() => compileExpr(source)).toThrow(/exceeds maximum allowed nodes/);
  });

  it("keeps caret snippets short for a 1 MiB one-line expression", () => {
    const source = `'${"a".repeat(1 << 20)}' +`;
    try {
      compileExpr(source);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExprError);
      expect((e as ExprError).render().length).toBeLessThan(400);
    }
  });

  it("evaluates a regex against a 1 MiB hostile string in linear time (RE2)", () => {
    const compiled = compileExpr("evt.Line.Raw matches '^(a+)+$'");
    const raw = `${"a".repeat(1 << 20)}!`;
    expect(compiled.run({ evt: { Line: { Raw: raw } } })).toBe(false);
  });

  it("stops a range that would allocate more than expr's memory budget", () => {
    const compiled = compileExpr("len(0..len(evt.Line.Raw))");
    expect(() => compiled.run({ evt: { Line: { Raw: "x".repeat(2_000_000) } } })).toThrow(
      "memory budget exceeded",
    );
  });

  it("stops nested closures that keep allocating", () => {
    const compiled = compileExpr("all(0..2000, {all(0..2000, {true})})");
    expect(() => compiled.run({})).toThrow(ExprRuntimeError);
  });

  it("walks deeply nested JSON from a log line without recursion", () => {
    const depth = 500_000;
    const raw = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    const compiled = compileExpr(
      "JsonExtract(evt.Line.Raw, 'b') + JsonExtractUnescape(evt.Line.Raw, 'b')",
    );
    expect(compiled.run({ evt: { Line: { Raw: raw } } })).toBe("");
    const slice = compileExpr("len(JsonExtractSlice(evt.Line.Raw, 'a'))");
    expect(slice.run({ evt: { Line: { Raw: raw } } })).toBe(0);
  });

  it("decodes or refuses deeply nested JSON arrays without crashing the run", () => {
    const depth = 200_000;
    const raw = `{"a":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const compiled = compileExpr("Sprintf('%v', JsonExtractSlice(evt.Line.Raw, 'a'))");
    try {
      expect(typeof compiled.run({ evt: { Line: { Raw: raw } } })).toBe("string");
    } catch (e) {
      expect(e).toBeInstanceOf(ExprRuntimeError);
    }
  });

  it("parses deeply nested XML from a log line without recursion", () => {
    const depth = 200_000;
    const raw = `${"<a>".repeat(depth)}x${"</a>".repeat(depth)}`;
    const compiled = compileExpr("XMLGetNodeValue(evt.Line.Raw, '/a/a/a')");
    expect(compiled.run({ evt: { Line: { Raw: raw } } })).toBe("");
  });
});

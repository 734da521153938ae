import { describe, expect, it } from "vitest";
import { ITERATION_BUDGET, STRING_BUDGET } from "./evaluator.js";
import { compileExpr, type Dialect, ExprRuntimeError } from "./index.js";

/**
 * Issue 12, hole 4: a registered scenario is code every machine can send. Whatever it says, one
 * evaluation stays bounded in steps and in bytes built, and fails with a runtime error instead.
 */
const DIALECTS: Dialect[] = ["current", "crowdsec-1.4"];

function failure(source: string, dialect: Dialect, env: Record<string, unknown> = {}): string {
  try {
    compileExpr(source, { dialect }).run(env);
  } catch (e) {
    if (e instanceof ExprRuntimeError) return e.message;
    throw e;
  }
  throw new Error(`${source} did not fail`);
}

describe.each(DIALECTS)("evaluation budgets (%s)", (dialect) => {
  it("gives Go's NOVERB for a width past fmt's limit instead of a 100 MB string", () => {
    const source = "all(1..20, {len(Sprintf('%0100000000d', #)) > 0}) ? 'a' : 'b'";
    expect(compileExpr(source, { dialect }).run({})).toBe("a");
    expect(compileExpr("Sprintf('%0100000000d', 7)", { dialect }).run({})).toBe(
      "%!(NOVERB)%!(EXTRA int=7)",
    );
  });

  it("stops Sprintf building strings past the string budget", () => {
    // 9,999,999 is the widest width Go's fmt accepts: each call builds ~10 MB.
    const source = "all(1..20, {len(Sprintf('%09999999d', #)) > 0})";
    expect(failure(source, dialect)).toContain("memory budget exceeded");
  });

  it("stops repeat and concatenation past the string budget", () => {
    if (dialect === "current") {
      expect(failure("all(1..100, {len(repeat('x', 999999)) > 0})", dialect)).toContain(
        "memory budget exceeded",
      );
    }
    const doubling = "all(1..100, {len(s + s + s + s) > 0})";
    expect(failure(doubling, dialect, { s: "y".repeat(1_000_000) })).toContain(
      "memory budget exceeded",
    );
  });

  it("stops nested loops over an existing array at the iteration budget", () => {
    const a = Array.from({ length: 1000 }, (_, i) => i);
    const source = "all(a, {all(a, {all(a, {# >= 0})})})";
    expect(failure(source, dialect, { a })).toContain("iteration budget exceeded");
  });

  it("still runs loops and strings of a realistic size", () => {
    const a = Array.from({ length: 5000 }, (_, i) => `line-${i}`);
    const line = "z".repeat(STRING_BUDGET / 64);
    expect(compileExpr("any(a, {line contains #})", { dialect }).run({ a, line })).toBe(false);
    expect(ITERATION_BUDGET).toBeGreaterThan(a.length * 100);
  });
});

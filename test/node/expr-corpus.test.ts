import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_HUB_DIR,
  type ExprCase,
  extractHubExpressions,
  loadExprCases,
} from "../../scripts/extract-hub-expressions.js";
import {
  compileExpr,
  createDataFiles,
  ExprError,
  ExprRuntimeError,
} from "../../src/engine/expr/index.js";
import { oracleFor } from "../oracle/crowdsec-config.js";

const HUB = resolve(import.meta.dirname, "../..", DEFAULT_HUB_DIR);

/**
 * Turns YAML data into an env: an object's `$methods` map becomes methods returning the given
 * values (`{GetType: log}`), or looking their argument up (`{GetMeta: {$lookup: {k: v}}}`).
 */
export function buildEnv(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(buildEnv);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k !== "$methods") out[k] = buildEnv(v);
  }
  const methods = (value as { $methods?: Record<string, unknown> }).$methods ?? {};
  for (const [name, result] of Object.entries(methods)) {
    const lookup = (result as { $lookup?: Record<string, unknown> } | null)?.$lookup;
    const fn = lookup ? (key: unknown) => lookup[String(key)] ?? "" : () => result;
    Object.defineProperty(out, name, { value: fn, enumerable: false });
  }
  return out;
}

const cases = loadExprCases(resolve(import.meta.dirname, "../fixtures/expr"));
const hubAvailable = !oracleFor("expr corpus cases that use hub expressions").skip;
const hubExpressions = new Map<string, string>();
if (hubAvailable) {
  for (const item of extractHubExpressions(HUB, [])) {
    for (const use of item.uses) hubExpressions.set(`${use.file}#${use.path}`, item.expr);
  }
} else if (process.env.CI) {
  throw new Error(`hub snapshot missing at ${HUB}: run scripts/fetch-crowdsec.ts`);
}

function sourceOf(spec: ExprCase): string | undefined {
  if (spec.expr !== undefined) return spec.expr;
  return hubExpressions.get(`${spec.hubExpr!.file}#${spec.hubExpr!.path}`);
}

describe("expr case corpus", () => {
  it("has hand-written and hub-derived cases", () => {
    expect(cases.filter((c) => c.spec.expr !== undefined).length).toBeGreaterThan(50);
    expect(cases.filter((c) => c.spec.hubExpr !== undefined).length).toBeGreaterThan(400);
  });

  for (const { name, spec } of cases) {
    const skip = spec.hubExpr !== undefined && !hubAvailable;
    it.skipIf(skip)(`${name}: ${spec.description ?? spec.expr ?? ""}`.slice(0, 160), () => {
      const source = sourceOf(spec);
      expect(source, `hub expression ${JSON.stringify(spec.hubExpr)} not found`).toBeDefined();
      // Every case was checked against the 1.4.6 binary: antonmedv/expr v1.9.0 semantics.
      const options = {
        dataFiles: createDataFiles(spec.dataFiles ?? {}, spec.regexpFiles ?? {}),
        dialect: "crowdsec-1.4" as const,
      };
      const env = buildEnv(spec.env ?? {}) as Record<string, unknown>;
      if (spec.error !== undefined) {
        if (spec.phase === "compile") {
          expect(() => compileExpr(source!, options)).toThrow(ExprError);
          expect(() => compileExpr(source!, options)).toThrow(spec.error);
          return;
        }
        const compiled = compileExpr(source!, options);
        expect(() => compiled.run(env)).toThrow(ExprRuntimeError);
        expect(() => compiled.run(env)).toThrow(spec.error);
        return;
      }
      const result = compileExpr(source!, options).run(env);
      if ("want" in spec) expect(result).toEqual(spec.want);
      if (spec.goFormat !== undefined) {
        const formatted = compileExpr(`Sprintf("%T|%v", (${source}), (${source}))`, options).run(
          env,
        );
        expect(formatted).toBe(spec.goFormat);
      }
    });
  }
});

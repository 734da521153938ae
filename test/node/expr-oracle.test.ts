/**
 * Checks the hand-written expr corpus against the reference: every case whose event the reference
 * can be fed (`evt` with `Line.Raw`, `Parsed`, `Meta`, `Enriched`, `StrTime`) is evaluated by the
 * real CrowdSec 1.4.6 binary (see `runExprOracle`), and its result must be the case's `goFormat`,
 * or its failure the case's `error` at the same phase. Cases marked `oracle: false` are those
 * where Rampart knowingly differs (Go's static type checker, env objects with methods).
 */

import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type ExprCase,
  loadExprCases,
  type OracleCase,
  runExprOracle,
} from "../../scripts/extract-hub-expressions.js";
import { crowdsecInstall, shouldSkipWithoutOracle } from "../oracle/crowdsec-config.js";

const FEEDABLE_LINE_KEYS = new Set(["Raw", "Module", "Labels"]);
const FEEDABLE_EVT_KEYS = new Set(["Line", "Parsed", "Meta", "Enriched", "StrTime"]);

/** The reference input for a case, or null when its env cannot be reproduced there. */
function toOracleCase(spec: ExprCase): OracleCase | null {
  if (spec.expr === undefined || spec.oracle === false) return null;
  const env = (spec.env ?? {}) as { evt?: Record<string, unknown> };
  if (Object.keys(env).some((k) => k !== "evt")) return null;
  const evt = env.evt ?? {};
  if (Object.keys(evt).some((k) => !FEEDABLE_EVT_KEYS.has(k))) return null;
  const line = (evt.Line ?? {}) as { Raw?: string; Module?: string; Labels?: { type?: string } };
  if (Object.keys(line).some((k) => !FEEDABLE_LINE_KEYS.has(k))) return null;
  if (line.Module !== undefined && line.Module !== "file") return null;
  return {
    expr: spec.expr,
    raw: line.Raw,
    labelsType: line.Labels?.type,
    parsed: evt.Parsed as Record<string, string> | undefined,
    meta: evt.Meta as Record<string, string> | undefined,
    enriched: evt.Enriched as Record<string, string> | undefined,
    strTime: evt.StrTime as string | undefined,
    dataFiles: spec.dataFiles,
    regexpFiles: spec.regexpFiles,
    ...(spec.error !== undefined && spec.phase === "compile" ? { mode: "compile" as const } : {}),
  };
}

const skip = shouldSkipWithoutOracle(crowdsecInstall(), "expr reference check");
const cases = loadExprCases(resolve(import.meta.dirname, "../fixtures/expr"))
  .map(({ name, spec }) => ({ name, spec, input: toOracleCase(spec) }))
  .filter((c): c is { name: string; spec: ExprCase; input: OracleCase } => c.input !== null);

describe.skipIf(skip)("expr corpus against CrowdSec 1.4.6", () => {
  it("agrees with the reference binary on every feedable hand-written case", async () => {
    expect(cases.length).toBeGreaterThan(80);
    const results = await runExprOracle(cases.map((c) => c.input));
    const mismatches: string[] = [];
    cases.forEach(({ name, spec }, i) => {
      const got = results[i]!;
      const describe = JSON.stringify(got);
      if (spec.error !== undefined) {
        const message =
          spec.phase === "compile"
            ? "compileError" in got
              ? got.compileError
              : undefined
            : "error" in got
              ? got.error
              : undefined;
        if (message === undefined || !message.includes(spec.error)) {
          mismatches.push(
            `${name}: expected ${spec.phase ?? "run"} error "${spec.error}", reference gave ${describe}`,
          );
        }
      } else if (!("output" in got) || got.output !== spec.goFormat) {
        mismatches.push(`${name}: expected ${spec.goFormat}, reference gave ${describe}`);
      }
    });
    expect(mismatches).toEqual([]);
  }, 300_000);
});

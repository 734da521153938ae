/**
 * Walks `test/fixtures/expr-helpers/*.yaml`: for every helper of the table, cases derived from the
 * current CrowdSec Go source (`pkg/exprhelpers`) and the Go library it wraps. Every table entry
 * must have at least one case, so a helper added to the table without cases fails here.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  CROWDSEC_HELPER_NAMES,
  compileExpr,
  createDataFiles,
  ExprRuntimeError,
  parseMapFileLine,
} from "../../src/engine/expr/index.js";

interface HelperCase {
  expr: string;
  env?: Record<string, unknown>;
  want?: unknown;
  error?: string;
  description?: string;
}

const DIR = resolve(import.meta.dirname, "../fixtures/expr-helpers");

const cases = new Map<string, { file: string; list: HelperCase[] }>();
for (const file of readdirSync(DIR).filter((f) => f.endsWith(".yaml"))) {
  const groups = parse(readFileSync(join(DIR, file), "utf8")) as Record<string, HelperCase[]>;
  for (const [helper, list] of Object.entries(groups)) {
    if (cases.has(helper)) throw new Error(`${helper}: cases in two files`);
    cases.set(helper, { file, list });
  }
}

const TECH_MAP = [
  '{"pattern":"/wp-login.php","tag":"wordpress","type":"equals"}',
  '{"pattern":"phpmyadmin","tag":"phpmyadmin","type":"contains"}',
  '{"pattern":"index.php","tag":"php","type":"contains"}',
  '{"pattern":"\\\\.jsp$","tag":"java","type":"regex"}',
].map((line) => parseMapFileLine("tech.json", line));

const dataFiles = createDataFiles(
  { "list.txt": ["a", "b"] },
  { "ua.regex": ["(?i)^nikto"] },
  {},
  { "tech.json": TECH_MAP },
);

/** YAML to env values: `{ $time: iso }` is a time.Time (a Date). */
function buildEnv(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(buildEnv);
  if (value === null || typeof value !== "object") return value;
  const time = (value as { $time?: string }).$time;
  if (time !== undefined) return new Date(time);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, buildEnv(v)]));
}

describe("expr helper fixtures", () => {
  it("cover every helper of the table, and only those", () => {
    expect([...cases.keys()].sort()).toEqual([...CROWDSEC_HELPER_NAMES].sort());
  });

  for (const [helper, { file, list }] of cases) {
    for (const [i, spec] of list.entries()) {
      const title = `${file} ${helper}#${i}: ${spec.description ?? spec.expr}`.slice(0, 150);
      it(title, () => {
        const compiled = compileExpr(spec.expr, { dataFiles });
        const env = buildEnv(spec.env ?? {}) as Record<string, unknown>;
        if (spec.error !== undefined) {
          expect(() => compiled.run(env)).toThrow(ExprRuntimeError);
          expect(() => compiled.run(env)).toThrow(spec.error);
          return;
        }
        expect(compiled.run(env)).toEqual(spec.want);
      });
    }
  }
});

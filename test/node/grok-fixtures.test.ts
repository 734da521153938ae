/**
 * Differential grok cases: each folder of `test/fixtures/grok/` holds a grok expression, one input
 * line and the captures CrowdSec 1.4.6 produced for them (`want.json`, regenerated from the
 * reference binary by `test/fixtures/grok/regenerate-wants.ts`). A new case is a new folder.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type CompiledGrok,
  compileGrok,
  compileNamedGrok,
  loadPatterns,
  type PatternLibrary,
} from "../../src/engine/grok/index";
import { type FixtureCase, readCase, resolveHubGrok } from "../fixtures/grok/fixture-case";
import { oracleFor } from "../oracle/crowdsec-config.js";

const oracle = oracleFor("grok fixture cases");
const ROOT = oracle.install.root;
const PATTERN_DIR = join(ROOT, "etc/crowdsec/patterns");
const HUB = join(ROOT, "usr/share/crowdsec/hub");
const CASES = join(import.meta.dirname, "../fixtures/grok");

const caseDirs = readdirSync(CASES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(CASES, entry.name))
  .sort();

let library: PatternLibrary | undefined;
function baseLibrary(): PatternLibrary {
  if (library === undefined) {
    const files: Record<string, string> = {};
    for (const name of readdirSync(PATTERN_DIR)) {
      files[name] = readFileSync(join(PATTERN_DIR, name), "utf8");
    }
    library = loadPatterns(files);
  }
  return library;
}

function compileCase(fixture: FixtureCase): CompiledGrok {
  if (fixture.hub === undefined) {
    return compileGrok(fixture.pattern, baseLibrary().with(fixture.syntax));
  }
  const hub = resolveHubGrok(HUB, fixture.hub);
  const scoped = baseLibrary().with({ ...hub.syntax, ...fixture.syntax });
  return hub.grok.name !== undefined
    ? compileNamedGrok(hub.grok.name, scoped)
    : compileGrok(hub.grok.pattern ?? "", scoped);
}

describe.skipIf(oracle.skip)("grok fixture cases (CrowdSec 1.4.6 captures)", () => {
  it("has at least 30 cases, each with a reference want.json", () => {
    expect(caseDirs.length).toBeGreaterThanOrEqual(30);
    for (const dir of caseDirs) expect(readCase(dir).want, dir).not.toBeUndefined();
  });

  for (const dir of caseDirs) {
    const fixture = readCase(dir);
    it(`${fixture.name}: captures equal CrowdSec's`, () => {
      const got = compileCase(fixture).match(fixture.input);
      expect(got === null ? null : { ...got }).toEqual(fixture.want);
    });
  }
});

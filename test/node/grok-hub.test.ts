/**
 * Every grok of every parser in the Debian hub snapshot compiles: inline `grok.pattern`, library
 * references `grok.name`, and every `pattern_syntax` definition, with the library built the way
 * CrowdSec 1.4.6 builds it (base + patterns/ files, then pattern_syntax in load order, first wins).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  compileGrok,
  compileNamedGrok,
  loadPatterns,
  type PatternLibrary,
} from "../../src/engine/grok/index";
import { oracleFor } from "../oracle/crowdsec-config.js";

const oracle = oracleFor("hub snapshot groks");
const ROOT = oracle.install.root;
const PATTERN_DIR = join(ROOT, "etc/crowdsec/patterns");
const HUB = join(ROOT, "usr/share/crowdsec/hub");

interface ParserNode {
  pattern_syntax?: Record<string, string>;
  grok?: { pattern?: string; name?: string };
  nodes?: ParserNode[];
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".yaml"))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function patternFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(PATTERN_DIR))
    files[name] = readFileSync(join(PATTERN_DIR, name), "utf8");
  return files;
}

interface Outcome {
  groks: number;
  syntaxDefinitions: number;
  failures: string[];
  withoutSemantics: string[];
}

/** Walks parser files in order, growing one library as CrowdSec does, compiling every grok. */
function compileAll(dir: string): Outcome {
  let library: PatternLibrary = loadPatterns(patternFiles());
  const outcome: Outcome = { groks: 0, syntaxDefinitions: 0, failures: [], withoutSemantics: [] };
  const visit = (where: string, node: ParserNode) => {
    for (const [name, definition] of Object.entries(node.pattern_syntax ?? {})) {
      outcome.syntaxDefinitions += 1;
      try {
        library = library.with({ [name]: definition });
      } catch (error) {
        outcome.failures.push(`${where} pattern_syntax ${name}: ${(error as Error).message}`);
      }
    }
    const grok = node.grok;
    if (grok?.pattern !== undefined || grok?.name !== undefined) {
      outcome.groks += 1;
      try {
        const compiled =
          grok.name !== undefined
            ? compileNamedGrok(grok.name, library)
            : compileGrok(grok.pattern as string, library);
        if (compiled.fields.length === 0) outcome.withoutSemantics.push(where);
      } catch (error) {
        outcome.failures.push(`${where} grok: ${(error as Error).message}`);
      }
    }
    for (const child of node.nodes ?? []) visit(where, child);
  };
  for (const file of yamlFiles(dir)) {
    const docs = parseAllDocuments(readFileSync(file, "utf8"));
    docs.forEach((doc, i) => {
      const node = doc.toJS() as ParserNode | null;
      if (node) visit(`${relative(HUB, file)}#${i}`, node);
    });
  }
  return outcome;
}

describe.skipIf(oracle.skip)("hub snapshot groks", () => {
  let parsers: Outcome | undefined;
  const parserOutcome = () => {
    parsers ??= compileAll(join(HUB, "parsers"));
    return parsers;
  };

  it("compiles every grok and pattern_syntax of every hub parser", () => {
    const outcome = parserOutcome();
    expect(outcome.failures).toEqual([]);
    // 149 inline + 36 named groks and 152 pattern_syntax definitions in the 1.4.6 Debian hub.
    expect(outcome.groks).toBe(185);
    expect(outcome.syntaxDefinitions).toBe(152);
  }, 120_000);

  it("finds only mssql-logs' two semantic-less groks, which can never succeed in CrowdSec either", () => {
    expect(parserOutcome().withoutSemantics).toEqual([
      "parsers/s01-parse/crowdsecurity/mssql-logs.yaml#0",
      "parsers/s01-parse/crowdsecurity/mssql-logs.yaml#0",
    ]);
  }, 120_000);

  it("compiles every grok of the hub postoverflows", () => {
    expect(compileAll(join(HUB, "postoverflows")).failures).toEqual([]);
  }, 60_000);
});

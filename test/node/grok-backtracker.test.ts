/**
 * The bounded backtracker must return exactly what re2js's NFA returns (both implement Go's
 * leftmost-first submatch semantics). Checked on every grok of the hub snapshot (fully expanded,
 * all groups capturing) against realistic lines — the team's fixture logs, their syslog message
 * parts — and a few adversarial strings.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { createBacktracker } from "../../src/engine/grok/backtracker";
import {
  compileGrok,
  compileNamedGrok,
  loadPatterns,
  type PatternLibrary,
} from "../../src/engine/grok/index";
import { oracleFor } from "../oracle/crowdsec-config.js";

const oracle = oracleFor("grok backtracker on hub patterns");
const ROOT = oracle.install.root;
const PATTERN_DIR = join(ROOT, "etc/crowdsec/patterns");
const HUB = join(ROOT, "usr/share/crowdsec/hub");
const LOGS = join(import.meta.dirname, "../fixtures/logs");

interface ParserNode {
  pattern_syntax?: Record<string, string>;
  grok?: { pattern?: string; name?: string };
  nodes?: ParserNode[];
}

/** The expanded regex of every hub grok, in load order. */
function hubRegexes(): string[] {
  const files: Record<string, string> = {};
  for (const name of readdirSync(PATTERN_DIR))
    files[name] = readFileSync(join(PATTERN_DIR, name), "utf8");
  let library: PatternLibrary = loadPatterns(files);
  const out = new Set<string>();
  const visit = (node: ParserNode) => {
    if (node.pattern_syntax) library = library.with(node.pattern_syntax);
    if (node.grok?.name !== undefined) out.add(compileNamedGrok(node.grok.name, library).regex);
    else if (node.grok?.pattern !== undefined)
      out.add(compileGrok(node.grok.pattern, library).regex);
    for (const child of node.nodes ?? []) visit(child);
  };
  const dir = join(HUB, "parsers");
  const paths = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".yaml"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const path of paths) {
    for (const doc of parseAllDocuments(readFileSync(path, "utf8"))) {
      const node = doc.toJS() as ParserNode | null;
      if (node) visit(node);
    }
  }
  return [...out];
}

/** Every 8th fixture log line, its syslog message part, and adversarial strings. */
function inputs(library: PatternLibrary): string[] {
  const syslog = compileGrok("^%{SYSLOGLINE}", library);
  const lines = readdirSync(LOGS)
    .filter((name) => name.endsWith(".log"))
    .sort()
    .flatMap((name) => readFileSync(join(LOGS, name), "utf8").split("\n"))
    .filter((_, i) => i % 8 === 0);
  const messages = lines.map((line) => syslog.match(line)?.message ?? "");
  const hostile = [
    `Jan  1 00:00:00 ${Array(24).fill("a").join(".")}`,
    `"${"ab\\\\".repeat(200)}`,
    "",
    " ".repeat(300),
    "😀 ünïcode \ud800 \ufffd",
  ];
  return [...new Set([...lines, ...messages, ...hostile])];
}

describe.skipIf(oracle.skip)("backtracker vs re2js NFA on hub groks", () => {
  it("returns identical capture offsets, anchored and unanchored, for every hub grok on fixture lines", () => {
    const files: Record<string, string> = {};
    for (const name of readdirSync(PATTERN_DIR))
      files[name] = readFileSync(join(PATTERN_DIR, name), "utf8");
    const lines = inputs(loadPatterns(files));
    const regexes = hubRegexes();
    expect(regexes.length).toBeGreaterThan(150);
    let compared = 0;
    let matched = 0;
    const differences: string[] = [];
    for (const source of regexes) {
      for (const anchored of [true, false]) {
        const regex = RE2JS.compile(anchored ? `^(?:${source})` : source);
        const search = createBacktracker(regex, 1 << 26, anchored);
        if (search === undefined) {
          differences.push(`no backtracker for ${source.slice(0, 80)}`);
          continue;
        }
        const nfa = regex.re2();
        // Unanchored searches are checked on every other line: the NFA reference is slow there.
        for (const line of anchored ? lines : lines.filter((_, i) => i % 2 === 0)) {
          const got = search(line);
          // Above the visited-bits budget the engine uses the NFA itself: nothing to compare.
          if (got === undefined) continue;
          const want = nfa.findSubmatchIndex(line);
          compared += 1;
          if (want !== null) matched += 1;
          const same =
            got === null ? want === null : want !== null && [...got].join() === want.join();
          if (!same) {
            differences.push(
              `${anchored ? "^" : ""}${source.slice(0, 60)} on ${line.slice(0, 40)} (${line.length}): ${got?.join()} vs ${want?.join()}`,
            );
          }
        }
      }
    }
    expect(differences).toEqual([]);
    expect(compared).toBeGreaterThan(50_000);
    expect(matched).toBeGreaterThan(1_000);
  }, 600_000);
});

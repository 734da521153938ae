/**
 * Differential runs of the real cscli: the same command against the real LAPI and against
 * Rampart, rendered as masked transcripts that can be compared line by line.
 */
import { appendFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { repoRoot } from "./crowdsec-config.js";
import type { Cscli } from "./cscli.js";
import type { LapiTarget } from "./lapi-target.js";
import { normalizeCscliStdout, normalizeText, type Replacements } from "./normalize.js";
import type { CommandResult } from "./processes.js";

/** One LAPI with the cscli pointed at it and per-side facts (ids) the scenario collects. */
export interface Side {
  readonly target: LapiTarget;
  readonly cscli: Cscli;
  readonly replacements: Replacements;
  /** Scenario state that legitimately differs per side, e.g. an alert id. */
  readonly facts: Map<string, string>;
}

/** Builds a side; the URL (with its port) and the cscli directory are masked in transcripts. */
export function makeSide(target: LapiTarget, cscli: Cscli): Side {
  const base = target.url.replace(/\/$/, "");
  return {
    target,
    cscli,
    replacements: [
      [cscli.dir, "<cscli-dir>"],
      [base, "<lapi>"],
      [base.replace("http://", ""), "<lapi-host>"],
    ],
    facts: new Map(),
  };
}

/** A finished command rendered with everything run-specific masked. */
export function transcript(label: string, result: CommandResult, side: Side): string {
  return [
    `$ cscli ${label}`,
    `exit: ${result.code}`,
    "--- stdout",
    normalizeCscliStdout(result.stdout, side.replacements),
    "--- stderr",
    normalizeText(result.stderr, side.replacements).trimEnd(),
  ].join("\n");
}

/**
 * A compact description of how `got` differs from `expected` (first `max` differing lines with
 * their numbers), or `""` when equal. Used instead of a full diff for very large outputs.
 */
export function lineDifferences(expected: string, got: string, max = 15): string {
  if (expected === got) return "";
  const a = expected.split("\n");
  const b = got.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < max; i++) {
    if (a[i] !== b[i])
      out.push(`line ${i + 1}\n  expected: ${a[i] ?? "<none>"}\n  got:      ${b[i] ?? "<none>"}`);
  }
  if (a.length !== b.length) out.push(`line count: expected ${a.length}, got ${b.length}`);
  return out.join("\n");
}

/** Empties `test-artifacts/<name>.md` at the start of a run. */
export function resetMismatches(name: string): void {
  rmSync(join(repoRoot(), "test-artifacts", `${name}.md`), { force: true });
}

/** Appends a mismatch to `test-artifacts/<name>.md` (git-ignored) for the human report. */
export function recordMismatch(name: string, title: string, expected: string, got: string): void {
  const file = join(repoRoot(), "test-artifacts", `${name}.md`);
  mkdirSync(dirname(file), { recursive: true });
  const body =
    expected.length + got.length > 40_000
      ? lineDifferences(expected, got, 40)
      : `expected (real CrowdSec 1.4.6):\n${expected}\n\ngot (Rampart):\n${got}`;
  appendFileSync(file, `\n## ${title}\n\n\`\`\`\n${body}\n\`\`\`\n`);
}

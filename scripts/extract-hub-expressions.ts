/**
 * Lists every distinct expr expression found in a CrowdSec hub directory (parsers, scenarios,
 * postoverflows) and in extra YAML files such as `profiles.yaml`.
 *
 * Usage: `node --import tsx scripts/extract-hub-expressions.ts [hubDir] [extra.yaml ...]`
 * (defaults to the Debian 1.4.6 snapshot under `.cache/crowdsec/root`). Prints one JSON object per
 * distinct expression: `{ expr, uses: [{ file, path }] }`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";

/** One place an expression is written. */
export interface ExpressionUse {
  file: string;
  /** YAML path, e.g. `nodes[1].statics[0].expression`. */
  path: string;
}

/** A distinct expression and every place it appears. */
export interface HubExpression {
  expr: string;
  uses: ExpressionUse[];
}

/** Keys whose string value (or list of strings) is an expr expression in CrowdSec 1.4.6 content. */
const EXPRESSION_KEYS = new Set([
  "filter",
  "filters",
  "expression",
  "groupby",
  "distinct",
  "overflow_filter",
  "cancel_on",
  "duration_expr",
  "condition",
]);

/** Directories of a hub that hold items with expressions. */
const HUB_ITEM_DIRS = ["parsers", "scenarios", "postoverflows"];

/** The Debian CrowdSec 1.4.6 snapshot unpacked by the project's oracle setup. */
export const DEFAULT_HUB_DIR = ".cache/crowdsec/root/usr/share/crowdsec/hub";
/** Config files outside the hub that hold expressions (LAPI profiles). */
export const DEFAULT_EXTRA_FILES = [".cache/crowdsec/root/etc/crowdsec/profiles.yaml"];

function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...yamlFilesUnder(full));
    else if (/\.ya?ml$/.test(name)) out.push(full);
  }
  return out;
}

function collect(node: unknown, path: string, file: string, found: Map<string, ExpressionUse[]>) {
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      collect(item, `${path}[${i}]`, file, found);
    });
    return;
  }
  if (node === null || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const here = path ? `${path}.${key}` : key;
    if (EXPRESSION_KEYS.has(key)) {
      const values = Array.isArray(value) ? value : [value];
      values.forEach((v, i) => {
        if (typeof v !== "string") return;
        const at = Array.isArray(value) ? `${here}[${i}]` : here;
        const uses = found.get(v) ?? [];
        uses.push({ file, path: at });
        found.set(v, uses);
      });
    }
    if (typeof value === "object") collect(value, here, file, found);
  }
}

/** Reads the hub (and the extra files) and returns the distinct expressions in first-seen order. */
export function extractHubExpressions(
  hubDir: string = DEFAULT_HUB_DIR,
  extraFiles: readonly string[] = DEFAULT_EXTRA_FILES,
): HubExpression[] {
  const files = [
    ...HUB_ITEM_DIRS.flatMap((d) => {
      const dir = join(hubDir, d);
      try {
        return yamlFilesUnder(dir);
      } catch {
        return [];
      }
    }),
    ...extraFiles,
  ];
  const found = new Map<string, ExpressionUse[]>();
  for (const file of files) {
    const docs = parseAllDocuments(readFileSync(file, "utf8"));
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, i) => {
      const name = relative(hubDir, file).startsWith("..") ? file : relative(hubDir, file);
      collect(doc.toJS(), list.length > 1 ? `doc${i}` : "", name, found);
    });
  }
  return [...found].map(([expr, uses]) => ({ expr, uses }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [hubDir, ...extra] = process.argv.slice(2);
  const list = extractHubExpressions(hubDir ?? DEFAULT_HUB_DIR, extra.length ? extra : undefined);
  for (const item of list) process.stdout.write(`${JSON.stringify(item)}\n`);
  process.stderr.write(`${list.length} distinct expressions\n`);
}

/**
 * Hub load report: loads **every** parser, postoverflow and scenario a hub's `.index.json` lists,
 * with the compiler and checks the agent itself uses, and prints how many load (a scenario file
 * counts only when every document compiled; the documents compiled are counted too), the item
 * kinds skipped (AppSec, contexts), each item that did not load (with the reasons) and every
 * warning.
 *
 *   node --import tsx agent/hub/hub-report.ts [crowdsec-root | hub-dir]
 *
 * A directory holding `.index.json` is a hub checkout with `data/` and `patterns/` beside it (the
 * shared `crowdsec-hub` snapshot: `hub/`, `data/`, `patterns/`); anything else is a Debian root
 * (default: `.cache/crowdsec/root`, the 1.4.6 oracle). Exit code 1 when an item failed to load.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { defaultCompilerFactory } from "../../src/engine/hub/expr-compiler.js";
import {
  describeSkipped,
  type HubLoadReport,
  loadHub,
  readHubIndex,
} from "../../src/engine/hub/hub-loader.js";
import { describeMissing } from "../../src/engine/hub/load-problem.js";
import { debianDirectories, type HubDirectories, hubSourceFromDirectories } from "./hub-fs.js";

/** Loads every item of the hub in `dirs`. */
export function buildHubReport(dirs: HubDirectories): HubLoadReport {
  const source = hubSourceFromDirectories(dirs);
  return loadHub(source, readHubIndex(source), {
    selection: "every",
    compilerFactory: defaultCompilerFactory,
  }).report;
}

/** The directories of a hub checkout at `hubDir`, or of the Debian install under `root`. */
export function reportDirectories(path: string): HubDirectories {
  if (!existsSync(join(path, ".index.json"))) return debianDirectories(path);
  const parent = dirname(path);
  return { hubDir: path, dataDir: join(parent, "data"), patternsDir: join(parent, "patterns") };
}

/**
 * Human-readable report: per-type totals (items whose every document compiled, and the documents
 * — nodes or scenarios — compiled overall), skipped kinds, names the index lacks, failures and
 * warnings.
 */
export function formatHubReport(report: HubLoadReport): string {
  const out: string[] = [];
  for (const type of ["parsers", "postoverflows", "scenarios"] as const) {
    const items = report.items.filter((item) => item.type === type);
    const loaded = items.filter((item) => item.status === "loaded").length;
    const documents = items.reduce((n, item) => n + item.loaded, 0);
    const pct = items.length === 0 ? 100 : (100 * loaded) / items.length;
    const unit = type === "scenarios" ? "scenarios" : "nodes";
    out.push(
      `${type}: ${loaded}/${items.length} loaded (${pct.toFixed(1)}%), ${documents} ${unit} compiled`,
    );
  }
  out.push(...describeSkipped(report.skipped ?? []));
  for (const m of report.missing) {
    out.push(`MISSING ${describeMissing(m)}`);
  }
  for (const item of report.items) {
    if (item.status === "loaded") continue;
    out.push(`${item.status.toUpperCase()} ${item.type} ${item.name} (${item.path})`);
    for (const p of item.problems) {
      out.push(`  doc ${p.document} ${p.name ? `${p.name} ` : ""}[${p.kind}] ${p.reason}`);
    }
  }
  for (const item of report.items) {
    for (const warning of item.warnings) out.push(`warning ${item.type} ${item.name}: ${warning}`);
  }
  return out.join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const root = resolve(
    process.argv[2] ?? resolve(import.meta.dirname, "../../.cache/crowdsec/root"),
  );
  const report = buildHubReport(reportDirectories(root));
  console.log(formatHubReport(report));
  if (report.items.some((item) => item.status !== "loaded")) process.exitCode = 1;
}

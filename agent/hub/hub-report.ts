/**
 * Hub load report: loads **every** parser, postoverflow and scenario a hub's `.index.json` lists
 * and prints how many load, then each item that did not (with the reasons) and every warning.
 *
 *   node --import tsx agent/hub/hub-report.ts [crowdsec-root]   # default: .cache/crowdsec/root
 *
 * Exit code 1 when an item failed to load.
 */
import { resolve } from "node:path";
import { defaultCompilerFactory } from "../../src/engine/hub/expr-compiler.js";
import { type HubLoadReport, loadHub, readHubIndex } from "../../src/engine/hub/hub-loader.js";
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

/** Human-readable report: per-type totals, then names the index lacks, failures and warnings. */
export function formatHubReport(report: HubLoadReport): string {
  const out: string[] = [];
  for (const type of ["parsers", "postoverflows", "scenarios"] as const) {
    const items = report.items.filter((item) => item.type === type);
    const loaded = items.filter((item) => item.status === "loaded").length;
    const pct = items.length === 0 ? 100 : (100 * loaded) / items.length;
    out.push(`${type}: ${loaded}/${items.length} loaded (${pct.toFixed(1)}%)`);
  }
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
  const report = buildHubReport(debianDirectories(root));
  console.log(formatHubReport(report));
  if (report.items.some((item) => item.status !== "loaded")) process.exitCode = 1;
}

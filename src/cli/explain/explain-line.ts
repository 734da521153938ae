/**
 * What `cscli explain` shows, computed with the engine: the enabled parsers run on each line with
 * a per-node trace (which nodes succeeded and which fields each added or changed), then every
 * enabled scenario's `filter` is evaluated on the parsed event to tell which buckets it would pour
 * into. Mirrors cscli 1.4.6 explain (crowdsec `-dump-data` + cmd/crowdsec-cli/explain.go).
 */

import type { CompiledScenario } from "../../engine/buckets/compile.js";
import { newLogEvent, type PipelineEvent } from "../../engine/event.js";
import type { Pipeline } from "../../engine/parser/pipeline.js";

/** A field a node created (map key), updated, or deleted — cscli's `-v` lines. */
export interface FieldChange {
  kind: "create" | "update" | "delete";
  field: string;
  /** The previous value for updates. */
  from?: string;
  value: string;
}

/** One top-level parser node's result on the line. */
export interface NodeStep {
  stage: string;
  node: string;
  success: boolean;
  changes: FieldChange[];
}

/** The explanation of one line. */
export interface LineExplanation {
  line: string;
  steps: NodeStep[];
  /** The parsers accepted the event (`Process`) and no whitelist dropped it. */
  parsed: boolean;
  whitelisted: boolean;
  error: string | null;
  /** Scenarios whose filter is true on the parsed event, sorted by name. */
  pours: string[];
  /** Scenarios whose filter failed at run time (name → message). */
  scenarioErrors: { scenario: string; error: string }[];
}

/** Map entries (created when new) and struct fields (always there, so only ever updated). */
interface Snapshot {
  maps: Map<string, string>;
  fields: Map<string, string>;
}

function snapshot(evt: PipelineEvent): Snapshot {
  const maps = new Map<string, string>();
  for (const [prefix, map] of [
    ["evt.Parsed", evt.Parsed],
    ["evt.Meta", evt.Meta],
    ["evt.Enriched", evt.Enriched],
  ] as const) {
    for (const key of Object.keys(map)) maps.set(`${prefix}.${key}`, map[key]!);
  }
  const fields = new Map<string, string>([
    ["evt.Stage", evt.Stage],
    ["evt.StrTime", evt.StrTime],
    ["evt.StrTimeFormat", evt.StrTimeFormat],
    ["evt.MarshaledTime", evt.MarshaledTime],
    ["evt.Whitelisted", String(evt.Whitelisted)],
    ["evt.WhitelistReason", evt.WhitelistReason],
  ]);
  return { maps, fields };
}

/** Go's `types.Event` field order, which is the order cscli's diff lists changes in. */
const FIELD_ORDER = [
  "evt.Whitelisted",
  "evt.WhitelistReason",
  "evt.Stage",
  "evt.Parsed.",
  "evt.Enriched.",
  "evt.StrTime",
  "evt.StrTimeFormat",
  "evt.MarshaledTime",
  "evt.Meta.",
];

function rank(field: string): number {
  return FIELD_ORDER.findIndex((f) => (f.endsWith(".") ? field.startsWith(f) : field === f));
}

/** What changed between two snapshots, in `types.Event` order (map keys sorted). */
function diff(before: Snapshot, after: Snapshot): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [field, value] of after.maps) {
    const old = before.maps.get(field);
    if (old === undefined) changes.push({ kind: "create", field, value });
    else if (old !== value) changes.push({ kind: "update", field, from: old, value });
  }
  for (const field of before.maps.keys()) {
    if (!after.maps.has(field)) changes.push({ kind: "delete", field, value: "" });
  }
  for (const [field, value] of after.fields) {
    const old = before.fields.get(field)!;
    if (old !== value) changes.push({ kind: "update", field, from: old, value });
  }
  return changes.sort(
    (a, b) => rank(a.field) - rank(b.field) || (a.field < b.field ? -1 : a.field > b.field ? 1 : 0),
  );
}

/** Runs `line` (of log type `type`) through `parsers` and `scenarios`. */
export function explainLine(
  line: string,
  type: string,
  parsers: Pipeline,
  scenarios: readonly Pick<CompiledScenario, "name" | "filter">[],
  now: Date,
): LineExplanation {
  const evt = newLogEvent({
    Raw: line,
    Src: "rampart-explain",
    Module: "file",
    Labels: { type },
    Process: true,
  });
  const steps: NodeStep[] = [];
  let last = snapshot(evt);
  const outcome = parsers.parse(evt, {
    now,
    trace: (stage, node, event, success) => {
      const current = snapshot(event);
      steps.push({
        stage,
        node: node.name || "(unnamed)",
        success,
        changes: success ? diff(last, current) : [],
      });
      last = current;
    },
  });
  const parsed = outcome.process && !evt.Whitelisted;
  const pours: string[] = [];
  const scenarioErrors: LineExplanation["scenarioErrors"] = [];
  if (parsed) {
    for (const s of scenarios) {
      try {
        if (s.filter.run({ evt }) === true) pours.push(s.name);
      } catch (error) {
        scenarioErrors.push({ scenario: s.name, error: (error as Error).message.split("\n")[0]! });
      }
    }
  }
  return {
    line,
    steps,
    parsed,
    whitelisted: evt.Whitelisted,
    error: outcome.error,
    pours,
    scenarioErrors,
  };
}

/** The "(+2 ~1)" summary of a node, as cscli 1.4.6 prints it. */
function summary(step: NodeStep, first: boolean): string {
  if (!step.success) return "";
  if (first) return " (first_parser)";
  const counts = (["create", "update", "delete"] as const)
    .map((kind, i) => {
      const n = step.changes.filter((c) => c.kind === kind).length;
      return n ? `${["+", "~", "-"][i]}${n}` : "";
    })
    .filter(Boolean);
  const whitelisted = step.changes.some((c) => c.field === "evt.Whitelisted" && c.value === "true");
  if (counts.length === 0) return " (unchanged)";
  return ` (${counts.join(" ")}${whitelisted ? " [whitelisted]" : ""})`;
}

/**
 * cscli 1.4.6's tree (cmd/crowdsec-cli/utils.go ShowParserResult): per stage its nodes with a
 * change summary; `-v` adds one `create`/`update`/`delete` line per changed field.
 */
export function renderExplanation(e: LineExplanation, verbose: boolean): string {
  const out: string[] = [`line: ${e.line}`];
  const stages = [...new Set(e.steps.map((s) => s.stage))];
  stages.forEach((stage, si) => {
    out.push(`\t├ ${stage}`);
    const steps = e.steps.filter((s) => s.stage === stage);
    steps.forEach((s, i) => {
      const branch = i === steps.length - 1 ? "└" : "├";
      const first = si === 0 && i === 0;
      out.push(`\t|\t${branch} ${s.success ? "🟢" : "🔴"} ${s.node}${summary(s, first)}`);
      if (verbose && s.success && !first) {
        for (const c of s.changes) {
          // cscli 1.4.6 formats the old value with %s, so a bool prints as Go's `%!s(bool=false)`.
          const from = c.field === "evt.Whitelisted" ? `%!s(bool=${c.from})` : c.from;
          const detail =
            c.kind === "update" ? `${from} -> ${c.value}` : c.kind === "create" ? c.value : "";
          out.push(`\t|\t\t${branch} ${c.kind} ${c.field} : ${detail}`);
        }
      }
    });
  });
  if (e.error) out.push(`\t└-------- parser error 🔴 ${e.error}`);
  else if (!e.parsed) out.push("\t└-------- parser failure 🔴");
  else {
    out.push("\t├-------- parser success 🟢");
    out.push("\t├ Scenarios");
    e.pours.forEach((name, i) => {
      out.push(`\t\t${i === e.pours.length - 1 ? "└" : "├"} 🟢 ${name}`);
    });
    for (const s of e.scenarioErrors) out.push(`\t\t! ${s.scenario}: ${s.error}`);
  }
  return `${out.join("\n")}\n`;
}

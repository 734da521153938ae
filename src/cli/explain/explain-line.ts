/**
 * What `cscli explain` shows, computed with the engine: the enabled parsers run on each line with
 * a per-node trace (which nodes succeeded and which fields each added or changed), then every
 * enabled scenario's `filter` is evaluated on the parsed event to tell which buckets it would pour
 * into. Mirrors cscli 1.4.6 explain (crowdsec `-dump-data` + cmd/crowdsec-cli/explain.go).
 */
import { newLogEvent, type PipelineEvent } from "../../engine/event.js";
import type { ScenarioSummary } from "../../engine/hub/scenario-check.js";
import type { Pipeline } from "../../engine/parser/pipeline.js";

/** A field a node added (`+`) or changed (`~`). */
export interface FieldChange {
  kind: "+" | "~" | "-";
  field: string;
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
  /** Scenarios whose filter is true on the parsed event. */
  pours: string[];
  /** Scenarios whose filter failed at run time (name → message). */
  scenarioErrors: { scenario: string; error: string }[];
}

type Snapshot = Record<string, string>;

function snapshot(evt: PipelineEvent): Snapshot {
  const out: Snapshot = {};
  for (const [prefix, map] of [
    ["evt.Parsed", evt.Parsed],
    ["evt.Meta", evt.Meta],
    ["evt.Enriched", evt.Enriched],
  ] as const) {
    for (const key of Object.keys(map)) out[`${prefix}.${key}`] = map[key]!;
  }
  if (evt.StrTime) out["evt.StrTime"] = evt.StrTime;
  if (evt.Whitelisted) out["evt.Whitelisted"] = "true";
  return out;
}

function diff(before: Snapshot, after: Snapshot): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [field, value] of Object.entries(after)) {
    if (!(field in before)) changes.push({ kind: "+", field, value });
    else if (before[field] !== value) changes.push({ kind: "~", field, value });
  }
  for (const field of Object.keys(before))
    if (!(field in after)) changes.push({ kind: "-", field, value: "" });
  return changes;
}

/** Runs `line` (of log type `type`) through `parsers` and `scenarios`. */
export function explainLine(
  line: string,
  type: string,
  parsers: Pipeline,
  scenarios: readonly ScenarioSummary[],
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

/** cscli's tree rendering (`-v` lists each changed field under its node). */
export function renderExplanation(e: LineExplanation, verbose: boolean): string {
  const out: string[] = [`line: ${e.line}`];
  const stages = [...new Set(e.steps.map((s) => s.stage))];
  for (const stage of stages) {
    out.push(`\t├ ${stage}`);
    const steps = e.steps.filter((s) => s.stage === stage);
    steps.forEach((s, i) => {
      const branch = i === steps.length - 1 ? "└" : "├";
      const adds = s.changes.filter((c) => c.kind === "+").length;
      const mods = s.changes.filter((c) => c.kind === "~").length;
      const counts = [adds ? `+${adds}` : "", mods ? `~${mods}` : ""].filter(Boolean).join(" ");
      out.push(
        `\t|\t${branch} ${s.success ? "🟢" : "🔴"} ${s.node}${counts ? ` (${counts})` : ""}`,
      );
      if (verbose) {
        for (const c of s.changes) out.push(`\t|\t\t${c.kind} ${c.field} : ${c.value}`);
      }
    });
  }
  if (e.error) out.push(`\t├-------- parser error 🔴 ${e.error}`);
  else if (e.whitelisted) out.push("\t├-------- parser success, ignored by whitelist 🟢");
  else out.push(`\t├-------- parser ${e.parsed ? "success 🟢" : "failure 🔴"}`);
  if (e.parsed) {
    out.push("\t├ Scenarios");
    if (e.pours.length === 0) out.push("\t\t└ (no scenario would pour)");
    e.pours.forEach((name, i) => {
      out.push(`\t\t${i === e.pours.length - 1 ? "└" : "├"} 🟢 ${name}`);
    });
    for (const s of e.scenarioErrors) out.push(`\t\t! ${s.scenario}: ${s.error}`);
  }
  return `${out.join("\n")}\n`;
}

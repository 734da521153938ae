import { BUCKET_TYPES } from "../buckets/compile.js";
import { type ScenarioConfig, scenarioConfigSchema } from "../buckets/config.js";
import { type LoadProblem, satisfiesFormat } from "../parser/load.js";
import type { CompileScope, RunnableExpr } from "../parser/scope.js";
import { decodeYamlDocuments, describeZodError } from "../parser/yaml-documents.js";

/** 1.4.6 `cwversion.Constraint_scenario`: `>= 1.0, < 3.0`. */
export const SCENARIO_FORMAT = { min: 1, max: 3, maxInclusive: false } as const;

/** A scenario whose expressions compiled; the bucket engine (later issue) builds on this. */
export interface ScenarioSummary {
  path: string;
  name: string;
  type: string;
  filter: RunnableExpr;
  groupby: RunnableExpr | null;
  distinct: RunnableExpr | null;
  config: ScenarioConfig;
}

/** Decodes and checks the documents of one scenario file (see `scenarioConfigSchema`). */
export function loadScenarioSource(
  source: { path: string; content: string },
  scope: CompileScope,
): { scenarios: ScenarioSummary[]; problems: LoadProblem[] } {
  const scenarios: ScenarioSummary[] = [];
  const problems: LoadProblem[] = [];
  let docs: unknown[];
  try {
    docs = decodeYamlDocuments(source.content);
  } catch (error) {
    problems.push({
      path: source.path,
      document: 0,
      name: "",
      kind: "yaml",
      reason: (error as Error).message,
    });
    return { scenarios, problems };
  }
  for (const [index, doc] of docs.entries()) {
    if (doc === null) continue;
    const rawName = String((doc as Record<string, unknown>)?.name ?? "");
    const problem = (kind: LoadProblem["kind"], reason: string) => {
      problems.push({ path: source.path, document: index + 1, name: rawName, kind, reason });
    };
    const parsed = scenarioConfigSchema.safeParse(doc);
    if (!parsed.success) {
      problem("schema", describeZodError(parsed.error));
      continue;
    }
    const config = parsed.data;
    if (config.name === "") {
      problem("schema", "nameless bucket");
      continue;
    }
    if (!satisfiesFormat(config.format, SCENARIO_FORMAT)) {
      problem("format", `format ${config.format} doesn't satisfy scenario format`);
      continue;
    }
    if (!(BUCKET_TYPES as readonly string[]).includes(config.type)) {
      problem("schema", `unknown bucket type '${config.type}'`);
      continue;
    }
    if (config.filter === "") {
      problem("schema", "bucket without filter");
      continue;
    }
    const where = `${source.path}#${index + 1}`;
    try {
      for (const entry of config.data ?? []) scope.loadData(entry, where);
      const compile = (key: keyof typeof config, text: string) =>
        text ? scope.compileExpr(text, `${where}.${key}`) : null;
      const filter = compile("filter", config.filter)!;
      const groupby = compile("groupby", config.groupby);
      const distinct = compile("distinct", config.distinct);
      compile("cancel_on", config.cancel_on);
      compile("condition", config.condition);
      if (config.scope?.expression) scope.compileExpr(config.scope.expression, `${where}.scope`);
      scenarios.push({
        path: source.path,
        name: config.name,
        type: config.type,
        filter,
        groupby,
        distinct,
        config,
      });
    } catch (error) {
      problem("compile", (error as Error).message);
    }
  }
  return { scenarios, problems };
}

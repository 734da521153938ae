import { type CompiledScenario, decodeScenarioFile } from "../../engine/buckets";
import {
  defaultCompilerFactory,
  registrationCompilerFactory,
} from "../../engine/hub/expr-compiler";
import { loadHub } from "../../engine/hub/hub-loader";
import { renderLoadProblem } from "../../engine/hub/load-problem";
import { memoryHub } from "../../engine/hub/memory-hub";
import type { Pipeline } from "../../engine/parser/pipeline";
import { decodeYamlDocuments } from "../../engine/parser/yaml-documents";

/**
 * Compiling registered hub files inside the Worker and the bucket objects. The same functions
 * validate a registration (nothing is stored unless every file compiles), so what the registry
 * holds always compiles.
 */

/** The stage of a postoverflow registered without one: where the hub's whitelists live. */
export const DEFAULT_POSTOVERFLOW_STAGE = "s01-whitelist";

/** A registered file, as compile input. */
export interface HubFile {
  name: string;
  hash: string;
  version: string;
  content: string;
  stage: string;
}

/** The `data[].dest_file` names a file's documents reference (unparsable files: none). */
export function dataFilesOf(content: string): string[] {
  let docs: unknown[];
  try {
    docs = decodeYamlDocuments(content);
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const doc of docs) {
    const data = (doc as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) continue;
    for (const entry of data) {
      const name = (entry as { dest_file?: unknown } | null)?.dest_file;
      if (typeof name === "string" && name !== "") names.add(name);
    }
  }
  return [...names];
}

/** The installed path 1.4.6 reports scenarios by (messages only), as the loader names it. */
const scenarioPath = (name: string) => `scenarios/${name.split("/").pop()}.yaml`;

/**
 * Compiles every scenario document of one registered file, with its data files, through the hub
 * loader (so messages read as the agent's). Throws the first problem, rendered with
 * `renderLoadProblem` (file, document, YAML path, caret snippet), when it does not compile.
 * `registration` also refuses expressions of pathological static cost (what a machine sends).
 */
export function compileScenarioFile(
  file: HubFile,
  data: ReadonlyMap<string, string>,
  options: { registration?: boolean } = {},
): CompiledScenario[] {
  const { index, source } = memoryHub(
    [{ type: "scenarios", name: file.name, version: file.version, content: file.content }],
    { readData: (name) => data.get(name) ?? null },
  );
  const loaded = loadHub(source, index, {
    selection: { scenarios: [file.name] },
    compilerFactory: options.registration ? registrationCompilerFactory : defaultCompilerFactory,
    hash: () => file.hash,
  });
  const problem = loaded.report.items[0]?.problems[0];
  if (problem) throw new Error(renderLoadProblem(problem));
  return loaded.scenarios;
}

/** Scenario names a file defines, without compiling it (null when the YAML does not decode). */
export function scenarioNamesOf(file: Pick<HubFile, "name" | "content">): string[] | null {
  try {
    return decodeScenarioFile(scenarioPath(file.name), file.content).map((c) => c.name);
  } catch {
    return null;
  }
}

/**
 * The postoverflow pipeline of the registered files (stages in order, files by installed path),
 * built by the hub loader. Workers have no DNS resolver, so `reverse_dns` resolves nothing: the
 * rdns node still runs (and moves the event to the next stage) but `evt.Enriched.reverse_dns`
 * stays empty, so whitelists keyed on reverse DNS never match here. Problems are returned, not
 * thrown, rendered with `renderLoadProblem`.
 */
export function compilePostoverflows(
  files: readonly HubFile[],
  data: ReadonlyMap<string, string>,
  options: { registration?: boolean } = {},
): { pipeline: Pipeline; problems: { name: string; reason: string }[] } {
  const { index, source } = memoryHub(
    files.map((f) => ({
      type: "postoverflows" as const,
      name: f.name,
      stage: f.stage || DEFAULT_POSTOVERFLOW_STAGE,
      version: f.version,
      content: f.content,
    })),
    { readData: (name) => data.get(name) ?? null },
  );
  const loaded = loadHub(source, index, {
    selection: { postoverflows: files.map((f) => f.name) },
    includeScenarios: false,
    compilerFactory: options.registration ? registrationCompilerFactory : defaultCompilerFactory,
    enrichers: { reverseDns: () => null },
  });
  return {
    pipeline: loaded.postoverflows,
    problems: loaded.report.items.flatMap((item) =>
      item.problems.map((p) => ({ name: item.name, reason: renderLoadProblem(p) })),
    ),
  };
}

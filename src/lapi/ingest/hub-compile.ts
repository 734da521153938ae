import type { HubItemRow } from "../../db/hub-registry";
import { type CompiledScenario, compileScenario, decodeScenarioFile } from "../../engine/buckets";
import { createDataRegistry } from "../../engine/hub/data-registry";
import { defaultCompilerFactory } from "../../engine/hub/expr-compiler";
import { buildPipeline } from "../../engine/hub/hub-loader";
import type { Pipeline } from "../../engine/parser/pipeline";
import { createStashStore } from "../../engine/parser/stash";
import { decodeYamlDocuments } from "../../engine/parser/yaml-documents";

/**
 * Compiling registered hub files inside the Worker and the bucket objects. The same functions
 * validate a registration (nothing is stored unless every file compiles), so what the registry
 * holds always compiles.
 */

/** The stage of a postoverflow registered without one: where the hub's whitelists live. */
export const DEFAULT_POSTOVERFLOW_STAGE = "s01-whitelist";

/** A registered file, as compile input. */
export type HubFile = Pick<HubItemRow, "name" | "hash" | "version" | "content" | "stage">;

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

/** The installed path 1.4.6 reports scenarios by (messages only). */
const scenarioPath = (name: string) => `scenarios/${name}.yaml`;

/**
 * Compiles every scenario document of one registered file, with its data files. Throws a message
 * naming the file, the document and the key when it does not compile.
 */
export function compileScenarioFile(
  file: HubFile,
  data: ReadonlyMap<string, string>,
): CompiledScenario[] {
  const path = scenarioPath(file.name);
  const registry = createDataRegistry((name) => data.get(name) ?? null);
  const compile = defaultCompilerFactory({
    strings: registry.strings,
    regexps: registry.regexps,
    dataVersion: registry.version,
    stashes: createStashStore(),
  });
  return decodeScenarioFile(path, file.content).map((config) =>
    compileScenario(config, {
      path,
      compileExpr: (text, where) => {
        try {
          return compile(text);
        } catch (error) {
          throw new Error(`${where}: ${(error as Error).message}`);
        }
      },
      // Data files are registered by `dest_file`; the source URL is never fetched (as 1.4.6).
      loadData: (entry) => void registry.load({ ...entry, source_url: "" }),
      hash: file.hash,
      version: file.version,
    }),
  );
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
 * The postoverflow pipeline of the registered files (stages in order, files by installed path).
 * Workers have no DNS resolver, so `reverse_dns` resolves nothing: the rdns node still runs (and
 * moves the event to the next stage) but `evt.Enriched.reverse_dns` stays empty, so whitelists
 * keyed on reverse DNS never match here. Problems are returned, not thrown.
 */
export function compilePostoverflows(
  files: readonly HubFile[],
  data: ReadonlyMap<string, string>,
): { pipeline: Pipeline; problems: { name: string; reason: string }[] } {
  const sources = files.map((f) => ({
    path: `postoverflows/${f.stage || DEFAULT_POSTOVERFLOW_STAGE}/${f.name}.yaml`,
    stage: f.stage || DEFAULT_POSTOVERFLOW_STAGE,
    content: f.content,
  }));
  const built = buildPipeline(sources, {
    patterns: {},
    readData: (name) => data.get(name) ?? null,
    compilerFactory: defaultCompilerFactory,
    enrichers: { reverseDns: () => null },
  });
  const byPath = new Map(sources.map((s, i) => [s.path, files[i]!.name]));
  return {
    pipeline: built.pipeline,
    problems: built.problems.map((p) => ({
      name: byPath.get(p.path) ?? p.path,
      reason: `${p.path}${p.document ? `#${p.document}` : ""}: ${p.reason}`,
    })),
  };
}

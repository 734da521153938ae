import { createEnrichers, type EnricherOptions } from "../enrich/enrichers.js";
import { loadPatterns, type PatternLibrary } from "../grok/index.js";
import { type LoadProblem, loadParserSource, type ParserSource } from "../parser/load.js";
import type { CompiledNode } from "../parser/node.js";
import { createPipeline, type Pipeline } from "../parser/pipeline.js";
import type { CompileScope, RunnableExpr } from "../parser/scope.js";
import { createStashStore, type StashStore } from "../parser/stash.js";
import { createDataRegistry, type DataReader } from "./data-registry.js";
import {
  type HubIndex,
  type HubItem,
  installedPath,
  parseHubIndex,
  resolveCollections,
  sortByInstalledPath,
} from "./hub-index.js";
import { loadScenarioSource, type ScenarioSummary } from "./scenario-check.js";

/**
 * Everything the loader reads, injected so the engine stays runtime-neutral: the Node agent passes
 * functions over a hub directory on disk (see `agent/hub/`), tests can pass in-memory maps.
 */
export interface HubSource {
  /** A file of the hub by path relative to its root (`parsers/s01-parse/…`); null when absent. */
  readHub(path: string): string | null;
  /** A file of the data directory; null when absent. */
  readData: DataReader;
  /** The grok `patterns/` directory: file name → content. */
  patterns: Record<string, string>;
}

/** Binds expression compilation to the data files and stash of one pipeline. */
export type ExprCompilerFactory = (deps: {
  strings: Record<string, string[]>;
  regexps: Record<string, string[]>;
  /** Changes whenever more data lines are loaded (items load after earlier ones compiled). */
  dataVersion: () => number;
  stashes: StashStore;
}) => (source: string) => RunnableExpr;

export interface HubLoadOptions {
  /** Collections to resolve recursively (`crowdsecurity/linux`…). */
  collections?: readonly string[];
  /** Items installed besides the collections (e.g. parsers `crowdsecurity/whitelists`). */
  parsers?: readonly string[];
  postoverflows?: readonly string[];
  scenarios?: readonly string[];
  /** Load scenarios at all (default true); false = parsers and postoverflows only. */
  includeScenarios?: boolean;
  enrichers?: EnricherOptions;
  compilerFactory: ExprCompilerFactory;
}

/** Load status of one hub item. */
export interface HubItemReport {
  type: HubItem["type"];
  name: string;
  path: string;
  /** `loaded`: every document compiled; `partial`: some did; `failed`: none did. */
  status: "loaded" | "partial" | "failed";
  /** Documents compiled (parser nodes or scenarios). */
  loaded: number;
  problems: LoadProblem[];
  /** Non-fatal: missing data files, ignored pattern_syntax duplicates. */
  warnings: string[];
}

export interface HubLoadReport {
  items: HubItemReport[];
  /** Collection members that the index does not list. */
  missing: { type: string; name: string; requiredBy: string }[];
}

/** What `loadHub` returns: ready pipelines, scenario summaries and the report. */
export interface LoadedHub {
  index: HubIndex;
  parsers: Pipeline;
  postoverflows: Pipeline;
  scenarios: ScenarioSummary[];
  report: HubLoadReport;
}

/** A pipeline-wide compile scope (one per pipeline: parsers and postoverflows are separate). */
function createScope(
  library: PatternLibrary,
  source: HubSource,
  options: HubLoadOptions,
  warnings: { current: string[] },
): { scope: CompileScope; stashes: StashStore } {
  const stashes = createStashStore();
  const data = createDataRegistry(source.readData);
  const compile = options.compilerFactory({
    strings: data.strings,
    regexps: data.regexps,
    dataVersion: data.version,
    stashes,
  });
  const scope: CompileScope = {
    library,
    compileExpr: (text, where) => {
      try {
        return compile(text);
      } catch (error) {
        const rendered =
          typeof (error as { render?: () => string }).render === "function"
            ? (error as { render: () => string }).render()
            : (error as Error).message;
        throw new Error(`${where}: ${rendered}`);
      }
    },
    enrichers: createEnrichers(options.enrichers),
    loadData: (entry) => {
      const result = data.load(entry);
      if (result.problem) warnings.current.push(result.problem);
    },
    stashes,
    warn: (message) => warnings.current.push(message),
  };
  return { scope, stashes };
}

function itemReport(item: HubItem, loaded: number, problems: LoadProblem[], warnings: string[]) {
  const status: HubItemReport["status"] =
    problems.length === 0 ? "loaded" : loaded > 0 ? "partial" : "failed";
  return { type: item.type, name: item.name, path: item.path, status, loaded, problems, warnings };
}

function loadNodeItems(
  items: readonly HubItem[],
  source: HubSource,
  scope: CompileScope,
  warnings: { current: string[] },
  report: HubItemReport[],
): CompiledNode[] {
  const nodes: CompiledNode[] = [];
  for (const item of sortByInstalledPath(items)) {
    warnings.current = [];
    const content = source.readHub(item.path);
    if (content === null) {
      const problem: LoadProblem = {
        path: item.path,
        document: 0,
        name: item.name,
        kind: "yaml",
        reason: "file not found in hub",
      };
      report.push(itemReport(item, 0, [problem], []));
      continue;
    }
    const result = loadParserSource(
      { path: installedPath(item), stage: item.stage, content },
      scope,
    );
    nodes.push(...result.nodes);
    report.push(itemReport(item, result.nodes.length, result.problems, warnings.current));
  }
  return nodes;
}

/**
 * Builds one pipeline from parser files given directly (no hub index): for tests, and for callers
 * that hold parser YAML in memory. Files load in ascending `path` order, as CrowdSec orders them.
 */
export function buildPipeline(
  files: readonly ParserSource[],
  deps: {
    patterns: Record<string, string>;
    readData?: DataReader;
    compilerFactory: ExprCompilerFactory;
    enrichers?: EnricherOptions;
  },
): { pipeline: Pipeline; problems: LoadProblem[]; warnings: string[] } {
  const source: HubSource = {
    readHub: () => null,
    readData: deps.readData ?? (() => null),
    patterns: deps.patterns,
  };
  const warnings = { current: [] as string[] };
  const options: HubLoadOptions = {
    compilerFactory: deps.compilerFactory,
    ...(deps.enrichers ? { enrichers: deps.enrichers } : {}),
  };
  const { scope, stashes } = createScope(loadPatternLibrary(source), source, options, warnings);
  const nodes: CompiledNode[] = [];
  const problems: LoadProblem[] = [];
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const result = loadParserSource(file, scope);
    nodes.push(...result.nodes);
    problems.push(...result.problems);
  }
  return { pipeline: createPipeline(nodes, stashes), problems, warnings: warnings.current };
}

/** The pattern library CrowdSec builds at startup from `patterns/` (fresh per pipeline). */
export function loadPatternLibrary(source: HubSource): PatternLibrary {
  return loadPatterns(source.patterns);
}

/**
 * Loads the hub items a CrowdSec install would have enabled for `options` (collections resolved
 * recursively plus individual items), builds the parser and postoverflow pipelines, checks the
 * scenarios' expressions, and reports every item that did not fully load and why.
 */
export function loadHub(source: HubSource, options: HubLoadOptions): LoadedHub {
  const indexText = source.readHub(".index.json");
  if (indexText === null) throw new Error("hub index .index.json not found");
  const index = parseHubIndex(indexText);
  const resolved = resolveCollections(index, options.collections ?? []);
  const pick = (type: "parsers" | "postoverflows" | "scenarios", extra: readonly string[] = []) => {
    const items = [...resolved[type]];
    for (const name of extra) {
      const item = index[type].get(name);
      if (!item) resolved.missing.push({ type, name, requiredBy: "(requested)" });
      else if (!items.includes(item)) items.push(item);
    }
    return items;
  };
  const items: HubItemReport[] = [];
  const warnings = { current: [] as string[] };

  // The library is immutable (`with` copies), so both pipelines start from the same base: each
  // still gets its own `pattern_syntax` registrations, as CrowdSec's two grok contexts do.
  const base = loadPatternLibrary(source);
  const parserScope = createScope(base, source, options, warnings);
  const parserNodes = loadNodeItems(
    pick("parsers", options.parsers),
    source,
    parserScope.scope,
    warnings,
    items,
  );
  const postScope = createScope(base, source, options, warnings);
  const postNodes = loadNodeItems(
    pick("postoverflows", options.postoverflows),
    source,
    postScope.scope,
    warnings,
    items,
  );
  const scenarios: ScenarioSummary[] = [];
  const scenarioItems =
    options.includeScenarios === false ? [] : pick("scenarios", options.scenarios);
  for (const item of sortByInstalledPath(scenarioItems)) {
    warnings.current = [];
    const content = source.readHub(item.path);
    if (content === null) {
      items.push(
        itemReport(
          item,
          0,
          [
            {
              path: item.path,
              document: 0,
              name: item.name,
              kind: "yaml",
              reason: "file not found in hub",
            },
          ],
          [],
        ),
      );
      continue;
    }
    const result = loadScenarioSource({ path: installedPath(item), content }, parserScope.scope);
    scenarios.push(...result.scenarios);
    items.push(itemReport(item, result.scenarios.length, result.problems, warnings.current));
  }
  return {
    index,
    parsers: createPipeline(parserNodes, parserScope.stashes),
    postoverflows: createPipeline(postNodes, postScope.stashes),
    scenarios,
    report: { items, missing: resolved.missing },
  };
}

/**
 * Loads **every** parser, postoverflow and scenario the index lists, each in its own fresh scope
 * (so one item's `pattern_syntax` cannot mask another's problem), and reports the outcome per item.
 * This is the "hub load report" of issue #3.
 */
export function loadEveryHubItem(
  source: HubSource,
  options: Omit<
    HubLoadOptions,
    "collections" | "parsers" | "postoverflows" | "scenarios" | "includeScenarios"
  >,
): HubLoadReport {
  const indexText = source.readHub(".index.json");
  if (indexText === null) throw new Error("hub index .index.json not found");
  const index = parseHubIndex(indexText);
  const base = loadPatternLibrary(source);
  const items: HubItemReport[] = [];
  const warnings = { current: [] as string[] };
  for (const type of ["parsers", "postoverflows"] as const) {
    for (const item of sortByInstalledPath([...index[type].values()])) {
      const { scope } = createScope(base, source, options, warnings);
      loadNodeItems([item], source, scope, warnings, items);
    }
  }
  for (const item of sortByInstalledPath([...index.scenarios.values()])) {
    warnings.current = [];
    const { scope } = createScope(base, source, options, warnings);
    const content = source.readHub(item.path);
    if (content === null) {
      items.push(
        itemReport(
          item,
          0,
          [
            {
              path: item.path,
              document: 0,
              name: item.name,
              kind: "yaml",
              reason: "file not found in hub",
            },
          ],
          [],
        ),
      );
      continue;
    }
    const result = loadScenarioSource({ path: installedPath(item), content }, scope);
    items.push(itemReport(item, result.scenarios.length, result.problems, warnings.current));
  }
  return { items, missing: [] };
}

import { type CompiledScenario, compileScenario } from "../buckets/compile.js";
import { decodeScenarioFile } from "../buckets/config.js";
import { createEnrichers, type EnricherOptions } from "../enrich/enrichers.js";
import type { RegexpCacheConfig } from "../expr/data-files.js";
import { loadPatterns, type PatternLibrary } from "../grok/index.js";
import { type LoadProblem, loadParserSource } from "../parser/load.js";
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
  SKIPPED_ITEM_TYPES,
  type SkippedItem,
  type SkippedItemType,
  sortByInstalledPath,
} from "./hub-index.js";
import { compileAt } from "./load-problem.js";

/**
 * Everything the loader reads, injected so the engine stays runtime-neutral: the Node agent passes
 * functions over a hub directory on disk (see `agent/hub/`), the LAPI and tests pass in-memory
 * maps (see `memory-hub.ts`).
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
  /** `RegexpInFile()` result caches by data file (HEAD `strategy`/`size`/`ttl`). */
  regexpCaches?: Readonly<Record<string, RegexpCacheConfig>>;
  /** `type: map` files (`FileMap()`, `LookupFile()`), rows as parsed. */
  maps?: Readonly<Record<string, readonly Readonly<Record<string, string>>[]>>;
  /** Changes whenever more data lines are loaded (items load after earlier ones compiled). */
  dataVersion: () => number;
  stashes: StashStore;
}) => (source: string) => RunnableExpr;

/** The items an install enables: collections (resolved recursively) plus individual items. */
export interface HubSelection {
  /** Collections to resolve recursively (`crowdsecurity/linux`…), like `cscli collections install`. */
  collections?: readonly string[];
  /** Items installed besides the collections (e.g. parsers `crowdsecurity/whitelists`). */
  parsers?: readonly string[];
  postoverflows?: readonly string[];
  scenarios?: readonly string[];
}

export interface HubLoadOptions {
  /**
   * What is enabled, or `"every"` item the index lists, each compiled in a fresh scope so one
   * item's `pattern_syntax` or data cannot mask another's problem (the hub load report). With
   * `"every"` the result is a check only: pipelines and scenarios come back empty.
   */
  selection: HubSelection | "every";
  /** Compile scenarios at all (default true); false = parsers and postoverflows only. */
  includeScenarios?: boolean;
  enrichers?: EnricherOptions;
  compilerFactory: ExprCompilerFactory;
  /**
   * sha256 (hex) of a scenario file — `alert.scenario_hash`. Hashing is synchronous in Node only,
   * so the caller provides it; absent ⇒ the hub index's digest of the installed version.
   */
  hash?: (content: string) => string;
  /** Scenarios in simulation mode (`simulation.yaml`). */
  simulated?: (name: string) => boolean;
  /**
   * The grok library of `source.patterns`, built by the caller (the agent restores it from a
   * cache keyed by the files' content); absent ⇒ `loadPatterns(source.patterns)`.
   */
  patterns?: PatternLibrary;
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

/** A requested item or collection member that the index does not list. */
export interface MissingItem {
  type: string;
  name: string;
  /** The collection that lists it, or `(requested)` when the configuration names it. */
  requiredBy: string;
}

export interface HubLoadReport {
  items: HubItemReport[];
  missing: MissingItem[];
  /** Items of kinds Rampart recognises and skips (AppSec rules and configs, contexts). */
  skipped?: SkippedItem[];
}

/**
 * One line per skipped kind: `skipped 3 appsec-rules (AppSec (WAF) is not supported): a, b, c`
 * (names elided past five). Empty when nothing was skipped.
 */
export function describeSkipped(skipped: readonly SkippedItem[]): string[] {
  const byType = new Map<SkippedItemType, string[]>();
  for (const item of skipped) {
    const names = byType.get(item.type) ?? [];
    if (!names.includes(item.name)) names.push(item.name);
    byType.set(item.type, names);
  }
  return [...byType].map(([type, names]) => {
    const shown = names.length > 5 ? `${names.slice(0, 5).join(", ")}, …` : names.join(", ");
    return `skipped ${names.length} ${type} (${SKIPPED_ITEM_TYPES[type]}): ${shown}`;
  });
}

/** The enabled items the index lists, per type (installed-path order is the loader's business). */
export interface SelectedItems {
  parsers: HubItem[];
  postoverflows: HubItem[];
  scenarios: HubItem[];
}

/** What `loadHub` returns: the selected items, ready pipelines, compiled scenarios, the report. */
export interface LoadedHub {
  items: SelectedItems;
  parsers: Pipeline;
  postoverflows: Pipeline;
  /** In installed-path order, as 1.4.6 loads them. */
  scenarios: CompiledScenario[];
  report: HubLoadReport;
}

/** Reads and parses the hub's `.index.json`; throws when it is absent or malformed. */
export function readHubIndex(source: HubSource): HubIndex {
  const text = source.readHub(".index.json");
  if (text === null) throw new Error("hub index .index.json not found");
  return parseHubIndex(text);
}

/** Resolves `selection` against `index`: the items to load, and the names it does not list. */
function selectItems(
  index: HubIndex,
  selection: HubSelection | "every",
): SelectedItems & { missing: MissingItem[]; skipped: SkippedItem[] } {
  if (selection === "every") {
    return {
      parsers: [...index.parsers.values()],
      postoverflows: [...index.postoverflows.values()],
      scenarios: [...index.scenarios.values()],
      missing: [],
      skipped: Object.entries(index.skipped ?? {}).flatMap(([type, names]) =>
        (names ?? []).map((name) => ({
          type: type as SkippedItemType,
          name,
          requiredBy: "(index)",
        })),
      ),
    };
  }
  const resolved = resolveCollections(index, selection.collections ?? []);
  const pick = (type: keyof SelectedItems) => {
    const items = [...resolved[type]];
    for (const name of selection[type] ?? []) {
      const item = index[type].get(name);
      if (!item) resolved.missing.push({ type, name, requiredBy: "(requested)" });
      else if (!items.includes(item)) items.push(item);
    }
    return items;
  };
  return {
    parsers: pick("parsers"),
    postoverflows: pick("postoverflows"),
    scenarios: pick("scenarios"),
    missing: resolved.missing,
    skipped: resolved.skipped,
  };
}

/** Where the current item's warnings go (each item reports its own). */
type WarningSink = { current: string[] };

/** A pipeline-wide compile scope (one per pipeline: parsers and postoverflows are separate). */
function createScope(
  library: PatternLibrary,
  source: HubSource,
  options: HubLoadOptions,
  warnings: WarningSink,
): { scope: CompileScope; stashes: StashStore } {
  const stashes = createStashStore();
  const data = createDataRegistry(source.readData);
  const compile = options.compilerFactory({
    strings: data.strings,
    regexps: data.regexps,
    regexpCaches: data.caches,
    maps: data.maps,
    dataVersion: data.version,
    stashes,
  });
  const scope: CompileScope = {
    library,
    compileExpr: (text, where) => compileAt(compile, text, where),
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

type ScenarioCompiler = (
  item: HubItem,
  content: string,
) => { scenarios: CompiledScenario[]; problems: LoadProblem[] };

/**
 * Compiles one scenario file. Its data files are read by `dest_file` only, as 1.4.6 does (Debian
 * ships `http_path_traversal.txt` under another name, so that scenario's `File()` list is empty
 * there too — the parsers' source_url fallback would make it match where the reference does not).
 */
function createScenarioCompiler(
  source: HubSource,
  options: HubLoadOptions,
  warnings: WarningSink,
): ScenarioCompiler {
  const data = createDataRegistry(source.readData);
  const compile = options.compilerFactory({
    strings: data.strings,
    regexps: data.regexps,
    regexpCaches: data.caches,
    maps: data.maps,
    dataVersion: data.version,
    stashes: createStashStore(),
  });
  return (item, content) => {
    const path = installedPath(item);
    const scenarios: CompiledScenario[] = [];
    const problems: LoadProblem[] = [];
    const problem = (document: number, name: string, kind: LoadProblem["kind"], error: unknown) =>
      problems.push({ path, document, name, kind, reason: (error as Error).message });
    let configs: ReturnType<typeof decodeScenarioFile>;
    try {
      configs = decodeScenarioFile(path, content);
    } catch (error) {
      problem(0, item.name, "schema", error);
      return { scenarios, problems };
    }
    const hash = options.hash?.(content) ?? item.digest ?? "";
    for (const [index, config] of configs.entries()) {
      try {
        scenarios.push(
          compileScenario(config, {
            path,
            compileExpr: (text, where) => compileAt(compile, text, where),
            loadData: (entry) => {
              const result = data.load({ ...entry, source_url: "" });
              if (result.problem) warnings.current.push(result.problem);
            },
            hash,
            version: item.version,
            simulated: options.simulated?.(config.name) ?? false,
          }),
        );
      } catch (error) {
        problem(index + 1, config.name, "compile", error);
      }
    }
    return { scenarios, problems };
  };
}

function itemReport(
  item: HubItem,
  loaded: number,
  problems: LoadProblem[],
  warnings: string[],
): HubItemReport {
  const status: HubItemReport["status"] =
    problems.length === 0 ? "loaded" : loaded > 0 ? "partial" : "failed";
  return { type: item.type, name: item.name, path: item.path, status, loaded, problems, warnings };
}

/**
 * The one hub loader. Loads the `selection` of `index` (parse it once per start with
 * {@link readHubIndex}) the way a CrowdSec 1.4.6 install with those items enabled would: parser
 * and postoverflow pipelines (each with its own grok context, data files and stashes), compiled
 * scenarios (hashed, versioned), in installed-path order. Nothing throws for a broken item: the
 * report lists every item's status with its problems, and every name the index lacks.
 */
export function loadHub(source: HubSource, index: HubIndex, options: HubLoadOptions): LoadedHub {
  const { missing, skipped, ...items } = selectItems(index, options.selection);
  const every = options.selection === "every";
  const reports: HubItemReport[] = [];
  const warnings: WarningSink = { current: [] };
  // The library is immutable (`with` copies), so both pipelines start from the same base: each
  // still gets its own `pattern_syntax` registrations, as CrowdSec's two grok contexts do.
  const base = options.patterns ?? loadPatterns(source.patterns);

  const loadNodes = (list: readonly HubItem[]) => {
    const shared = createScope(base, source, options, warnings);
    const nodes: CompiledNode[] = [];
    for (const item of sortByInstalledPath(list)) {
      warnings.current = [];
      const { scope } = every ? createScope(base, source, options, warnings) : shared;
      const content = source.readHub(item.path);
      if (content === null) {
        reports.push(itemReport(item, 0, [notFound(item)], []));
        continue;
      }
      const result = loadParserSource(
        { path: installedPath(item), stage: item.stage, content },
        scope,
      );
      if (!every) nodes.push(...result.nodes);
      reports.push(itemReport(item, result.nodes.length, result.problems, warnings.current));
    }
    return createPipeline(nodes, shared.stashes);
  };
  const parsers = loadNodes(items.parsers);
  const postoverflows = loadNodes(items.postoverflows);

  const scenarios: CompiledScenario[] = [];
  const shared = createScenarioCompiler(source, options, warnings);
  for (const item of options.includeScenarios === false
    ? []
    : sortByInstalledPath(items.scenarios)) {
    warnings.current = [];
    const compile = every ? createScenarioCompiler(source, options, warnings) : shared;
    const content = source.readHub(item.path);
    if (content === null) {
      reports.push(itemReport(item, 0, [notFound(item)], []));
      continue;
    }
    const result = compile(item, content);
    if (!every) scenarios.push(...result.scenarios);
    reports.push(itemReport(item, result.scenarios.length, result.problems, warnings.current));
  }
  return { items, parsers, postoverflows, scenarios, report: { items: reports, missing, skipped } };
}

function notFound(item: HubItem): LoadProblem {
  return {
    path: item.path,
    document: 0,
    name: item.name,
    kind: "yaml",
    reason: "file not found in hub",
  };
}

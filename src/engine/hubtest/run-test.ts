/**
 * One hub test (`.tests/<name>/`), run the way `cscli hubtest run` runs it (crowdsec
 * `pkg/hubtest`): exactly the items `config.yaml` lists are installed (plus a first s00-raw node
 * `overrides` carrying `override_statics`), the log is replayed in time-machine mode with the
 * acquisition labels `type: <log_type>` (+ `labels`), and two dumps are built as crowdsec
 * `-dump-data` writes them — the parser results (`results[stage][parser][i]` = `{Idx, Evt,
 * Success}` after every top-level node, plus the empty `success` stage) and the bucket results
 * (every overflow that carries an alert, after the postoverflows, sorted as hubtest sorts them) —
 * then `parser.assert` (unless `ignore_parsers`) and `scenario.assert` (when scenarios are listed)
 * are evaluated over them.
 */
import { parseAllDocuments } from "yaml";
import { createBucketManager, overflowEvent } from "../buckets/manager.js";
import type { BucketOverflow } from "../buckets/pour.js";
import type { EnricherOptions } from "../enrich/enrichers.js";
import { type AlertSource, ExpectMode, newLogEvent, type PipelineEvent } from "../event.js";
import { typedNil, withZeroValue } from "../expr/go-value.js";
import { defaultCompilerFactory } from "../hub/expr-compiler.js";
import { HUB_ITEM_TYPES, type HubIndex, type HubItem } from "../hub/hub-index.js";
import { type HubSource, type LoadedHub, loadHub } from "../hub/hub-loader.js";
import { renderLoadProblem } from "../hub/load-problem.js";
import { ExprAlert } from "../profiles/alert-env.js";
import { type AssertOutcome, runAssertions } from "./assertions.js";
import { type HubTestConfig, parseHubTestConfig } from "./test-config.js";

/** Everything a test reads, injected (the CLI passes directories on disk). */
export interface HubTestSource {
  /** The hub's parsed `.index.json`. */
  index: HubIndex;
  /** A file of the hub by path relative to its root; null when absent. */
  readHub(path: string): string | null;
  /** A file of the test's own folder (`config.yaml`, the log, `*.assert`, local items). */
  readTest(path: string): string | null;
  /** A data file named by an item (`dest_file`, and its `source_url`); null when absent. */
  readData(destFile: string, sourceUrl: string): string | null;
  /** The grok `patterns/` directory: file name → content. */
  patterns: Record<string, string>;
  enrichers?: EnricherOptions;
}

export type HubTestStatus = "pass" | "fail" | "skip";

/** The outcome of one test. */
export interface HubTestResult {
  name: string;
  status: HubTestStatus;
  /** Why it failed or was skipped (the first failing assertion, a load error, a missing file). */
  reason: string | null;
  /** null when `ignore_parsers` (or the test did not get that far). */
  parser: AssertOutcome | null;
  /** null when the test lists no scenario (or did not get that far). */
  scenario: AssertOutcome | null;
}

/** One parser-dump entry. */
export interface ParserResult {
  Idx: number;
  Evt: PipelineEvent;
  Success: boolean;
}

/** What a replay produced: the two dumps. */
export interface HubTestDumps {
  config: HubTestConfig;
  /** stage → parser name → results, plus `success: {"": []}`. */
  parserResults: Record<string, Record<string, ParserResult[]>>;
  /** Overflow events as hubtest's `results` list sees them. */
  bucketResults: OverflowResult[];
}

/** A data file some selected item needs but the data directory lacks. */
export interface MissingData {
  item: string;
  destFile: string;
  sourceUrl: string;
}

/** A test that could not be replayed: a load error, or missing data (a skip). */
export class HubTestSetupError extends Error {
  constructor(
    message: string,
    readonly missingData: MissingData[] = [],
  ) {
    super(message);
  }
}

/** `models.Source` with its getters, as assertions read `Overflow.Sources[ip]`. */
class SourceView {
  readonly AsName: string;
  readonly AsNumber: string;
  readonly Cn: string;
  readonly IP: string;
  readonly Latitude: number;
  readonly Longitude: number;
  readonly Range: string;
  readonly Scope: string;
  readonly Value: string;

  constructor(s: AlertSource) {
    this.AsName = s.AsName;
    this.AsNumber = s.AsNumber;
    this.Cn = s.Cn;
    this.IP = s.IP;
    this.Latitude = s.Latitude;
    this.Longitude = s.Longitude;
    this.Range = s.Range;
    this.Scope = s.Scope;
    this.Value = s.Value;
  }

  GetScope(): string {
    return this.Scope;
  }

  GetValue(): string {
    return this.Value;
  }
}

/** `types.RuntimeAlert` of a dumped overflow. */
class OverflowView {
  constructor(
    readonly Alert: ExprAlert,
    readonly Sources: Record<string, SourceView>,
    readonly Whitelisted: boolean,
    readonly Reprocess: boolean,
    readonly Mapkey: string,
  ) {}

  GetSources(): string[] {
    return Object.keys(this.Sources);
  }
}

/** One element of the bucket dump. */
export interface OverflowResult {
  Overflow: OverflowView;
}

/** A deep copy keeping prototypes and hidden markers (Go zero values, type names); Dates shared. */
function cloneDeep<T>(value: T): T {
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  if (Array.isArray(value)) {
    const copy = value.map(cloneDeep);
    for (const key of Object.getOwnPropertySymbols(value)) {
      Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(value, key)!);
    }
    return copy as T;
  }
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<PropertyKey, unknown>;
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    if ("value" in descriptor && descriptor.enumerable)
      descriptor.value = cloneDeep(descriptor.value);
    Object.defineProperty(copy, key, descriptor);
  }
  return copy as T;
}

const EMPTY_TYPES = () =>
  Object.fromEntries(
    HUB_ITEM_TYPES.map((t) => [t, new Map<string, HubItem>()]),
  ) as unknown as HubIndex;

type ItemType = "parsers" | "postoverflows" | "scenarios";

/** Finds a listed item: a hub name, or a path in the hub directory and then in the test's. */
function resolveItem(
  type: ItemType,
  entry: string,
  source: HubTestSource,
): { item: HubItem; content: string } {
  const listed = source.index[type].get(entry);
  if (listed) {
    const content = source.readHub(listed.path);
    if (content === null)
      throw new HubTestSetupError(`${type} ${entry}: ${listed.path} not found in the hub`);
    return { item: listed, content };
  }
  const path = entry.replace(/^(\.\/)+/, "");
  const content = source.readHub(path) ?? source.readTest(path);
  if (content === null) {
    throw new HubTestSetupError(
      `couldn't find ${type === "scenarios" ? "scenario" : type === "parsers" ? "parser" : "postoverflow"} '${entry}' in the hub nor in the test directory`,
    );
  }
  const parts = path.split("/");
  // parsers/<stage>/<author>/<file>.yaml: the stage is the third segment from the end.
  const stage = type === "scenarios" ? "" : (parts[parts.length - 3] ?? "");
  if (type !== "scenarios" && !/^s\d\d-/.test(stage)) {
    throw new HubTestSetupError(`${type} '${entry}': cannot tell its stage from the path`);
  }
  const item: HubItem = {
    type,
    name: entry,
    path,
    stage,
    version: "",
    members: {
      parsers: [],
      postoverflows: [],
      scenarios: [],
      collections: [],
      contexts: [],
    } as HubItem["members"],
  };
  return { item, content };
}

/** `data:` entries of every document (and nested node) of an item file. */
function dataEntries(content: string): { destFile: string; sourceUrl: string }[] {
  const out: { destFile: string; sourceUrl: string }[] = [];
  const visit = (node: unknown) => {
    if (node === null || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    if (Array.isArray(record.data)) {
      for (const d of record.data) {
        if (
          d &&
          typeof d === "object" &&
          typeof (d as Record<string, unknown>).dest_file === "string"
        ) {
          const entry = d as Record<string, unknown>;
          out.push({
            destFile: String(entry.dest_file),
            sourceUrl: String(entry.source_url ?? ""),
          });
        }
      }
    }
    if (Array.isArray(record.nodes)) for (const n of record.nodes) visit(n);
  };
  for (const doc of parseAllDocuments(content)) {
    if (!("toJS" in doc)) continue;
    try {
      visit(doc.toJS());
    } catch {
      // A broken document is the loader's to report.
    }
  }
  return out;
}

/** hubtest's `override_statics`: a first s00-raw node applying them to every line. */
function overridesNode(statics: Record<string, unknown>[]): string {
  return JSON.stringify({ name: "overrides", filter: "1==1", statics });
}

/** A test's items, loaded as `config.yaml` lists them, and its log lines. */
export interface InstalledHubTest {
  config: HubTestConfig;
  hub: LoadedHub;
  /** The log's non-empty lines, without line terminators (file acquisition skips empty ones). */
  lines: string[];
}

/** Installs exactly the test's items (see module comment); throws {@link HubTestSetupError}. */
export function installHubTest(source: HubTestSource): InstalledHubTest {
  const configText = source.readTest("config.yaml");
  if (configText === null) throw new HubTestSetupError("config.yaml not found");
  const config = parseHubTestConfig(configText);
  const log = source.readTest(config.logFile);
  if (log === null) throw new HubTestSetupError(`log file '${config.logFile}' not found`);
  if (log.length === 0) throw new HubTestSetupError(`log file '${config.logFile}' is empty`);

  const index = EMPTY_TYPES();
  const contents = new Map<string, string>();
  const data = new Map<string, string>();
  const missing: MissingData[] = [];
  const install = (type: ItemType, entry: string) => {
    const { item, content } = resolveItem(type, entry, source);
    if (index[type].has(item.name)) return;
    index[type].set(item.name, item);
    contents.set(item.path, content);
    for (const d of dataEntries(content)) {
      if (data.has(d.destFile)) continue;
      const text = source.readData(d.destFile, d.sourceUrl);
      if (text === null) missing.push({ item: item.name, ...d });
      else data.set(d.destFile, text);
    }
  };
  for (const p of config.parsers) install("parsers", p);
  for (const p of config.postoverflows) install("postoverflows", p);
  for (const s of config.scenarios) install("scenarios", s);
  if (config.overrideStatics.length > 0) {
    const item: HubItem = {
      type: "parsers",
      name: "overrides",
      path: "parsers/s00-raw/00_overrides.yaml",
      stage: "s00-raw",
      version: "",
      members: {
        parsers: [],
        postoverflows: [],
        scenarios: [],
        collections: [],
      } as unknown as HubItem["members"],
    };
    index.parsers.set(item.name, item);
    contents.set(item.path, overridesNode(config.overrideStatics));
  }
  if (missing.length > 0) {
    throw new HubTestSetupError(
      `missing data file${missing.length > 1 ? "s" : ""}: ${missing.map((m) => `${m.destFile} (${m.item})`).join(", ")}`,
      missing,
    );
  }

  const hubSource: HubSource = {
    readHub: (path) => contents.get(path) ?? null,
    readData: (name) => data.get(name) ?? null,
    patterns: source.patterns,
  };
  const names = (type: ItemType) => [...index[type].keys()];
  const hub = loadHub(hubSource, index, {
    selection: {
      parsers: names("parsers"),
      postoverflows: names("postoverflows"),
      scenarios: names("scenarios"),
    },
    compilerFactory: defaultCompilerFactory,
    enrichers: source.enrichers,
  });
  const broken = hub.report.items.find((item) => item.status !== "loaded");
  if (broken) {
    const problem = broken.problems[0];
    throw new HubTestSetupError(
      `${broken.type} ${broken.name} does not load: ${problem ? renderLoadProblem(problem) : broken.status}`,
    );
  }
  const lines = log
    .split("\n")
    .map((raw) => (raw.endsWith("\r") ? raw.slice(0, -1) : raw))
    .filter((line) => line !== "");
  return { config, hub, lines };
}

/** Installs the test's items, replays its log and builds the two dumps. */
export function replayHubTest(source: HubTestSource): HubTestDumps {
  const { config, hub, lines } = installHubTest(source);
  const parserResults: Record<string, Record<string, ParserResult[]>> = withZeroValue(
    { success: withZeroValue({ "": [] }, typedNil("[]dumps.ParserResult", "slice")) },
    typedNil("map[string][]dumps.ParserResult", "map"),
  );
  const stageIndex = new Map<string, Map<string, number>>();
  const trace = (stage: string, node: { name: string }, evt: PipelineEvent, success: boolean) => {
    let byParser = parserResults[stage];
    if (!Object.hasOwn(parserResults, stage)) {
      byParser = withZeroValue({}, typedNil("[]dumps.ParserResult", "slice"));
      parserResults[stage] = byParser;
      stageIndex.set(stage, new Map());
    }
    const order = stageIndex.get(stage)!;
    if (!order.has(node.name)) order.set(node.name, order.size + 1);
    if (!Object.hasOwn(byParser!, node.name)) byParser![node.name] = [];
    byParser![node.name]!.push({
      Idx: order.get(node.name)!,
      Evt: cloneDeep(evt),
      Success: success,
    });
  };

  const manager = createBucketManager(hub.scenarios);
  const overflows: { view: OverflowResult; startAt: string }[] = [];
  const drain = (first: BucketOverflow[]) => {
    const pending = [...first];
    while (pending.length > 0) {
      const overflow = pending.shift()!;
      const alert = overflow.alerts[0];
      if (overflow.dropped || !alert) continue;
      const ovflw = overflowEvent(overflow);
      hub.postoverflows.parse(ovflw);
      const sources = Object.fromEntries(
        Object.entries(ovflw.Overflow.Sources).map(([k, s]) => [k, new SourceView(s)]),
      );
      overflows.push({
        view: {
          Overflow: new OverflowView(
            new ExprAlert(alert, ""),
            sources,
            ovflw.Overflow.Whitelisted,
            ovflw.Overflow.Reprocess,
            ovflw.Overflow.Mapkey,
          ),
        },
        startAt: alert.start_at,
      });
      if (ovflw.Overflow.Whitelisted) continue;
      if (overflow.reprocess) pending.push(...manager.pourEvent(ovflw).overflows);
    }
  };

  const labels = { ...config.labels, type: config.logType };
  for (const line of lines) {
    const evt = newLogEvent(
      {
        Raw: line,
        Src: config.logFile,
        Module: "file",
        Labels: labels,
        Time: new Date(),
        Process: true,
      },
      ExpectMode.TIMEMACHINE,
    );
    const outcome = hub.parsers.parse(evt, { trace });
    if (!outcome.process || outcome.error !== null || evt.Whitelisted) continue;
    if (hub.scenarios.length > 0) drain(manager.pourEvent(evt).overflows);
  }

  // hubtest's order: by scenario + sources descending, then by alert start.
  const keyOf = (o: OverflowResult) =>
    o.Overflow.Alert.GetScenario() + o.Overflow.GetSources().join("@");
  const sorted = overflows
    .map((o, i) => ({ ...o, i }))
    .sort((a, b) => {
      const ka = keyOf(a.view);
      const kb = keyOf(b.view);
      if (ka !== kb) return ka > kb ? -1 : 1;
      const ta = Date.parse(a.startAt);
      const tb = Date.parse(b.startAt);
      if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
      return a.i - b.i;
    })
    .map((o) => o.view);
  return { config, parserResults, bucketResults: sorted };
}

/** The first reason an assertion file failed, for the one-line summary. */
function firstProblem(kind: string, outcome: AssertOutcome): string | null {
  if (outcome.error) return `${kind}.assert:${outcome.error.line}: ${outcome.error.message}`;
  const f = outcome.failures[0];
  if (!f) return null;
  return `${kind}.assert:${f.line}: ${f.expression}${f.actual !== undefined ? ` (got ${f.actual})` : ""}`;
}

/** Runs one test: replay, then the assertion files. */
export function runHubTest(name: string, source: HubTestSource): HubTestResult {
  let dumps: HubTestDumps;
  try {
    dumps = replayHubTest(source);
  } catch (error) {
    if (error instanceof HubTestSetupError && error.missingData.length > 0) {
      return { name, status: "skip", reason: error.message, parser: null, scenario: null };
    }
    return { name, status: "fail", reason: (error as Error).message, parser: null, scenario: null };
  }
  const { config } = dumps;
  const result: HubTestResult = {
    name,
    status: "pass",
    reason: null,
    parser: null,
    scenario: null,
  };
  if (!config.ignoreParsers) {
    const text = source.readTest("parser.assert") ?? "";
    result.parser = runAssertions(text, dumps.parserResults);
    if (result.parser.total === 0 && result.parser.error === null) {
      result.status = "fail";
      result.reason = "parser.assert is empty (hubtest would generate it)";
    }
  }
  if (config.scenarios.length > 0) {
    const text = source.readTest("scenario.assert") ?? "";
    result.scenario = runAssertions(text, dumps.bucketResults);
    if (result.scenario.total === 0 && result.scenario.error === null && result.status === "pass") {
      result.status = "fail";
      result.reason = "scenario.assert is empty (hubtest would generate it)";
    }
  }
  const problem =
    (result.parser && firstProblem("parser", result.parser)) ??
    (result.scenario && firstProblem("scenario", result.scenario));
  if (problem) {
    result.status = "fail";
    result.reason = problem;
  }
  return result;
}

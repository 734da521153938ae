import { goDurationString, parseGoDuration } from "../../shared/duration.js";
import type { DataSourceConfig } from "../parser/config.js";
import type { RunnableExpr } from "../parser/scope.js";
import { FALSE_WORDS, TRUE_WORDS } from "../parser/yaml-documents.js";
import { type ScenarioConfig, ScenarioConfigError } from "./config.js";

/** The bucket types CrowdSec knows (1.4.6: leaky, trigger, counter; HEAD adds the last two). */
export const BUCKET_TYPES = ["leaky", "trigger", "counter", "conditional", "bayesian"] as const;
export type BucketType = (typeof BUCKET_TYPES)[number];

/** What compiling needs from the hub side: expressions with CrowdSec's helpers, data files. */
export interface ScenarioCompileContext {
  /** Installed path of the scenario file, used in error messages. */
  path: string;
  /** Compiles an expression (helpers bound); throws naming `where` with a caret snippet. */
  compileExpr(source: string, where: string): RunnableExpr;
  /** Loads one `data:` entry so `File()` sees it; absent ⇒ `data:` entries are ignored. */
  loadData?(entry: DataSourceConfig, where: string): void;
  /** sha256 of the scenario file (1.4.6 `alert.scenario_hash`). */
  hash?: string;
  /** Hub version of the scenario (1.4.6 `alert.scenario_version`). */
  version?: string;
  /** The scenario is in simulation mode (`simulation.yaml`). */
  simulated?: boolean;
}

/** One bayesian condition, probabilities as float32 like HEAD. */
export interface CompiledBayesianCondition {
  condition: RunnableExpr;
  probGivenEvil: number;
  probGivenBenign: number;
  guillotine: boolean;
}

/** A scenario with every expression prepared and every duration resolved (milliseconds). */
export interface CompiledScenario {
  name: string;
  /**
   * Identity of the bucket factory: name NUL filter. Several documents may share a `name` (one
   * for bad passwords, one for unknown users); CrowdSec keys instances by filter + groupby +
   * name (`GetKey`), so they never share an instance, and each keeps its own blackhole.
   */
  id: string;
  description: string;
  type: BucketType;
  path: string;
  hash: string;
  version: string;
  simulated: boolean;
  filter: RunnableExpr;
  groupby: RunnableExpr | null;
  distinct: RunnableExpr | null;
  cancelOn: RunnableExpr | null;
  overflowFilter: RunnableExpr | null;
  condition: RunnableExpr | null;
  /** Token bucket burst; -1 = unlimited, 0 for triggers. */
  capacity: number;
  leakspeedMs: number;
  /** Go `Duration.String()` of the leakspeed, as the alert carries it. */
  leakspeedText: string;
  durationMs: number;
  /** 0 = no blackhole. */
  blackholeMs: number;
  /** How many events the queue keeps (Qsize); the queue holds at most `queueSize + 1`. */
  queueSize: number;
  /** Instance lifetime `D` after the last pour (counter: after the first). 0 = none. */
  lifetimeMs: number;
  /** The counter's timed overflow (1.4.6 `timedOverflow`). */
  timedOverflow: boolean;
  reprocess: boolean;
  scopeType: string;
  scopeExpr: RunnableExpr | null;
  /**
   * HEAD `Labels map[string]interface{}`: any YAML value (lists for `classification`, numbers for
   * `confidence`), scalars as their source text. No alert carries them; only `remediation` matters.
   */
  labels: Readonly<Record<string, unknown>>;
  /** `labels.remediation` decodes to YAML true (HEAD `NewAlert`: `v == true`). */
  remediation: boolean;
  bayesian: {
    prior: number;
    threshold: number;
    conditions: CompiledBayesianCondition[];
  } | null;
}

/**
 * 1.4.6 `LoadBucket` + `ValidateFactory`: checks the type-specific requirements, parses durations
 * and compiles every expression. Throws a {@link ScenarioConfigError} naming the file, the
 * scenario and the key.
 */
export function compileScenario(
  config: ScenarioConfig,
  ctx: ScenarioCompileContext,
): CompiledScenario {
  const where = `${ctx.path} (${config.name || "nameless bucket"})`;
  const fail = (key: string, message: string): never => {
    throw new ScenarioConfigError(`${where}: ${key}: ${message}`);
  };
  if (config.name === "") fail("name", "nameless bucket");
  if (config.description === "") fail("description", "description is mandatory");
  if (config.filter === "") fail("filter", "bucket without filter");
  if (!(BUCKET_TYPES as readonly string[]).includes(config.type)) {
    fail("type", `unknown bucket type '${config.type}'`);
  }
  const type = config.type as BucketType;

  const integer = (key: "capacity" | "cache_size", text: string): number => {
    if (text === "") return 0;
    if (!/^[-+]?\d+$/.test(text)) fail(key, `cannot unmarshal '${text}' into int`);
    return Number(text);
  };
  const duration = (key: string, text: string): number => {
    if (text === "") return 0;
    const parsed = parseGoDuration(text);
    if (!parsed.ok) return fail(key, parsed.error);
    return parsed.ms;
  };
  const float32 = (key: string, text: string): number => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) fail(key, `invalid number '${text}'`);
    return Math.fround(value);
  };
  const bool = (key: string, value: string | boolean | null | undefined): boolean => {
    if (value === undefined || value === null) return false;
    if (typeof value === "boolean") return value;
    if (TRUE_WORDS.has(value)) return true;
    if (FALSE_WORDS.has(value)) return false;
    return fail(key, `cannot unmarshal ${value} into bool`);
  };

  const capacity = integer("capacity", config.capacity);
  const leakspeedMs = duration("leakspeed", config.leakspeed);
  const durationMs = duration("duration", config.duration);
  const blackholeMs = duration("blackhole", config.blackhole);
  const cacheSize = integer("cache_size", config.cache_size);

  // 1.4.6 `ValidateFactory`, message texts kept.
  switch (type) {
    case "leaky":
      if (capacity <= 0) fail("capacity", `bad capacity for leaky '${capacity}'`);
      if (config.leakspeed === "") fail("leakspeed", "leakspeed can't be empty for leaky");
      if (leakspeedMs <= 0) fail("leakspeed", `bad leakspeed for leaky '${config.leakspeed}'`);
      break;
    case "counter":
      if (config.duration === "") fail("duration", "duration can't be empty for counter");
      if (capacity !== -1) fail("capacity", "counter bucket must have -1 capacity");
      break;
    case "trigger":
      if (capacity !== 0) fail("capacity", "trigger bucket must have 0 capacity");
      break;
    case "conditional":
      if (config.condition === "") fail("condition", "conditional bucket must have a condition");
      if (config.leakspeed === "") fail("leakspeed", "leakspeed can't be empty for conditional");
      break;
    case "bayesian":
      if ((config.bayesian_conditions ?? []).length === 0) {
        fail("bayesian_conditions", "bayesian bucket must have bayesian conditions");
      }
      if (config.bayesian_prior === "") fail("bayesian_prior", "bayesian bucket must have a prior");
      if (config.bayesian_threshold === "") {
        fail("bayesian_threshold", "bayesian bucket must have a threshold");
      }
      if (capacity !== -1) fail("capacity", "bayesian bucket must have capacity -1");
      if (config.leakspeed === "") fail("leakspeed", "leakspeed can't be empty for bayesian");
      break;
  }
  if (type !== "conditional" && config.condition !== "") {
    fail("condition", `condition is only valid for conditional buckets, not '${type}'`);
  }
  if (type !== "bayesian" && (config.bayesian_conditions ?? []).length > 0) {
    fail("bayesian_conditions", `only valid for bayesian buckets, not '${type}'`);
  }

  for (const entry of config.data ?? []) ctx.loadData?.(entry, `${where}.data`);
  const compile = (key: string, text: string): RunnableExpr | null =>
    text === "" ? null : ctx.compileExpr(text, `${where}.${key}`);

  const scopeType = config.scope?.type || "Ip";
  const scopeExpr = compile("scope.expression", config.scope?.expression ?? "");
  if (scopeType !== "Ip" && scopeType !== "Range" && scopeExpr === null) {
    fail("scope.expression", `a scope expression is required for scope type '${scopeType}'`);
  }

  // HEAD decodes labels into map[string]interface{}: lists and maps are fine (1.4.6's
  // map[string]string refused them; see docs/compatibility.md, "Scenarios").
  const labels = Object.freeze({ ...(config.labels ?? {}) });
  const remediationLabel = labels.remediation;

  let bayesian: CompiledScenario["bayesian"] = null;
  if (type === "bayesian") {
    const prior = float32("bayesian_prior", config.bayesian_prior);
    const threshold = float32("bayesian_threshold", config.bayesian_threshold);
    if (!(prior > 0 && prior <= 1)) fail("bayesian_prior", "must be in (0, 1]");
    if (!(threshold > 0 && threshold <= 1)) fail("bayesian_threshold", "must be in (0, 1]");
    const conditions = (config.bayesian_conditions ?? []).map((entry, i) => {
      const key = `bayesian_conditions.${i}`;
      if (entry.condition === "") fail(`${key}.condition`, "condition is mandatory");
      return {
        condition: compile(`${key}.condition`, entry.condition)!,
        probGivenEvil: float32(`${key}.prob_given_evil`, entry.prob_given_evil),
        probGivenBenign: float32(`${key}.prob_given_benign`, entry.prob_given_benign),
        guillotine: bool(`${key}.guillotine`, entry.guillotine),
      };
    });
    bayesian = { prior, threshold, conditions };
  }

  // 1.4.6 `NewLeaky`: Qsize is the capacity unless cache_size is smaller; -1 = unbounded.
  let queueSize = capacity === -1 ? Number.POSITIVE_INFINITY : capacity;
  if (cacheSize > 0 && cacheSize < queueSize) queueSize = cacheSize;

  // 1.4.6 `NewLeaky`: D = (capacity+1)·leakspeed; a counter's duration replaces it. HEAD:
  // conditional and bayesian buckets live `leakspeed` after their last pour.
  let lifetimeMs = 0;
  if (capacity > 0 && leakspeedMs > 0) lifetimeMs = (capacity + 1) * leakspeedMs;
  if (type === "conditional" || type === "bayesian") lifetimeMs = leakspeedMs;
  if (durationMs > 0) lifetimeMs = durationMs;

  return {
    name: config.name,
    id: `${config.name}\u0000${config.filter}`,
    description: config.description,
    type,
    path: ctx.path,
    hash: ctx.hash ?? "",
    version: ctx.version ?? "",
    simulated: ctx.simulated ?? false,
    filter: compile("filter", config.filter)!,
    groupby: compile("groupby", config.groupby),
    distinct: compile("distinct", config.distinct),
    cancelOn: compile("cancel_on", config.cancel_on),
    overflowFilter: compile("overflow_filter", config.overflow_filter),
    condition: compile("condition", config.condition),
    capacity,
    leakspeedMs,
    leakspeedText: goDurationString(leakspeedMs),
    durationMs,
    blackholeMs,
    queueSize,
    lifetimeMs,
    timedOverflow: durationMs > 0,
    reprocess: bool("reprocess", config.reprocess),
    scopeType,
    scopeExpr,
    labels,
    remediation: typeof remediationLabel === "string" && TRUE_WORDS.has(remediationLabel),
    bayesian,
  };
}

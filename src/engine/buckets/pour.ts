import type { AlertSource, OverflowAlert } from "../event.js";
import { ExpectMode, type PipelineEvent } from "../event.js";
import { type AlertBody, buildAlert, expressionAlert } from "./alert.js";
import type { CompiledScenario } from "./compile.js";
import { type BucketTime, parseMarshaledTime, wallClockTime } from "./event-time.js";
import { allow, type LimiterState, newLimiter } from "./limiter.js";
import { type QueuedEvent, reviveEvent, snapshotEvent } from "./queued-event.js";

/**
 * One bucket instance (1.4.6 `Leaky`) as plain, serialisable data. Times are Go `MarshalText`
 * texts plus microseconds for arithmetic.
 */
export interface BucketState {
  /** Partition key: scenario + groupby value (see `bucketKey`). */
  key: string;
  scenario: string;
  /** `CompiledScenario.id` of the factory that created it (absent in older snapshots). */
  scenarioId?: string;
  /** The `ExpectMode` of the event that created the instance: LIVE or TIMEMACHINE. */
  mode: number;
  limiter: LimiterState;
  totalCount: number;
  firstTs: string;
  lastTs: string;
  /** `Last_ts` in µs; null before the first pour (a fresh instance never counts as expired). */
  lastUs: number | null;
  /** `First_ts` in µs (a counter's lifetime runs from its first pour). */
  firstUs: number | null;
  queue: QueuedEvent[];
  /** Values of `distinct` already poured into this instance. */
  seen: string[];
  /** Bayesian guillotines that fired, one flag per condition. */
  guillotines: boolean[];
}

/** Per-scenario blackhole list (1.4.6 `Blackhole.hiddenKeys`): partition key → expiry. */
export type BlackholeState = { key: string; untilUs: number }[];

/** What an overflowing instance produced (1.4.6 `RuntimeAlert` + the overflow event's time). */
export interface BucketOverflow {
  scenario: string;
  bucketKey: string;
  /** `MarshalText` of `Ovflw_ts`: the overflow event's `MarshaledTime`. */
  time: string;
  /** One API alert per source (1.4.6 `APIAlerts`), shaped like `POST /v1/alerts` elements. */
  alerts: AlertBody[];
  sources: Record<string, AlertSource>;
  /** The first alert as expressions read it (`evt.Overflow.Alert`). */
  alert: OverflowAlert | null;
  reprocess: boolean;
  /** Why no alert goes out: alert creation failed, `overflow_filter` said no, or a blackhole. */
  dropped: null | { reason: "alert-error" | "overflow_filter" | "blackhole"; detail: string };
}

export type PourOutcome = "poured" | "overflow" | "distinct" | "cancelled" | "no-time";

export interface PourResult {
  /** The instance after the pour; null when it died (overflow, cancel_on). */
  state: BucketState | null;
  blackhole: BlackholeState;
  outcome: PourOutcome;
  overflow: BucketOverflow | null;
  /** The previous instance had outlived its lifetime and was replaced by a fresh one. */
  expired: boolean;
}

/** A fresh instance: full token bucket, empty queue, empty distinct set (1.4.6 `NewLeaky`). */
export function newBucket(scenario: CompiledScenario, key: string, mode: number): BucketState {
  return {
    key,
    scenario: scenario.name,
    scenarioId: scenario.id,
    mode,
    limiter: newLimiter(),
    totalCount: 0,
    firstTs: "",
    lastTs: "",
    lastUs: null,
    firstUs: null,
    queue: [],
    seen: [],
    guillotines: (scenario.bayesian?.conditions ?? []).map(() => false),
  };
}

/**
 * True when the instance has outlived `D` at time `us`: after its last pour for leaky,
 * conditional and bayesian buckets; after its first for LIVE counters (their timer is never reset).
 */
export function isExpired(state: BucketState, scenario: CompiledScenario, us: number): boolean {
  if (scenario.lifetimeMs <= 0) return false;
  const from =
    scenario.timedOverflow && state.mode === ExpectMode.LIVE ? state.firstUs : state.lastUs;
  return from !== null && us > from + scenario.lifetimeMs * 1000;
}

/** The time a pour happens at: the event's `MarshaledTime` in replay, the wall clock live. */
export function pourTime(mode: number, evt: PipelineEvent, nowMs: number): BucketTime | null {
  return mode === ExpectMode.TIMEMACHINE
    ? parseMarshaledTime(evt.MarshaledTime)
    : wallClockTime(nowMs);
}

/** Queue add (1.4.6 `Queue.Add`): trims to Qsize, then appends — at most Qsize+1 events. */
function enqueue(queue: QueuedEvent[], size: number, q: QueuedEvent): QueuedEvent[] {
  const out = queue.length > size ? queue.slice(queue.length - size) : queue.slice();
  out.push(q);
  return out;
}

/** The `queue` and `leaky` objects the HEAD condition / overflow_filter expressions read. */
function exprEnv(state: BucketState, scenario: CompiledScenario, evt: PipelineEvent | null) {
  const events = state.queue.map(reviveEvent);
  const queue = { Queue: events, L: scenario.queueSize, GetQueue: () => events };
  const leaky = {
    Name: scenario.name,
    Mode: state.mode,
    Total_count: state.totalCount,
    First_ts: state.firstTs,
    Last_ts: state.lastTs,
    Capacity: scenario.capacity,
  };
  return evt ? { evt, queue, leaky } : { queue, leaky };
}

/** HEAD `updateProbability`, in float32 like Go. */
function updateProbability(prior: number, evil: number, benign: number): number {
  const f = Math.fround;
  const numerator = f(evil * prior);
  const denominator = f(numerator + f(benign * f(1 - prior)));
  return f(numerator / denominator);
}

/**
 * Pours one event into one instance of `scenario` (the caller evaluated `filter` and `groupby`),
 * mirroring 1.4.6 `PourItemToHolders` + `LeakRoutine`: replay expiry, the type processor, distinct,
 * cancel_on, the limiter, then on overflow `NewAlert`, overflow_filter and the blackhole.
 * `nowMs` is the wall clock, used only by LIVE instances. Pure: `state` and `blackhole` are not
 * mutated. `queued` may supply a ready (shared, never mutated) snapshot of `evt`.
 */
export function pour(
  state: BucketState,
  evt: PipelineEvent,
  scenario: CompiledScenario,
  nowMs: number,
  blackhole: BlackholeState = [],
  queued?: () => QueuedEvent,
): PourResult {
  // The manager shares one snapshot of the event between the instances it is poured into.
  const snapshot = queued ?? (() => snapshotEvent(evt));
  const unchanged = (outcome: PourOutcome): PourResult => ({
    state,
    blackhole,
    outcome,
    overflow: null,
    expired: false,
  });
  let time = pourTime(state.mode, evt, nowMs);
  let expired = false;
  // 1.4.6 `Trigger` falls back to the wall clock when MarshaledTime does not parse.
  if (time === null && scenario.type === "trigger") time = wallClockTime(nowMs);
  if (time === null) return unchanged("no-time");
  let b = state;
  if (isExpired(b, scenario, time.us)) {
    b = newBucket(scenario, state.key, state.mode);
    expired = true;
  }

  const overflowNow = (next: BucketState, ovflw: BucketTime): PourResult => {
    const result = overflow(next, scenario, ovflw, blackhole);
    return {
      state: null,
      blackhole: result.blackhole,
      outcome: "overflow",
      overflow: result.overflow,
      expired,
    };
  };

  if (scenario.type === "trigger") {
    // The trigger processor runs first and overflows every event (distinct never sees it).
    const next: BucketState = {
      ...b,
      totalCount: 1,
      firstTs: time.text,
      lastTs: time.text,
      firstUs: time.us,
      lastUs: time.us,
      queue: enqueue(b.queue, scenario.queueSize, snapshot()),
    };
    return overflowNow(next, time);
  }

  let distinct: string | null = null;
  if (scenario.distinct) {
    try {
      const value = scenario.distinct.run({ evt });
      distinct = typeof value === "string" ? value : "";
    } catch {
      // 1.4.6 logs "Uniq filter exec failed" and lets the event through.
      distinct = null;
    }
    if (distinct !== null && b.seen.includes(distinct)) {
      return { state: b, blackhole, outcome: "distinct", overflow: null, expired };
    }
  }
  if (scenario.cancelOn) {
    let cancel = false;
    try {
      cancel = scenario.cancelOn.run({ evt }) === true;
    } catch {
      cancel = false;
    }
    if (cancel) return { state: null, blackhole, outcome: "cancelled", overflow: null, expired };
  }

  let next: BucketState = {
    ...b,
    seen: distinct !== null ? [...b.seen, distinct] : b.seen,
    totalCount: b.totalCount + 1,
    firstTs: b.firstUs === null ? time.text : b.firstTs,
    firstUs: b.firstUs === null ? time.us : b.firstUs,
    lastTs: time.text,
    lastUs: time.us,
    queue: enqueue(b.queue, scenario.queueSize, snapshot()),
  };
  if (scenario.capacity > 0) {
    const verdict = allow(
      b.limiter,
      { intervalNs: scenario.leakspeedMs * 1e6, burst: scenario.capacity },
      time.us,
    );
    if (!verdict.allowed) return overflowNow(next, time);
    next = { ...next, limiter: verdict.state };
  }

  if (scenario.type === "conditional" && scenario.condition) {
    // HEAD `ConditionalOverflow.AfterBucketPour`: the condition sees the queue with this event.
    let fire = false;
    try {
      fire = scenario.condition.run(exprEnv(next, scenario, evt)) === true;
    } catch {
      fire = false;
    }
    if (fire) return overflowNow(next, time);
  }
  if (scenario.type === "bayesian" && scenario.bayesian) {
    // HEAD `BayesianBucket.AfterBucketPour`: the posterior is recomputed from the prior on every
    // pour; a guillotine condition that was true once stays true for the instance.
    let posterior = scenario.bayesian.prior;
    const guillotines = next.guillotines.slice();
    const env = exprEnv(next, scenario, evt);
    scenario.bayesian.conditions.forEach((c, i) => {
      let hit = guillotines[i] === true;
      if (!hit) {
        try {
          hit = c.condition.run(env) === true;
        } catch {
          hit = false;
        }
        if (hit && c.guillotine) guillotines[i] = true;
      }
      posterior = hit
        ? updateProbability(posterior, c.probGivenEvil, c.probGivenBenign)
        : updateProbability(
            posterior,
            Math.fround(1 - c.probGivenEvil),
            Math.fround(1 - c.probGivenBenign),
          );
    });
    next = { ...next, guillotines };
    if (posterior > scenario.bayesian.threshold) return overflowNow(next, time);
  }
  return { state: next, blackhole, outcome: "poured", overflow: null, expired };
}

/**
 * 1.4.6 `Leaky.overflow`: builds the alert, then runs the overflow hooks in processor order
 * (overflow_filter, blackhole). The instance dies whatever they decide.
 */
export function overflow(
  state: BucketState,
  scenario: CompiledScenario,
  ovflw: BucketTime,
  blackhole: BlackholeState,
): { overflow: BucketOverflow; blackhole: BlackholeState } {
  const out: BucketOverflow = {
    scenario: scenario.name,
    bucketKey: state.key,
    time: ovflw.text,
    alerts: [],
    sources: {},
    alert: null,
    reprocess: scenario.reprocess,
    dropped: null,
  };
  try {
    const built = buildAlert(scenario, {
      totalCount: state.totalCount,
      firstTs: state.firstTs,
      lastTs: state.lastTs,
      ovflwTs: ovflw.text,
      queue: state.queue,
    });
    out.alerts = built.alerts;
    out.sources = built.sources;
    out.alert = expressionAlert(scenario, built);
  } catch (error) {
    out.dropped = { reason: "alert-error", detail: (error as Error).message };
    return { overflow: out, blackhole };
  }
  if (scenario.overflowFilter) {
    let keep = true;
    try {
      const signal = {
        Mapkey: state.key,
        Alert: out.alert,
        APIAlerts: out.alerts,
        Sources: out.sources,
      };
      keep = scenario.overflowFilter.run({ ...exprEnv(state, scenario, null), signal }) !== false;
    } catch {
      keep = true;
    }
    if (!keep) {
      out.dropped = { reason: "overflow_filter", detail: "overflow_filter returned false" };
      return { overflow: out, blackhole };
    }
  }
  if (scenario.blackholeMs > 0) {
    // Expired entries are purged; a key still listed swallows the alert, else it is listed.
    const live = blackhole.filter((entry) => entry.untilUs > ovflw.us);
    if (live.some((entry) => entry.key === state.key)) {
      out.dropped = { reason: "blackhole", detail: `${state.key} still blackholed` };
      return { overflow: out, blackhole: live };
    }
    return {
      overflow: out,
      blackhole: [...live, { key: state.key, untilUs: ovflw.us + scenario.blackholeMs * 1000 }],
    };
  }
  return { overflow: out, blackhole };
}

/**
 * The LIVE timer firing (1.4.6 `durationTicker`): a counter emits its timed overflow with every
 * queued event; any other instance underflows silently. TIMEMACHINE instances never emit here.
 */
export function expire(
  state: BucketState,
  scenario: CompiledScenario,
  nowMs: number,
  blackhole: BlackholeState = [],
): { blackhole: BlackholeState; overflow: BucketOverflow | null } {
  if (scenario.timedOverflow && state.mode === ExpectMode.LIVE && state.totalCount > 0) {
    const result = overflow(state, scenario, wallClockTime(nowMs), blackhole);
    return { blackhole: result.blackhole, overflow: result.overflow };
  }
  return { blackhole, overflow: null };
}

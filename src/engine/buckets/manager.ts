import { EventType, ExpectMode, PipelineEvent } from "../event.js";
import type { CompiledScenario } from "./compile.js";
import { parseMarshaledTime } from "./event-time.js";
import {
  type BlackholeState,
  type BucketOverflow,
  type BucketState,
  expire,
  isExpired,
  newBucket,
  pour,
} from "./pour.js";
import { type QueuedEvent, snapshotEvent } from "./queued-event.js";
import { createRouter } from "./routing.js";

/** Everything a manager holds, as plain data (what a Durable Object would persist). */
export interface BucketSnapshot {
  buckets: BucketState[];
  /** By `CompiledScenario.id` (name NUL filter). */
  blackholes: Record<string, BlackholeState>;
  /** Latest event time seen by TIMEMACHINE pours, µs. */
  watermarkUs: number | null;
}

/** The outcome of routing one event through every scenario. */
export interface RouteResult {
  overflows: BucketOverflow[];
  /** Instances the event was poured into (after filter and groupby). */
  poured: number;
  /** A filter or groupby failed at run time: 1.4.6 stops pouring this event there. */
  error: string | null;
}

export interface BucketManager {
  /** Pours `evt` into every scenario whose filter accepts it. `nowMs` = wall clock (LIVE). */
  pourEvent(evt: PipelineEvent, nowMs?: number): RouteResult;
  /**
   * Removes idle instances: LIVE ones past their lifetime at `nowMs` (a counter then emits its
   * timed overflow), TIMEMACHINE ones past their lifetime at the latest event time seen.
   */
  gc(nowMs?: number): BucketOverflow[];
  /** Live instances. */
  readonly size: number;
  snapshot(): BucketSnapshot;
}

/**
 * The partition key: scenario name + groupby value, + the filter when given. CrowdSec
 * (`GetKey`, 1.4.6 and HEAD) hashes filter + groupby + name, so two documents sharing a name but
 * not a filter never share an instance; the in-process manager passes the filter. The LAPI's
 * bucket objects still key by name + group.
 */
export function bucketKey(scenario: string, group: string, filter?: string): string {
  const key = `${scenario}\u0000${group}`;
  return filter === undefined ? key : `${key}\u0000${filter}`;
}

/** The filter source of a scenario, from its id (name NUL filter). */
const filterOf = (scenario: CompiledScenario) => scenario.id.slice(scenario.name.length + 1);

/**
 * The in-process bucket core (1.4.6 `PourItemToHolders` + the global bucket map): routes the
 * event (`createRouter`: each scenario's filter and groupby), finds or creates the instance and
 * pours. Scenarios are tried in
 * the order given (1.4.6 iterates a Go map: only the order of simultaneous overflows differs).
 */
export function createBucketManager(
  scenarios: readonly CompiledScenario[],
  options: { now?: () => number; restore?: BucketSnapshot } = {},
): BucketManager {
  const clock = options.now ?? Date.now;
  // The factory an instance runs with, by id (by name for snapshots older than `scenarioId`).
  // Documents with the same name and filter share an id; the first of them always pours first
  // (routes follow scenario order), so it is the one that created any instance of that id.
  const byId = new Map<string, CompiledScenario>();
  const byName = new Map<string, CompiledScenario>();
  for (const s of scenarios) {
    if (!byId.has(s.id)) byId.set(s.id, s);
    if (!byName.has(s.name)) byName.set(s.name, s);
  }
  const ownerOf = (state: BucketState) =>
    (state.scenarioId === undefined ? undefined : byId.get(state.scenarioId)) ??
    byName.get(state.scenario);
  const route = createRouter(scenarios);
  const states = new Map<string, BucketState>();
  const blackholes = new Map<string, BlackholeState>();
  let watermarkUs: number | null = options.restore?.watermarkUs ?? null;
  for (const b of options.restore?.buckets ?? []) states.set(b.key, b);
  for (const [name, list] of Object.entries(options.restore?.blackholes ?? {})) {
    blackholes.set(name, list);
  }

  return {
    pourEvent(evt, nowMs = clock()) {
      const result: RouteResult = { overflows: [], poured: 0, error: null };
      if (evt.ExpectMode === ExpectMode.TIMEMACHINE) {
        const t = parseMarshaledTime(evt.MarshaledTime);
        if (t && (watermarkUs === null || t.us > watermarkUs)) watermarkUs = t.us;
      }
      let snapshot: QueuedEvent | null = null;
      const queued = () => {
        snapshot ??= snapshotEvent(evt);
        return snapshot;
      };
      const { routes, error } = route(evt);
      result.error = error;
      for (const { scenario: router, group } of routes) {
        const key = bucketKey(router.name, group, filterOf(router));
        const existing = states.get(key);
        // Same name, filter and group (two identical documents): CrowdSec pours into the
        // instance already there, which runs with the factory that created it.
        const scenario = (existing && ownerOf(existing)) || router;
        const state = existing ?? newBucket(scenario, key, evt.ExpectMode);
        const out = pour(state, evt, scenario, nowMs, blackholes.get(scenario.id) ?? [], queued);
        result.poured++;
        if (out.state) states.set(key, out.state);
        else states.delete(key);
        if (scenario.blackholeMs > 0) blackholes.set(scenario.id, out.blackhole);
        if (out.overflow) result.overflows.push(out.overflow);
      }
      return result;
    },
    gc(nowMs = clock()) {
      const overflows: BucketOverflow[] = [];
      for (const [key, state] of states) {
        const scenario = ownerOf(state);
        if (!scenario) {
          states.delete(key);
          continue;
        }
        const live = state.mode === ExpectMode.LIVE;
        const at = live ? nowMs * 1000 : watermarkUs;
        const idle = state.lastUs === null || (at !== null && isExpired(state, scenario, at));
        if (!idle) continue;
        states.delete(key);
        if (!live || state.lastUs === null) continue;
        const out = expire(state, scenario, nowMs, blackholes.get(scenario.id) ?? []);
        if (scenario.blackholeMs > 0) blackholes.set(scenario.id, out.blackhole);
        if (out.overflow) overflows.push(out.overflow);
      }
      return overflows;
    },
    get size() {
      return states.size;
    },
    snapshot() {
      return {
        buckets: [...states.values()],
        blackholes: Object.fromEntries(blackholes),
        watermarkUs,
      };
    },
  };
}

/**
 * The OVFLW event 1.4.6 sends to the postoverflows and, for `reprocess: true` scenarios, back into
 * the buckets (ExpectMode LIVE, `MarshaledTime` = overflow time).
 */
export function overflowEvent(overflow: BucketOverflow): PipelineEvent {
  const evt = new PipelineEvent({ Type: EventType.OVFLW, ExpectMode: ExpectMode.LIVE });
  evt.MarshaledTime = overflow.time;
  evt.Overflow.Mapkey = overflow.bucketKey;
  evt.Overflow.Reprocess = overflow.reprocess;
  evt.Overflow.Sources = overflow.sources;
  evt.Overflow.Alert = overflow.alert;
  evt.Overflow.APIAlerts = overflow.alert ? [overflow.alert] : [];
  return evt;
}

import type { Db } from "../../db/client";
import { type BucketsMode, listScenarioSettings } from "../../db/hub-registry";
import type { CompiledScenario } from "../../engine/buckets";
import { type QueuedEvent, reviveEvent } from "../../engine/buckets/queued-event";
import {
  bucketObject,
  type OutboxEntry,
  type PourRequest,
  type PourResponse,
} from "../buckets/pour-rpc";
import type { Env } from "../env";
import type { ProfileCache } from "../profiles/profile-cache";
import { bucketObjectName, partitionKey } from "./bucket-routing";
import { deliverOverflows } from "./deliver";
import type { HubCache } from "./hub-cache";
import type { IngestConfig } from "./ingest-config";

/**
 * The steps shared by the events endpoint and the bucket objects' alarms: route events to bucket
 * objects, pour, deliver the overflows (postoverflows → storeAlerts), acknowledge them to their
 * objects, and pour `reprocess` overflows again.
 */

export interface FlowDeps {
  env: Env;
  db: Db;
  config: IngestConfig;
  hub: HubCache;
  waitUntil(promise: Promise<unknown>): void;
  /** Compiled profiles of the isolate (Worker) or of the object. */
  profiles?: ProfileCache;
  now: number;
}

/** An event with its targets as the agent sends them (`WireEvent` with a checked `event`). */
export interface TargetedEvent {
  id: string;
  time: number;
  event: QueuedEvent;
  buckets: { scenario: string; hash: string; group: string }[];
}

/** Pour requests per object, and for each request event the index of the batch event. */
export interface RoutedBatch {
  requests: Map<string, PourRequest>;
  origin: Map<string, number[]>;
}

/** Bucket-object RPCs in flight at once for one request. */
export const POUR_CONCURRENCY = 16;
/** Rounds of `reprocess` re-pouring (an overflow whose overflow is reprocessed…). */
const MAX_REPROCESS_DEPTH = 4;

/** Groups the targets of `events` by bucket object, keeping the batch order inside each. */
export function routeEvents(
  events: readonly TargetedEvent[],
  machineId: string,
  settings: ReadonlyMap<string, BucketsMode>,
  shards: number,
): RoutedBatch {
  const requests = new Map<string, PourRequest>();
  const origin = new Map<string, number[]>();
  events.forEach((evt, index) => {
    const byObject = new Map<string, PourRequest["events"][number]>();
    for (const t of evt.buckets) {
      const mode = settings.get(t.scenario) ?? "deployment";
      const key = partitionKey(t.scenario, t.group, mode, machineId);
      const name = bucketObjectName({ key, group: t.group, mode, machineId }, shards);
      let item = byObject.get(name);
      if (!item) {
        item = { id: evt.id, time: evt.time, event: evt.event, targets: [] };
        byObject.set(name, item);
        let request = requests.get(name);
        if (!request) {
          request = { machineId, events: [] };
          requests.set(name, request);
          origin.set(name, []);
        }
        request.events.push(item);
        origin.get(name)!.push(index);
      }
      // The same partition twice in one event would pour once anyway (dedup); skip it here.
      if (!item.targets.some((x) => x.key === key)) {
        item.targets.push({ key, scenario: t.scenario, hash: t.hash });
      }
    }
  });
  return { requests, origin };
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Sends every pour request; all are attempted even if one fails (then the first error throws). */
export async function pourRouted(
  env: Env,
  requests: ReadonlyMap<string, PourRequest>,
): Promise<Map<string, PourResponse>> {
  const names = [...requests.keys()];
  const settled = await mapBounded(names, POUR_CONCURRENCY, (name) =>
    bucketObject(env.BUCKETS, name)
      .pour(requests.get(name)!)
      .then(
        (r) => ({ ok: true as const, r }),
        (e: unknown) => ({ ok: false as const, e }),
      ),
  );
  const out = new Map<string, PourResponse>();
  for (const [i, s] of settled.entries()) {
    if (!s.ok) throw s.e;
    out.set(names[i]!, s.r);
  }
  return out;
}

/** The targets every compiled scenario's filter and groupby give `event` (Worker-side routing). */
export function targetsOf(
  scenarios: readonly CompiledScenario[],
  event: QueuedEvent,
): TargetedEvent["buckets"] {
  const evt = reviveEvent(event);
  const out: TargetedEvent["buckets"] = [];
  for (const s of scenarios) {
    try {
      if (s.filter.run({ evt }) !== true) continue;
      const group = s.groupby ? s.groupby.run({ evt }) : "";
      if (typeof group !== "string") continue;
      out.push({ scenario: s.name, hash: s.hash, group });
    } catch {
      // 1.4.6 stops pouring an event whose filter or groupby fails at run time.
      return out;
    }
  }
  return out;
}

export interface Settled {
  /** Overflows handled (including whitelisted and already-delivered ones). */
  overflows: number;
  alertIds: number[];
}

/**
 * Delivers outbox entries, acknowledges them to their objects, and pours reprocessed overflows
 * (whose own overflows are delivered the same way). Throws when D1 or an object fails: whatever
 * was not acknowledged stays in the outboxes and is delivered by a retry or by the alarm.
 */
export async function settleOverflows(
  deps: FlowDeps,
  pending: readonly { object: string; entry: OutboxEntry }[],
  ack: (object: string, ids: string[]) => Promise<void>,
): Promise<Settled> {
  const result: Settled = { overflows: 0, alertIds: [] };
  let queue = pending;
  for (let depth = 0; queue.length > 0 && depth <= MAX_REPROCESS_DEPTH; depth++) {
    result.overflows += queue.length;
    const delivery = await deliverOverflows(
      {
        db: deps.db,
        waitUntil: deps.waitUntil,
        postoverflows: await deps.hub.postoverflowPipeline(deps.db),
        ...(deps.profiles ? { profiles: deps.profiles } : {}),
        now: deps.now,
      },
      queue.map((p) => p.entry),
    );
    result.alertIds.push(...delivery.alertIds);
    const delivered = new Set(delivery.delivered);
    const byObject = new Map<string, string[]>();
    for (const p of queue) {
      if (!delivered.has(p.entry.id)) continue;
      byObject.set(p.object, [...(byObject.get(p.object) ?? []), p.entry.id]);
    }
    await Promise.all([...byObject].map(([object, ids]) => ack(object, ids)));
    queue = delivery.reprocess.length > 0 ? await pourReprocessed(deps, delivery.reprocess) : [];
  }
  return result;
}

/** 1.4.6 `reprocess: true`: the overflow event goes through every scenario again. */
async function pourReprocessed(
  deps: FlowDeps,
  items: { entry: OutboxEntry; event: QueuedEvent }[],
): Promise<{ object: string; entry: OutboxEntry }[]> {
  const scenarios = await deps.hub.allScenarios(deps.db);
  const settings = await scenarioModes(deps.db);
  const byMachine = new Map<string, TargetedEvent[]>();
  for (const { entry, event } of items) {
    const buckets = targetsOf(scenarios, event);
    if (buckets.length === 0) continue;
    const list = byMachine.get(entry.machineId) ?? [];
    list.push({ id: `${entry.id}/reprocess`, time: entry.time, event, buckets });
    byMachine.set(entry.machineId, list);
  }
  const out: { object: string; entry: OutboxEntry }[] = [];
  for (const [machineId, events] of byMachine) {
    const routed = routeEvents(events, machineId, settings, deps.config.shards);
    for (const [object, r] of await pourRouted(deps.env, routed.requests)) {
      for (const entry of r.outbox) out.push({ object, entry });
    }
  }
  return out;
}

/** Acknowledges delivered entries to bucket objects over RPC. */
export function ackByRpc(env: Env) {
  return async (object: string, ids: string[]) => {
    await bucketObject(env.BUCKETS, object).ack(ids);
  };
}

/** Per-scenario bucket partitioning chosen by admins. */
export async function scenarioModes(db: Db): Promise<Map<string, BucketsMode>> {
  return new Map((await listScenarioSettings(db)).map((row) => [row.name, row.buckets]));
}

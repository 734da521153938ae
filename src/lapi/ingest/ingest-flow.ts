import type { Db } from "../../db/client";
import { type BucketsMode, listScenarioSettings } from "../../db/hub-registry";
import type { CompiledScenario } from "../../engine/buckets";
import { type QueuedEvent, reviveEvent } from "../../engine/buckets/queued-event";
import type { Env } from "../env";
import type { ProfileCache } from "../profiles/profile-cache";
import { bucketObjectName, partitionKey } from "./bucket-routing";
import type { HubCache } from "./hub-cache";
import type { IngestConfig } from "./ingest-config";
import { bucketObject, type PourRequest, type PourResponse } from "./pour-rpc";

/**
 * The Worker side of pouring: route targeted events to bucket objects (partition key → object
 * name) and send the pour RPCs, bounded. Used by the events endpoint and by the delivery's
 * `reprocess` re-pour; the objects themselves never pour into each other.
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

/** One bucket an event goes to, its scenario resolved to the content the machine registered. */
export interface RoutedTarget {
  scenario: string;
  /** `hub_contents.key` of the file defining the scenario in the machine's hub. */
  contentKey: string;
  group: string;
}

/** An event with its resolved targets (`WireEvent` with a checked `event`). */
export interface TargetedEvent {
  id: string;
  time: number;
  event: QueuedEvent;
  buckets: RoutedTarget[];
}

/** Pour requests per object, and for each request event the index of the batch event. */
export interface RoutedBatch {
  requests: Map<string, PourRequest>;
  origin: Map<string, number[]>;
}

/** Bucket-object RPCs in flight at once for one request. */
export const POUR_CONCURRENCY = 16;

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
      const key = partitionKey(t.scenario, t.group, t.contentKey, mode, machineId);
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
        item.targets.push({ key, scenario: t.scenario, contentKey: t.contentKey });
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
  scenarios: readonly { scenario: CompiledScenario; contentKey: string }[],
  event: QueuedEvent,
): RoutedTarget[] {
  const evt = reviveEvent(event);
  const out: RoutedTarget[] = [];
  for (const { scenario: s, contentKey } of scenarios) {
    try {
      if (s.filter.run({ evt }) !== true) continue;
      const group = s.groupby ? s.groupby.run({ evt }) : "";
      if (typeof group !== "string") continue;
      out.push({ scenario: s.name, contentKey, group });
    } catch {
      // 1.4.6 stops pouring an event whose filter or groupby fails at run time.
      return out;
    }
  }
  return out;
}

/** Per-scenario bucket partitioning chosen by admins. */
export async function scenarioModes(db: Db): Promise<Map<string, BucketsMode>> {
  return new Map((await listScenarioSettings(db)).map((row) => [row.name, row.buckets]));
}

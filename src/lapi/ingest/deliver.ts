import type { Db } from "../../db/client";
import {
  deliveredOverflows,
  isAlreadyDelivered,
  markDeliveredStatement,
} from "../../db/ingested-events";
import { type AlertBody, overflowEvent } from "../../engine/buckets";
import { type QueuedEvent, snapshotEvent } from "../../engine/buckets/queued-event";
import type { Pipeline } from "../../engine/parser/pipeline";
import { type MinPrefix, parseMinPrefix } from "../../shared/min-prefix";
import type { ValidAlert } from "../models/alert";
import type { ProfileCache } from "../profiles/profile-cache";
import { storeAlerts } from "../store-alerts";
import {
  type FlowDeps,
  pourRouted,
  routeEvents,
  scenarioModes,
  type TargetedEvent,
  targetsOf,
} from "./ingest-flow";
import { bucketObject, type OutboxBatch, type OutboxEntry, type Settled } from "./pour-rpc";

/**
 * The overflow delivery: the one owner of outbox entry → postoverflows → `storeAlerts` → ack →
 * `reprocess` re-pour. The events endpoint calls {@link deliverOutboxes} in-process; a bucket
 * object's alarm calls it through the `OverflowDelivery` entrypoint (`delivery-entrypoint.ts`).
 *
 * Storing is exactly once: each overflow goes through the registered postoverflows (1.4.6
 * `runPostOverflow`: a whitelisted overflow raises no alert), then its `POST /v1/alerts` elements
 * go through `storeAlerts` — the path agents' own alerts take. The ids of the overflows are
 * written to `ingest_deliveries` inside the same D1 batch as the alerts, so a delivery that is
 * repeated (the object never heard the ack) fails on the primary key and stores nothing; the ids
 * already in the ledger are skipped up front.
 */

/** Rounds of `reprocess` re-pouring (an overflow whose overflow is reprocessed…). */
const MAX_REPROCESS_DEPTH = 4;

export interface DeliverDeps {
  db: Db;
  waitUntil(promise: Promise<unknown>): void;
  /** The postoverflow pipeline of a machine's own hub (null: it registered none). */
  postoverflows(machineId: string): Promise<Pipeline | null>;
  /** The caller's compiled profiles (isolate or object cache). */
  profiles?: ProfileCache;
  /** `MIN_DECISION_PREFIX`: wider profile decisions are not stored (`storeAlerts`). */
  minDecisionPrefix?: MinPrefix;
  now: number;
  /**
   * Runs on the `reprocess` overflows once postoverflows kept them, before any alert is stored
   * (the delivery re-pours them there).
   */
  beforeStore?(reprocess: Delivery["reprocess"]): Promise<void>;
}

export interface Delivery {
  /** Entries now stored (or found already stored, or raising no alert): ack them. */
  delivered: string[];
  /** Ids of the alerts created now. */
  alertIds: number[];
  /** Overflow events of `reprocess: true` scenarios, to pour again. */
  reprocess: { entry: OutboxEntry; event: QueuedEvent }[];
  whitelisted: number;
}

/** 1.4.6 keeps `Alert` pointing at `APIAlerts[0]`: a postoverflow that re-scopes it re-scopes that alert. */
function applyPostoverflowSource(alerts: AlertBody[], source: unknown): AlertBody[] {
  const s = source as { Scope?: unknown; Value?: unknown } | null;
  if (!s || alerts.length === 0) return alerts;
  const first = alerts[0]!;
  const scope = typeof s.Scope === "string" ? s.Scope : first.source.scope;
  const value = typeof s.Value === "string" ? s.Value : first.source.value;
  if (scope === first.source.scope && value === first.source.value) return alerts;
  return [{ ...first, source: { ...first.source, scope, value } }, ...alerts.slice(1)];
}

/** Delivers outbox entries (any machines); throws when D1 fails (the entries stay pending). */
export async function deliverOverflows(
  deps: DeliverDeps,
  list: readonly OutboxEntry[],
  retried = false,
): Promise<Delivery> {
  const out: Delivery = { delivered: [], alertIds: [], reprocess: [], whitelisted: 0 };
  const entries = [...new Map(list.map((e) => [e.id, e])).values()];
  const done = await deliveredOverflows(
    deps.db,
    entries.map((e) => e.id),
  );
  const byMachine = new Map<string, { ids: string[]; alerts: ValidAlert[] }>();
  const pipelines = new Map<string, Promise<Pipeline | null>>();
  const postoverflowsOf = (machineId: string) => {
    let p = pipelines.get(machineId);
    if (!p) {
      p = deps.postoverflows(machineId);
      pipelines.set(machineId, p);
    }
    return p;
  };
  for (const entry of entries) {
    if (done.has(entry.id)) {
      out.delivered.push(entry.id);
      continue;
    }
    const overflow = entry.overflow;
    let alerts: AlertBody[] = [];
    if (overflow.dropped === null) {
      const evt = overflowEvent(overflow);
      // The postoverflows of the machine whose event caused the overflow, nobody else's.
      (await postoverflowsOf(entry.machineId))?.parse(evt);
      if (evt.Overflow.Whitelisted) out.whitelisted++;
      else {
        alerts = applyPostoverflowSource(overflow.alerts, evt.Overflow.Alert?.Source ?? null);
        if (overflow.reprocess) out.reprocess.push({ entry, event: snapshotEvent(evt) });
      }
    }
    const group = byMachine.get(entry.machineId) ?? { ids: [], alerts: [] };
    group.ids.push(entry.id);
    group.alerts.push(...(alerts as ValidAlert[]));
    byMachine.set(entry.machineId, group);
  }
  // Before storing: a delivery that dies after its re-pour and before its store is repeated
  // whole, and the repeated re-pour is deduplicated by the objects (`<overflow id>/reprocess`).
  if (out.reprocess.length > 0) await deps.beforeStore?.(out.reprocess);
  for (const [machineId, group] of byMachine) {
    const marker = markDeliveredStatement(deps.db, group.ids, deps.now);
    try {
      const ids = await storeAlerts(
        {
          db: deps.db,
          waitUntil: deps.waitUntil,
          sameTransaction: [marker],
          ...(deps.profiles ? { profiles: deps.profiles } : {}),
          ...(deps.minDecisionPrefix ? { minDecisionPrefix: deps.minDecisionPrefix } : {}),
        },
        group.alerts,
        machineId,
        deps.now,
      );
      out.alertIds.push(...ids.filter((id) => id >= 0));
    } catch (error) {
      // Another deliverer stored some of these meanwhile: nothing of this batch was written.
      if (retried || !isAlreadyDelivered(error)) throw error;
      const retry = entries.filter((e) => group.ids.includes(e.id));
      const { beforeStore: _poured, ...rest } = deps;
      const again = await deliverOverflows(rest, retry, true);
      out.alertIds.push(...again.alertIds);
    }
    out.delivered.push(...group.ids);
  }
  return out;
}

/**
 * Delivers outbox entries, acknowledges them to the objects holding them, and pours reprocessed
 * overflows before their alerts are stored (the overflows of those pours are delivered the same
 * way, up to {@link MAX_REPROCESS_DEPTH} rounds). Throws when D1 or an object fails: whatever was not acknowledged stays in the outboxes
 * and is delivered again by a retry, a later request or the object's alarm.
 */
export async function deliverOutboxes(
  deps: FlowDeps,
  batches: readonly OutboxBatch[],
): Promise<Settled> {
  const result: Settled = { overflows: 0, alertIds: [] };
  let queue = batches.flatMap((b) => b.entries.map((entry) => ({ object: b.object, entry })));
  for (let depth = 0; queue.length > 0 && depth <= MAX_REPROCESS_DEPTH; depth++) {
    result.overflows += queue.length;
    let next: { object: string; entry: OutboxEntry }[] = [];
    const delivery = await deliverOverflows(
      {
        db: deps.db,
        waitUntil: deps.waitUntil,
        postoverflows: (machineId) => deps.hub.postoverflowPipeline(deps.db, machineId),
        minDecisionPrefix: parseMinPrefix(deps.env.MIN_DECISION_PREFIX) ?? undefined,
        ...(deps.profiles ? { profiles: deps.profiles } : {}),
        now: deps.now,
        beforeStore: async (reprocess) => {
          next = await pourReprocessed(deps, reprocess);
        },
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
    await Promise.all(
      [...byObject].map(([object, ids]) => bucketObject(deps.env.BUCKETS, object).ack(ids)),
    );
    queue = next;
  }
  return result;
}

/**
 * 1.4.6 `reprocess: true`: the overflow event goes through every scenario of the overflow's
 * machine's hub again — routed by the Worker-side filters (`targetsOf`) and poured like an
 * agent's event of that machine,
 * with the id `<overflow id>/reprocess` (a repeated delivery is deduplicated by the objects).
 */
async function pourReprocessed(
  deps: FlowDeps,
  items: { entry: OutboxEntry; event: QueuedEvent }[],
): Promise<{ object: string; entry: OutboxEntry }[]> {
  const settings = await scenarioModes(deps.db);
  const byMachine = new Map<string, TargetedEvent[]>();
  const scenariosOf = new Map<string, Awaited<ReturnType<typeof deps.hub.machineScenarios>>>();
  for (const { entry, event } of items) {
    let scenarios = scenariosOf.get(entry.machineId);
    if (!scenarios) {
      scenarios = await deps.hub.machineScenarios(deps.db, entry.machineId);
      scenariosOf.set(entry.machineId, scenarios);
    }
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

import type { Db } from "../../db/client";
import {
  deliveredOverflows,
  isAlreadyDelivered,
  markDeliveredStatement,
} from "../../db/ingested-events";
import { type AlertBody, overflowEvent } from "../../engine/buckets";
import { type QueuedEvent, snapshotEvent } from "../../engine/buckets/queued-event";
import type { Pipeline } from "../../engine/parser/pipeline";
import type { OutboxEntry } from "../buckets/pour-rpc";
import type { ValidAlert } from "../models/alert";
import type { ProfileCache } from "../profiles/profile-cache";
import { storeAlerts } from "../store-alerts";

/**
 * Turning outbox overflows into alerts, exactly once. Each overflow goes through the registered
 * postoverflows (1.4.6 `runPostOverflow`: a whitelisted overflow raises no alert), then its
 * `POST /v1/alerts` elements go through `storeAlerts` — the path agents' own alerts take. The ids
 * of the overflows are written to `ingest_deliveries` inside the same D1 batch as the alerts, so a
 * delivery that is repeated (the object never heard the ack) fails on the primary key and stores
 * nothing; the ids already in the ledger are skipped up front.
 */

export interface DeliverDeps {
  db: Db;
  waitUntil(promise: Promise<unknown>): void;
  postoverflows: Pipeline | null;
  /** The caller's compiled profiles (isolate or object cache). */
  profiles?: ProfileCache;
  now: number;
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
  for (const entry of entries) {
    if (done.has(entry.id)) {
      out.delivered.push(entry.id);
      continue;
    }
    const overflow = entry.overflow;
    let alerts: AlertBody[] = [];
    if (overflow.dropped === null) {
      const evt = overflowEvent(overflow);
      deps.postoverflows?.parse(evt);
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
  for (const [machineId, group] of byMachine) {
    const marker = markDeliveredStatement(deps.db, group.ids, deps.now);
    try {
      const ids = await storeAlerts(
        {
          db: deps.db,
          waitUntil: deps.waitUntil,
          sameTransaction: [marker],
          ...(deps.profiles ? { profiles: deps.profiles } : {}),
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
      const again = await deliverOverflows(deps, retry, true);
      out.alertIds.push(...again.alertIds);
    }
    out.delivered.push(...group.ids);
  }
  return out;
}

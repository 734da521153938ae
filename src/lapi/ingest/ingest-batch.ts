import { recordIngestedEvents } from "../../db/ingested-events";
import type { EventBatch, EventBatchResult } from "../../shared/ingest-wire";
import { ApiError } from "../errors";
import { deliverOutboxes } from "./deliver";
import {
  type FlowDeps,
  pourRouted,
  routeEvents,
  scenarioModes,
  type TargetedEvent,
} from "./ingest-flow";
import type { OutboxBatch } from "./pour-rpc";
import { parseQueuedEvent } from "./queued-event-schema";

/** The 409 of the design: the agent re-registers its hub and retries. */
function unknownScenario(scenario: string, hash: string): ApiError {
  return new ApiError(
    "conflict",
    `unknown scenario ${scenario} (hash ${hash}): register the hub first`,
  );
}

/** What a batch did, for the answer and the metrics. */
export interface IngestOutcome {
  result: EventBatchResult;
  /** (event, partition) pours done now. */
  poured: number;
  /**
   * Pours by scenario and the event's datasource (`Line.Src`, `Line.Module`), CrowdSec's
   * `cs_bucket_poured_total{name,source,type}`: the targets of events that were not duplicates.
   */
  pouredBy: { name: string; source: string; type: string; count: number }[];
  /** Overflows by scenario (`cs_bucket_overflowed_total{name}`). */
  overflowedBy: Map<string, number>;
  /** Bucket instances created by scenario (`cs_bucket_created_total{name}`). */
  createdBy: Map<string, number>;
  /** Created minus ended instances by scenario (the change of the `cs_buckets{name}` gauge). */
  currentBy: Map<string, number>;
}

/**
 * `POST /v1/rampart/events` after authentication and decoding: checks every event and target
 * (nothing is poured when one is bad), pours into the bucket objects, stores every overflow as
 * alerts, records the ids in the ledger, and only then answers.
 */
export async function ingestBatch(
  deps: FlowDeps,
  machineId: string,
  batch: EventBatch,
): Promise<IngestOutcome> {
  const { db } = deps;
  // Only this machine's own hub: another machine's registration cannot change what it pours.
  const [targetable, settings] = await Promise.all([
    deps.hub.targetable(db, machineId),
    scenarioModes(db),
  ]);
  const events: TargetedEvent[] = batch.events.map((e, i) => {
    const parsed = parseQueuedEvent(e.event);
    if (!parsed.ok) throw new ApiError("badRequest", `events.${i}.event.${parsed.message}`);
    const buckets = e.buckets.map((t) => {
      const registered = targetable.get(t.scenario);
      if (registered?.hash !== t.hash) throw unknownScenario(t.scenario, t.hash);
      return { scenario: t.scenario, contentKey: registered.contentKey, group: t.group };
    });
    return { id: e.id, time: e.time, event: parsed.event, buckets };
  });

  const routed = routeEvents(events, machineId, settings, deps.config.shards);
  const responses = await pourRouted(deps.env, routed.requests);
  const pending: OutboxBatch[] = [];
  const orphans: OutboxBatch[] = [];
  const duplicateTargets = new Array<number>(events.length).fill(0);
  const targets = new Array<number>(events.length).fill(0);
  let poured = 0;
  const createdBy = new Map<string, number>();
  const currentBy = new Map<string, number>();
  for (const [object, r] of responses) {
    // The registry changed between our check and the object's read (another agent registered
    // another version): what other objects poured is deduplicated when the agent retries.
    if (r.unknown.length > 0) {
      const { scenario } = r.unknown[0]!;
      throw unknownScenario(scenario, targetable.get(scenario)?.hash ?? "?");
    }
    poured += r.poured;
    for (const [name, n] of r.created) {
      createdBy.set(name, (createdBy.get(name) ?? 0) + n);
      currentBy.set(name, (currentBy.get(name) ?? 0) + n);
    }
    for (const [name, n] of r.ended) currentBy.set(name, (currentBy.get(name) ?? 0) - n);
    const origin = routed.origin.get(object)!;
    const request = routed.requests.get(object)!;
    r.duplicates.forEach((n, i) => {
      duplicateTargets[origin[i]!]! += n;
    });
    request.events.forEach((e, i) => {
      targets[origin[i]!]! += e.targets.length;
    });
    if (r.outbox.length > 0) pending.push({ object, entries: r.outbox });
    if (r.orphans.length > 0) orphans.push({ object, entries: r.orphans });
  }

  const settled = await deliverOutboxes(deps, pending);
  if (orphans.length > 0) {
    // Another request's overflows: delivered alongside, but a failure there (left to the
    // objects' alarms) must not fail this agent's batch.
    deps.waitUntil(
      deliverOutboxes(deps, orphans).catch((error: unknown) => {
        console.error(`ingest: delivering orphaned overflows failed: ${(error as Error).message}`);
      }),
    );
  }
  await recordIngestedEvents(
    db,
    events.map((e) => e.id),
    machineId,
    deps.now,
  );
  const duplicates = events.filter((_, i) => duplicateTargets[i] === targets[i]).length;
  const pouredBy = new Map<string, IngestOutcome["pouredBy"][number]>();
  events.forEach((e, i) => {
    if (duplicateTargets[i]! > 0) return;
    for (const t of e.buckets) {
      const line = e.event.Line;
      const key = `${t.scenario}\u0000${line.Src}\u0000${line.Module}`;
      const entry = pouredBy.get(key) ?? {
        name: t.scenario,
        source: line.Src,
        type: line.Module,
        count: 0,
      };
      entry.count++;
      pouredBy.set(key, entry);
    }
  });
  const overflowedBy = new Map<string, number>();
  for (const batch of pending) {
    for (const entry of batch.entries) {
      const name = entry.overflow.scenario;
      overflowedBy.set(name, (overflowedBy.get(name) ?? 0) + 1);
    }
  }
  const result = {
    accepted: events.length - duplicates,
    duplicates,
    overflows: settled.overflows,
    alerts: settled.alertIds.map(String),
  };
  return { result, poured, pouredBy: [...pouredBy.values()], overflowedBy, createdBy, currentBy };
}

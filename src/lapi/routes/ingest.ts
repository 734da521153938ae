import type { z } from "zod";
import { countIngestedEvents } from "../../db/ingested-events";
import {
  EVENTS_PATH,
  eventBatchSchema,
  HUB_PATH,
  hubRegistrationSchema,
} from "../../shared/ingest-wire";
import { readValidatedJson } from "../admin-body";
import { AUTHENTICATED_BODY_LIMIT } from "../body";
import type { AppContext } from "../context";
import { jsonResponse } from "../errors";
import { allShardNames } from "../ingest/bucket-routing";
import { HubCache } from "../ingest/hub-cache";
import { ingestBatch } from "../ingest/ingest-batch";
import { loadIngestConfig } from "../ingest/ingest-config";
import { mapBounded, POUR_CONCURRENCY } from "../ingest/ingest-flow";
import { bucketObject } from "../ingest/pour-rpc";
import { registerHub } from "../ingest/register-hub";
import type { RouteDef } from "../route-def";

/**
 * Rampart's ingestion API (not CrowdSec's): agents register their hub and post filtered events;
 * bucket objects pour them and the overflows become alerts (src/lapi/ingest/README.md).
 */

/** Reads a JSON body (gzip or plain) validated by `schema`; errors are 400 naming the field. */
function readWireBody<T extends z.ZodTypeAny>(c: AppContext, schema: T): Promise<z.infer<T>> {
  return readValidatedJson(c, schema, AUTHENTICATED_BODY_LIMIT);
}

/** The ingestion routes, sharing one per-isolate cache of compiled registry content. */
export function ingestRoutes(hub = new HubCache()): RouteDef[] {
  const flowDeps = (c: AppContext) => ({
    env: c.env,
    db: c.var.db,
    config: loadIngestConfig(c.env),
    hub,
    waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p),
    profiles: c.var.caches.profiles,
    now: c.var.startedAt,
  });

  /** POST /v1/rampart/hub: scenarios, postoverflows and data files of the agent. */
  async function postHub(c: AppContext): Promise<Response> {
    const reg = await readWireBody(c, hubRegistrationSchema);
    const result = await registerHub(c.var.db, reg, c.var.machineId, c.var.startedAt);
    return jsonResponse(result);
  }

  /** POST /v1/rampart/events: a batch of signals; answered once every overflow is an alert. */
  async function postEvents(c: AppContext): Promise<Response> {
    const batch = await readWireBody(c, eventBatchSchema);
    const { result, poured, pouredBy, overflowedBy, createdBy, currentBy } = await ingestBatch(
      flowDeps(c),
      c.var.machineId,
      batch,
    );
    const m = c.var.metrics;
    for (const p of pouredBy) {
      m.inc("bucketPouredBy", { name: p.name, source: p.source, type: p.type }, p.count);
    }
    for (const [name, n] of overflowedBy) m.inc("bucketOverflowedBy", { name }, n);
    for (const [name, n] of createdBy) m.inc("bucketCreatedBy", { name }, n);
    for (const [name, n] of currentBy) m.inc("bucketsCurrent", { name }, n);
    m.inc("ingestEvents", { result: "accepted" }, result.accepted);
    m.inc("ingestEvents", { result: "duplicate" }, result.duplicates);
    m.inc("bucketPours", {}, poured);
    m.inc("bucketOverflows", {}, result.overflows);
    return jsonResponse(result);
  }

  /** GET /admin/v1/ingest/stats[?machine_id=]: ledger rows and (event, bucket) pour counters. */
  async function stats(c: AppContext): Promise<Response> {
    const machineId = c.req.query("machine_id") || undefined;
    const config = loadIngestConfig(c.env);
    const events = await countIngestedEvents(c.var.db, machineId);
    if (config.shards === 0) {
      // One object per key: the objects cannot be enumerated, so only the ledger is counted.
      return jsonResponse({ events, pours: null, duplicates: null, shards: 0 });
    }
    const all = await mapBounded(allShardNames(config.shards), POUR_CONCURRENCY, (name) =>
      bucketObject(c.env.BUCKETS, name).stats(machineId),
    );
    const sum = (k: "pours" | "duplicates" | "instances" | "pendingOverflows") =>
      all.reduce((n, s) => n + s[k], 0);
    return jsonResponse({
      events,
      pours: sum("pours"),
      duplicates: sum("duplicates"),
      instances: sum("instances"),
      pending_overflows: sum("pendingOverflows"),
      shards: config.shards,
    });
  }

  return [
    {
      method: "POST",
      path: HUB_PATH,
      auth: "jwt",
      handler: postHub,
      doc: {
        summary: "Register the agent's scenarios, postoverflows and data files (Rampart)",
        body: hubRegistrationSchema,
      },
    },
    {
      method: "POST",
      path: EVENTS_PATH,
      auth: "jwt",
      handler: postEvents,
      doc: {
        summary: "Pour a batch of filtered events into the bucket objects (Rampart)",
        body: eventBatchSchema,
      },
    },
    {
      method: "GET",
      path: "/admin/v1/ingest/stats",
      auth: "admin",
      handler: stats,
      doc: { summary: "Ingestion counters: ledger rows, pours, duplicate deliveries" },
    },
  ];
}

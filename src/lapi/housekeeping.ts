import { deleteStaleBouncers } from "../db/bouncers";
import { purgeSignals } from "../db/capi-server";
import { openDb } from "../db/client";
import { flushAlerts } from "../db/flush";
import { purgeUnusedHubContents } from "../db/hub-registry";
import { purgeIngestLedgers } from "../db/ingested-events";
import { deleteStaleMachines } from "../db/machines";
import { loadConfig } from "./config";
import type { Env } from "./env";
import { loadIngestConfig } from "./ingest/ingest-config";

/**
 * The cron trigger's work: flush old alerts, auto-delete idle machines and bouncers, forget
 * ingested event ids and delivered overflow ids past the retention, Central API signals past the
 * consensus window (bucket objects purge their own dedup ids and idle instances from their
 * alarms), drop deleted machines' hubs and hub contents no machine has used for
 * {@link HUB_CONTENT_RETENTION_MS}.
 */
/**
 * How long a hub content nobody registers any more is kept: bucket instances poured with it
 * (a counter's timed overflow, a slow leak) still compile it until they expire.
 */
export const HUB_CONTENT_RETENTION_MS = 7 * 24 * 3_600_000;

export async function runHousekeeping(env: Env, now: number) {
  const config = loadConfig(env);
  const db = openDb(env.DB);
  const flushed = await flushAlerts(db, {
    now,
    maxAgeMs: config.flushMaxAgeMs,
    maxItems: config.flushMaxItems,
  });
  const removed = { machines: 0, bouncers: 0 };
  const { agentsAutodelete: a, bouncersAutodelete: b } = config;
  if (a.password !== null)
    removed.machines += await deleteStaleMachines(db, "password", now - a.password);
  if (a.tls !== null) removed.machines += await deleteStaleMachines(db, "tls", now - a.tls);
  if (b.apiKey !== null)
    removed.bouncers += await deleteStaleBouncers(db, "api-key", now - b.apiKey);
  if (b.tls !== null) removed.bouncers += await deleteStaleBouncers(db, "tls", now - b.tls);
  const ingest = await purgeIngestLedgers(db, now - loadIngestConfig(env).retentionMs);
  const hubRows = await purgeUnusedHubContents(db, now - HUB_CONTENT_RETENTION_MS);
  // Central API signals stop counting after the consensus window.
  await purgeSignals(db, now - config.capi.consensus.windowMs);
  return {
    ...flushed,
    hubRows,
    ...removed,
    ingestedEvents: ingest.events,
    ingestDeliveries: ingest.deliveries,
  };
}

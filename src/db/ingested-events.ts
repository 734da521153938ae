import { count, eq, lt, sql } from "drizzle-orm";
import { batchAll, type Db, isUniqueViolation, type Statement } from "./client";
import { inJson, selectJsonRows } from "./json-chunks";
import { ingestDeliveries, ingestedEvents } from "./schema";

/**
 * The ingestion ledgers: ids of the events agents posted (`ingested_events`) and ids of the bucket
 * overflows already stored as alerts (`ingest_deliveries`). Both are purged by housekeeping.
 */

/** Ids per statement: 5,000 ids of ≤ 200 chars stay far under D1's 2 MB bound-value cap. */
const IDS_PER_STATEMENT = 2500;

/** The current `json_each` element itself (a JSON array of plain ids). */
const ID = sql.raw("j.value");

/** Records event ids (ignoring those already there); returns how many were new. */
export async function recordIngestedEvents(
  db: Db,
  ids: readonly string[],
  machineId: string,
  now: number,
): Promise<number> {
  if (ids.length === 0) return 0;
  const statements: Statement[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    const chunk = JSON.stringify(ids.slice(i, i + IDS_PER_STATEMENT));
    const select = selectJsonRows(ingestedEvents, [], chunk, {
      id: ID,
      machineId: sql`${machineId}`,
      receivedAt: sql`${now}`,
    });
    statements.push(db.insert(ingestedEvents).select(select).onConflictDoNothing());
  }
  const results = (await batchAll(db, statements)) as D1Result[];
  return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}

/** Rows of the event ledger, optionally of one machine. */
export async function countIngestedEvents(db: Db, machineId?: string): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(ingestedEvents)
    .where(machineId === undefined ? undefined : eq(ingestedEvents.machineId, machineId))
    .get();
  return row?.n ?? 0;
}

/** The subset of `ids` whose overflow is already stored as alerts. */
export async function deliveredOverflows(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: ingestDeliveries.id })
    .from(ingestDeliveries)
    .where(inJson(ingestDeliveries.id, ids));
  return new Set(rows.map((row) => row.id));
}

/**
 * The statement marking overflows delivered. Run inside the batch that stores their alerts, it
 * makes storing exactly-once: a second delivery of the same id fails the whole batch on the
 * primary key (see {@link isAlreadyDelivered}), and no alert of it is written.
 */
export function markDeliveredStatement(db: Db, ids: readonly string[], now: number): Statement {
  const select = selectJsonRows(ingestDeliveries, [], JSON.stringify(ids), {
    id: ID,
    deliveredAt: sql`${now}`,
  });
  return db.insert(ingestDeliveries).select(select);
}

/** Whether a failed batch holding {@link markDeliveredStatement} found an id already delivered. */
export function isAlreadyDelivered(error: unknown): boolean {
  return isUniqueViolation(error);
}

/** Deletes ledger rows older than `before` (ms); returns the rows removed from each ledger. */
export async function purgeIngestLedgers(
  db: Db,
  before: number,
): Promise<{ events: number; deliveries: number }> {
  const [events, deliveries] = await db.batch([
    db.delete(ingestedEvents).where(lt(ingestedEvents.receivedAt, before)),
    db.delete(ingestDeliveries).where(lt(ingestDeliveries.deliveredAt, before)),
  ]);
  return { events: events.meta.changes ?? 0, deliveries: deliveries.meta.changes ?? 0 };
}

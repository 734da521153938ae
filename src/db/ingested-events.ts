/**
 * The ingestion ledgers: ids of the events agents posted (`ingested_events`) and ids of the bucket
 * overflows already stored as alerts (`ingest_deliveries`). Both are purged by housekeeping.
 */

type D1 = D1Database | D1DatabaseSession;

const INSERT_EVENTS = `INSERT INTO ingested_events (id, machine_id, received_at)
SELECT j.value, ?2, ?3 FROM json_each(?1) j WHERE true
ON CONFLICT (id) DO NOTHING`;

/** Ids per statement: 5,000 ids of ≤ 200 chars stay far under D1's 2 MB bound-value cap. */
const IDS_PER_STATEMENT = 2500;

/** Records event ids (ignoring those already there); returns how many were new. */
export async function recordIngestedEvents(
  db: D1Database,
  ids: readonly string[],
  machineId: string,
  now: number,
): Promise<number> {
  if (ids.length === 0) return 0;
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    const chunk = JSON.stringify(ids.slice(i, i + IDS_PER_STATEMENT));
    statements.push(db.prepare(INSERT_EVENTS).bind(chunk, machineId, now));
  }
  const results = await db.batch(statements);
  return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}

/** Rows of the event ledger, optionally of one machine. */
export async function countIngestedEvents(db: D1, machineId?: string): Promise<number> {
  const stmt =
    machineId === undefined
      ? db.prepare("SELECT COUNT(*) AS n FROM ingested_events")
      : db
          .prepare("SELECT COUNT(*) AS n FROM ingested_events WHERE machine_id = ?")
          .bind(machineId);
  return (await stmt.first<{ n: number }>())?.n ?? 0;
}

/** The subset of `ids` whose overflow is already stored as alerts. */
export async function deliveredOverflows(db: D1, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const r = await db
    .prepare("SELECT id FROM ingest_deliveries WHERE id IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(r.results.map((row) => row.id));
}

/**
 * The statement marking overflows delivered. Run inside the batch that stores their alerts, it
 * makes storing exactly-once: a second delivery of the same id fails the whole batch on the
 * primary key, and no alert of it is written.
 */
export function markDeliveredStatement(
  db: D1Database,
  ids: readonly string[],
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      "INSERT INTO ingest_deliveries (id, delivered_at) SELECT j.value, ?2 FROM json_each(?1) j",
    )
    .bind(JSON.stringify(ids), now);
}

/** Deletes ledger rows older than `before` (ms); returns the rows removed from each ledger. */
export async function purgeIngestLedgers(
  db: D1Database,
  before: number,
): Promise<{ events: number; deliveries: number }> {
  const [events, deliveries] = await db.batch([
    db.prepare("DELETE FROM ingested_events WHERE received_at < ?").bind(before),
    db.prepare("DELETE FROM ingest_deliveries WHERE delivered_at < ?").bind(before),
  ]);
  return { events: events!.meta.changes ?? 0, deliveries: deliveries!.meta.changes ?? 0 };
}

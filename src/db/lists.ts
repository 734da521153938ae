import { and, asc, eq, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import { toHex } from "../shared/ip-range";
import { batchAll, type Db, isUniqueViolation, type Statement } from "./client";
import { chunkJsonRows } from "./json-chunks";
import { alerts, allowlistItems, decisions, listEntries, lists } from "./schema";

/**
 * Third-party lists (`lists`) and the SQL diff that turns a fetched file into decisions. A list's
 * decisions are the active rows with origin `lists` and scenario `lists:<name>`; a sync stages
 * the file's entries in `list_entries`, then one D1 batch (one transaction) expires the decisions
 * the file no longer has, inserts the entries that have none, renews the ones past half their
 * duration and clears the staging rows, so a bouncer's next stream delta carries only what
 * changed (plus the renewals, which it needs to keep the bans past their first duration).
 */

export type ListRow = typeof lists.$inferSelect;
export type NewList = Pick<
  typeof lists.$inferInsert,
  "name" | "url" | "format" | "scope" | "type" | "durationMs" | "refreshMs" | "maxEntries"
>;

/** The decision scenario of a list's entries (and its alert's source scope). */
export const listScenario = (name: string) => `lists:${name}`;

export const LIST_ORIGIN = "lists";

/** Adds a list; "duplicate" when the name is taken. */
export async function createList(db: Db, list: NewList): Promise<ListRow | "duplicate"> {
  try {
    const [row] = await db.insert(lists).values(list).returning();
    return row!;
  } catch (e) {
    if (isUniqueViolation(e)) return "duplicate";
    throw e;
  }
}

export function listLists(db: Db): Promise<ListRow[]> {
  return db.select().from(lists).orderBy(asc(lists.name));
}

export async function getList(db: Db, name: string): Promise<ListRow | undefined> {
  return db.select().from(lists).where(eq(lists.name, name)).get();
}

/** Lists whose refresh period has passed since their last fetch (or never fetched). */
export function dueLists(db: Db, now: number): Promise<ListRow[]> {
  return db
    .select()
    .from(lists)
    .where(or(isNull(lists.lastFetchAt), sql`${lists.lastFetchAt} + ${lists.refreshMs} <= ${now}`))
    .orderBy(asc(lists.id));
}

/**
 * Marks a sync of the list as running; false when another one is (a sync whose Worker died is
 * taken over after `staleMs`).
 */
export async function claimSync(
  db: Db,
  id: number,
  now: number,
  staleMs: number,
): Promise<boolean> {
  const r = await db
    .update(lists)
    .set({ syncingSince: now, lastFetchAt: now })
    .where(
      and(eq(lists.id, id), or(isNull(lists.syncingSince), lt(lists.syncingSince, now - staleMs))),
    )
    .returning({ id: lists.id });
  return r.length > 0;
}

/** What a sync records about its outcome (and ends the claim with). */
export type SyncOutcome = Partial<
  Pick<
    ListRow,
    "etag" | "lastModified" | "lastSyncAt" | "lastStatus" | "lastError" | "lastBadLines"
  >
>;

export async function finishSync(db: Db, id: number, outcome: SyncOutcome, now: number) {
  await db
    .update(lists)
    .set({ ...outcome, syncingSince: null, updatedAt: now })
    .where(eq(lists.id, id));
}

/**
 * The id of the alert that carries the list's decisions, created when missing (first sync, or
 * flushed while the list had no active decision).
 */
export async function ensureListAlert(db: Db, list: ListRow, now: number): Promise<number> {
  if (list.alertId !== null) {
    const found = await db
      .select({ id: alerts.id })
      .from(alerts)
      .where(eq(alerts.id, list.alertId))
      .get();
    if (found) return found.id;
  }
  const at = new Date(now).toISOString();
  const scope = listScenario(list.name);
  const [row] = await db
    .insert(alerts)
    .values({
      uuid: crypto.randomUUID(),
      scenario: scope,
      message: `third-party list ${list.name} (${list.url})`,
      startAt: at,
      startAtMs: now,
      stopAt: at,
      stopAtMs: now,
      remediation: true,
      sourceScope: scope,
      sourceValue: list.url,
    })
    .returning({ id: alerts.id });
  await db.update(lists).set({ alertId: row!.id }).where(eq(lists.id, list.id));
  list.alertId = row!.id;
  return row!.id;
}

/** Removes the staging rows of a list (before a fetch, and after a rejected one). */
export async function clearStaged(db: Db, listId: number): Promise<void> {
  await db.delete(listEntries).where(eq(listEntries.listId, listId));
}

/** A parsed entry as staged: canonical value, family size, first and last address. */
export interface StagedEntry {
  value: string;
  size: number;
  start: Uint8Array;
  end: Uint8Array;
}

/** Stages entries (duplicates of a value collapse); one JSON parameter per statement. */
export async function stageEntries(
  db: Db,
  listId: number,
  entries: readonly StagedEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => [e.value, e.size, toHex(e.start), toHex(e.end)]);
  const statements = chunkJsonRows(rows).map((chunk) =>
    db
      .insert(listEntries)
      .select(
        sql`SELECT ${listId}, j.value ->> 0, j.value ->> 1, unhex(j.value ->> 2), unhex(j.value ->> 3)
          FROM json_each(${chunk}) j WHERE true`,
      )
      .onConflictDoNothing(),
  );
  await batchAll(db, statements);
}

/** Staged distinct values of a list. */
export async function countStaged(db: Db, listId: number): Promise<number> {
  const r = await db
    .select({ n: sql<number>`count(*)` })
    .from(listEntries)
    .where(eq(listEntries.listId, listId))
    .get();
  return r?.n ?? 0;
}

/** What applying a list changed. */
export interface ApplyResult {
  added: number;
  removed: number;
  renewed: number;
  /** Active decisions of the list afterwards. */
  entries: number;
}

/** Staging rows per INSERT statement of a sync. */
const INSERT_ROWS = 50_000;

/** A random v4 UUID per row, in SQL (the rows are inserted by INSERT … SELECT). */
const UUID_SQL = sql.raw(
  "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)" +
    " || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-'" +
    " || hex(randomblob(6)))",
);

/**
 * The diff of one list, in one transaction. `staged` false: the file did not change (304), only
 * the renewals run. Renewal gives a decision a new `until` and `created_at`, so the stream's
 * delta (created after the last pull) re-sends it with its new duration.
 */
export async function applyList(
  db: Db,
  list: ListRow,
  alertId: number,
  staged: boolean,
  now: number,
): Promise<ApplyResult> {
  const scenario = listScenario(list.name);
  const until = now + list.durationMs;
  const renewBefore = now + Math.floor(list.durationMs / 2);
  const mine = sql`${decisions.origin} = ${LIST_ORIGIN} AND ${decisions.scenario} = ${scenario} AND ${decisions.until} > ${now}`;
  const inFile = sql`EXISTS (SELECT 1 FROM ${listEntries} e WHERE e.list_id = ${list.id} AND e.value = ${decisions.value})`;
  const count = (where: SQL) =>
    db.select({ n: sql<number>`count(*)` }).from(decisions).where(where);
  // Probed per staged entry, so it must go through the value index (decisions_dedup), never
  // the scenario one (a scan of the whole list per entry): the unary `+` keeps SQLite's planner
  // off the latter.
  const decidedByValue = sql`${decisions.value} = e.value AND ${decisions.type} = ${list.type}
    AND ${decisions.scope} = ${list.scope} AND ${decisions.until} > ${now}
    AND +${decisions.scenario} = ${scenario} AND +${decisions.origin} = ${LIST_ORIGIN}`;
  // Allowlists win over lists (CrowdSec 1.6.6+ does not add allowlisted blocklist entries): an
  // entry inside an active allowlist item gets no decision. Items are few; their index is used.
  const allowlisted = sql`EXISTS (SELECT 1 FROM ${allowlistItems} a WHERE a.ip_size = e.ip_size
    AND a.start_ip <= e.start_ip AND a.end_ip >= e.end_ip
    AND (a.expires_at IS NULL OR a.expires_at >= ${now}))`;
  const notDecided = sql`e.list_id = ${list.id} AND NOT EXISTS
    (SELECT 1 FROM ${decisions} WHERE ${decidedByValue}) AND NOT ${allowlisted}`;
  const statements: Statement[] = [];
  if (staged) {
    const gone = sql`${mine} AND NOT ${inFile}`;
    statements.push(count(gone));
    statements.push(db.update(decisions).set({ until: now, updatedAt: now }).where(gone));
  }
  const due = sql`${mine} AND ${decisions.until} < ${renewBefore}`;
  statements.push(count(due));
  statements.push(db.update(decisions).set({ until, createdAt: now, updatedAt: now }).where(due));
  if (staged) {
    statements.push(
      db.select({ n: sql<number>`count(*)` }).from(sql`${listEntries} e`).where(notDecided),
    );
    // One INSERT per range of staging rows: D1 bounds the duration of each statement, and a
    // million-row INSERT … SELECT would be one long statement. Still one transaction (batch).
    const bounds = await db
      .select({ lo: sql<number | null>`min(rowid)`, hi: sql<number | null>`max(rowid)` })
      .from(listEntries)
      .where(eq(listEntries.listId, list.id))
      .get();
    for (let lo = bounds?.lo ?? 1; lo <= (bounds?.hi ?? 0); lo += INSERT_ROWS) {
      // Column order of the table (drizzle inserts into all of them); NULL id = AUTOINCREMENT.
      statements.push(
        db.insert(decisions).select(
          sql`SELECT NULL, ${UUID_SQL}, ${alertId}, ${until}, ${scenario}, ${list.type}, ${list.scope},
              e.value, ${LIST_ORIGIN}, 0, e.ip_size, e.start_ip, e.end_ip, ${now}, ${now}
            FROM ${listEntries} e WHERE e.rowid >= ${lo} AND e.rowid < ${lo + INSERT_ROWS}
              AND ${notDecided} ORDER BY e.ip_size, e.start_ip`,
        ),
      );
    }
    statements.push(db.delete(listEntries).where(eq(listEntries.listId, list.id)));
  }
  statements.push(count(mine));
  const results = (await batchAll(db, statements)) as unknown[];
  const n = (i: number) => (results[i] as { n: number }[])[0]!.n;
  const out = staged
    ? { removed: n(0), renewed: n(2), added: n(4), entries: n(results.length - 1) }
    : { removed: 0, renewed: n(0), added: 0, entries: n(results.length - 1) };
  await db.update(lists).set({ entries: out.entries }).where(eq(lists.id, list.id));
  return out;
}

/**
 * Deletes a list: its active decisions expire now (so the next stream delta lists them in
 * `deleted`), its staging rows and its row go. Returns how many decisions expired, null when no
 * such list.
 */
export async function deleteList(db: Db, name: string, now: number): Promise<number | null> {
  const list = await getList(db, name);
  if (!list) return null;
  const mine = sql`${decisions.origin} = ${LIST_ORIGIN} AND ${decisions.scenario} = ${listScenario(name)} AND ${decisions.until} > ${now}`;
  const [counted] = await batchAll(db, [
    db.select({ n: sql<number>`count(*)` }).from(decisions).where(mine),
    db.update(decisions).set({ until: now, updatedAt: now }).where(mine),
    db.delete(listEntries).where(eq(listEntries.listId, list.id)),
    db.delete(lists).where(eq(lists.id, list.id)),
  ]);
  return (counted as { n: number }[])[0]!.n;
}

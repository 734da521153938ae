import { and, eq, gt, gte, isNotNull, isNull, lte, or, sql } from "drizzle-orm";
import { batchAll, type Db, isUniqueViolation, type Statement } from "./client";
import { chunkJsonRows, inJson, selectJsonRows } from "./json-chunks";
import { capiCommunityDecisions, capiSignals, capiWatchers, usageMetrics } from "./schema";

/**
 * Storage of the Central API server (src/lapi/capi): watchers, their signals, and the community
 * decisions the consensus publishes.
 */

export type CapiWatcher = typeof capiWatchers.$inferSelect;
export type CommunityDecision = typeof capiCommunityDecisions.$inferSelect;

export function findCapiWatcher(db: Db, machineId: string): Promise<CapiWatcher | undefined> {
  return db.select().from(capiWatchers).where(eq(capiWatchers.machineId, machineId)).get();
}

/** Inserts a watcher; `duplicate` when the id is taken. */
export async function createCapiWatcher(
  db: Db,
  w: { machineId: string; passwordHash: string; ipAddress: string },
): Promise<"created" | "duplicate"> {
  try {
    await db
      .insert(capiWatchers)
      .values({ machineId: w.machineId, password: w.passwordHash, ipAddress: w.ipAddress });
    return "created";
  } catch (e) {
    if (isUniqueViolation(e)) return "duplicate";
    throw e;
  }
}

export async function recordCapiLogin(
  db: Db,
  id: number,
  update: { scenarios?: string; ipAddress: string; version: string },
  now: number,
): Promise<void> {
  await db
    .update(capiWatchers)
    .set({ ...update, lastLogin: now, updatedAt: now })
    .where(eq(capiWatchers.id, id));
}

/** A signal as the consensus keeps it. */
export interface NewSignal {
  scenario: string;
  scope: string;
  value: string;
}

/**
 * Stores one push's signals and the watcher's `last_push` in one transaction, as JSON chunks
 * (one bound parameter per statement).
 */
export async function insertSignals(
  db: Db,
  watcherId: number,
  signals: readonly NewSignal[],
  now: number,
): Promise<void> {
  const statements: Statement[] = chunkJsonRows(
    signals.map((s) => [s.scenario, s.scope, s.value]),
  ).map((chunk) =>
    db.insert(capiSignals).select(
      selectJsonRows(capiSignals, ["scenario", "scope", "value"], chunk, {
        watcherId: sql`${watcherId}`,
        receivedAt: sql`${now}`,
      }),
    ),
  );
  statements.push(
    db.update(capiWatchers).set({ lastPush: now }).where(eq(capiWatchers.id, watcherId)),
  );
  await batchAll(db, statements);
}

/** The signals received after `since` about any of `values`. */
export function signalsAbout(db: Db, values: readonly string[], since: number) {
  return db
    .select({
      reporter: capiSignals.watcherId,
      scenario: capiSignals.scenario,
      scope: capiSignals.scope,
      value: capiSignals.value,
      receivedAt: capiSignals.receivedAt,
    })
    .from(capiSignals)
    .where(and(inJson(capiSignals.value, values), gt(capiSignals.receivedAt, since)))
    .all();
}

/** Forgets signals received before `before` (they no longer count for any consensus). */
export async function purgeSignals(db: Db, before: number): Promise<void> {
  await db.delete(capiSignals).where(lte(capiSignals.receivedAt, before));
}

/** A consensus outcome to publish: active until `until`. */
export interface CommunityDecisionUpsert {
  scope: string;
  value: string;
  scenario: string;
  reporters: number;
  until: number;
}

/**
 * Publishes (or re-confirms) community decisions: a new row, or the existing one extended,
 * un-retracted and touched (`updated_at`), so the next delta of every watcher carries it.
 */
export async function upsertCommunityDecisions(
  db: Db,
  list: readonly CommunityDecisionUpsert[],
  now: number,
): Promise<void> {
  if (list.length === 0) return;
  const d = capiCommunityDecisions;
  const keys = ["uuid", "scope", "value", "scenario", "reporters", "until"] as const;
  const statements: Statement[] = chunkJsonRows(
    list.map((x) => [crypto.randomUUID(), x.scope, x.value, x.scenario, x.reporters, x.until]),
  ).map((chunk) =>
    db
      .insert(d)
      .select(selectJsonRows(d, keys, chunk, { createdAt: sql`${now}`, updatedAt: sql`${now}` }))
      .onConflictDoUpdate({
        target: [d.scope, d.value],
        set: {
          scenario: sql`excluded.scenario`,
          reporters: sql`excluded.reporters`,
          until: sql`excluded.until`,
          deletedAt: null,
          updatedAt: sql`excluded.updated_at`,
        },
      }),
  );
  await batchAll(db, statements);
}

/**
 * Retracts the live community decisions on `values` of `scope` (allow-listed since they were
 * published): they leave in the next deltas.
 */
export async function retractCommunityDecisions(
  db: Db,
  scope: string,
  values: readonly string[],
  now: number,
): Promise<void> {
  if (values.length === 0) return;
  const d = capiCommunityDecisions;
  await db
    .update(d)
    .set({ deletedAt: now, updatedAt: now })
    .where(and(eq(d.scope, scope), inJson(d.value, values), isNull(d.deletedAt)));
}

/** Keeps a watcher's metrics push (`/v2/metrics`, `/v2/usage-metrics`) with the usage metrics. */
export async function storeWatcherMetrics(
  db: Db,
  machineId: string,
  payload: string,
  now: number,
): Promise<void> {
  await db
    .insert(usageMetrics)
    .values({ generatedType: "CAPI", generatedBy: machineId, receivedAt: now, payload });
}

/** Active community decisions (`startup`), or those published or re-confirmed after `since`. */
export function activeCommunityDecisions(
  db: Db,
  now: number,
  since: number | null,
): Promise<CommunityDecision[]> {
  const live = and(isNull(capiCommunityDecisions.deletedAt), gt(capiCommunityDecisions.until, now));
  return (
    db
      .select()
      .from(capiCommunityDecisions)
      // `>=`: a row written in the very millisecond of the previous pull's start is sent again
      // rather than missed (clients replace what they already hold).
      .where(since === null ? live : and(live, gte(capiCommunityDecisions.updatedAt, since)))
      .orderBy(capiCommunityDecisions.id)
      .all()
  );
}

/** Community decisions that were retracted or expired in (since, now]. */
export function endedCommunityDecisions(
  db: Db,
  now: number,
  since: number,
): Promise<CommunityDecision[]> {
  const d = capiCommunityDecisions;
  return db
    .select()
    .from(d)
    .where(
      or(
        and(isNotNull(d.deletedAt), gte(d.deletedAt, since)),
        and(isNull(d.deletedAt), gt(d.until, since), lte(d.until, now)),
      ),
    )
    .orderBy(d.id)
    .all();
}

/** Sets the watcher's `last_pull` (the start of the pull just served). */
export async function recordCapiPull(db: Db, id: number, at: number): Promise<void> {
  await db.update(capiWatchers).set({ lastPull: at }).where(eq(capiWatchers.id, id));
}

/** Watchers with how many signals each sent since `since` (admin API). */
export function listCapiWatchers(db: Db, since: number) {
  const w = capiWatchers;
  return db
    .select({
      machineId: w.machineId,
      ipAddress: w.ipAddress,
      version: w.version,
      scenarios: w.scenarios,
      lastLogin: w.lastLogin,
      lastPush: w.lastPush,
      lastPull: w.lastPull,
      signals: sql<number>`(SELECT COUNT(*) FROM ${capiSignals} s
        WHERE s.watcher_id = capi_watchers.id AND s.received_at > ${since})`,
    })
    .from(w)
    .orderBy(w.id)
    .all();
}

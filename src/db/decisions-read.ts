import { and, eq, gt, gte, lt, lte, not, notExists, type SQL, sql } from "drizzle-orm";
import { alias, QueryBuilder } from "drizzle-orm/sqlite-core";
import type { IpRange } from "../shared/ip-range";
import type { Db } from "./client";
import { ipCondition } from "./ip-match";
import { inJson } from "./json-chunks";
import { bouncers, decisions, decisionTombstones } from "./schema";

type Decision = typeof decisions.$inferSelect;

/** A decision row as the bouncer endpoints serve it. */
export type DecisionRow = Pick<
  Decision,
  "id" | "uuid" | "until" | "scenario" | "type" | "scope" | "value" | "origin"
>;

/** Bouncer filters of GET /v1/decisions and the stream (CrowdSec pkg/database/decisions.go). */
export interface BouncerFilter {
  ip?: IpRange;
  contains: boolean;
  /** null = any scope; [] = nothing matches (stream `scopes=`). */
  scopes: string[] | null;
  value?: string;
  type?: string;
  origins?: string[];
  scenariosContaining?: string[];
  scenariosNotContaining?: string[];
  includeSimulated: boolean;
  limit?: number;
  offset?: number;
  idGt?: number;
}

const d = alias(decisions, "d");
const qb = new QueryBuilder();

const COLUMNS = {
  id: d.id,
  uuid: d.uuid,
  until: d.until,
  scenario: d.scenario,
  type: d.type,
  scope: d.scope,
  value: d.value,
  origin: d.origin,
};

/**
 * The filter of {@link filterWhere} evaluated in memory, for lookups served from an isolate's
 * decision index; keep the two in step.
 */
export function matchesFilter(
  d: DecisionRow & { simulated: boolean },
  f: BouncerFilter,
  now: number,
): boolean {
  if (d.until < now) return false;
  if (f.scopes && !f.scopes.includes(d.scope)) return false;
  if (f.value !== undefined && d.value !== f.value) return false;
  if (f.type !== undefined && d.type !== f.type) return false;
  if (f.origins && !f.origins.includes(d.origin)) return false;
  const scenario = d.scenario.toLowerCase();
  if (f.scenariosContaining?.length) {
    if (!f.scenariosContaining.some((s) => scenario.includes(s.toLowerCase()))) return false;
  }
  if (f.scenariosNotContaining?.length) {
    if (f.scenariosNotContaining.some((s) => scenario.includes(s.toLowerCase()))) return false;
  }
  if (!f.includeSimulated && d.simulated) return false;
  return true;
}

/** A decision row with what an in-memory index needs (IP columns, simulated flag). */
export type IndexRow = DecisionRow & Pick<Decision, "simulated" | "createdAt">;

const INDEX_COLUMNS = { ...COLUMNS, simulated: d.simulated, createdAt: d.createdAt };

/** Active Ip/Range decisions with id > afterId, one page, for a full index load. */
export function loadIndexPage(
  db: Db,
  now: number,
  afterId: number,
  pageSize: number,
): Promise<IndexRow[]> {
  return db
    .select(INDEX_COLUMNS)
    .from(d)
    .where(and(gt(d.id, afterId), gt(d.ipSize, 0), gte(d.until, now)))
    .orderBy(d.id)
    .limit(pageSize);
}

/** How many active Ip/Range decisions there are (what a full index load would hold). */
export async function countIndexRows(db: Db, now: number): Promise<number> {
  const r = await db
    .select({ n: sql<number>`count(*)` })
    .from(d)
    .where(and(gt(d.ipSize, 0), gte(d.until, now)))
    .get();
  return r?.n ?? 0;
}

/** What changed since a cursor: new rows, updated rows and hard-deleted ids (one round trip). */
export async function loadIndexChanges(
  db: Db,
  afterId: number,
  changedSince: number,
): Promise<{ added: IndexRow[]; updated: IndexRow[]; deleted: number[] }> {
  const [added, updated, deleted] = await db.batch([
    db
      .select(INDEX_COLUMNS)
      .from(d)
      .where(and(gt(d.id, afterId), gt(d.ipSize, 0)))
      .orderBy(d.id),
    db
      .select(INDEX_COLUMNS)
      .from(d)
      .where(and(gt(d.updatedAt, changedSince), lte(d.id, afterId), gt(d.ipSize, 0))),
    db
      .select({ id: decisionTombstones.decisionId })
      .from(decisionTombstones)
      .where(gt(decisionTombstones.deletedAt, changedSince)),
  ]);
  return { added, updated, deleted: deleted.map((r) => r.id) };
}

/**
 * `instr(lower(scenario), s) > 0` for any of `parts` (drizzle has no instr), the parts bound as
 * one JSON parameter: a filter with hundreds of values stays under D1's 100 parameters.
 */
function scenarioContainsAny(parts: string[]): SQL {
  const lowered = JSON.stringify(parts.map((s) => s.toLowerCase()));
  return sql`EXISTS (SELECT 1 FROM json_each(${lowered}) WHERE instr(lower(${d.scenario}), value) > 0)`;
}

/** The conditions of a filter over `decisions d`. */
function filterWhere(f: BouncerFilter): (SQL | undefined)[] {
  const where: (SQL | undefined)[] = [];
  // ipCondition inlines the candidate block starts as BLOB literals (see ip-match.ts).
  if (f.ip) where.push(sql.raw(ipCondition(f.ip, f.contains, "d")));
  // Lists bind as one JSON parameter (inJson): D1 allows 100 per statement.
  if (f.scopes) where.push(f.scopes.length === 0 ? sql`0` : inJson(d.scope, f.scopes));
  if (f.value !== undefined) where.push(eq(d.value, f.value));
  if (f.type !== undefined) where.push(eq(d.type, f.type));
  if (f.origins) where.push(inJson(d.origin, f.origins));
  if (f.scenariosContaining?.length) where.push(scenarioContainsAny(f.scenariosContaining));
  if (f.scenariosNotContaining?.length) {
    where.push(not(scenarioContainsAny(f.scenariosNotContaining)));
  }
  if (!f.includeSimulated) where.push(eq(d.simulated, false));
  if (f.idGt !== undefined) where.push(gt(d.id, f.idGt));
  return where;
}

/** Live mode: active decisions (`until >= now`), no dedup, id order. */
export async function queryActiveDecisions(
  db: Db,
  f: BouncerFilter,
  now: number,
): Promise<{ rows: DecisionRow[]; rowsRead: number }> {
  const query = db
    .select(COLUMNS)
    .from(d)
    .where(and(...filterWhere(f), gte(d.until, now)))
    .$dynamic();
  const paged = f.limit !== undefined || f.offset !== undefined || f.idGt !== undefined;
  // An IP lookup returns a handful of rows: sorting them here spares SQLite a temp B-tree
  // (and the rows it reads twice); paged listings must sort in SQL.
  if (paged || !f.ip) query.orderBy(d.id);
  if (f.limit !== undefined || f.offset !== undefined) {
    query.limit(f.limit ?? -1).offset(f.offset ?? 0);
  }
  // run() keeps D1's meta (rows_read); the selected columns need no mapping (same names).
  const r = (await query.run()) as D1Result<DecisionRow>;
  const rows = paged || !f.ip ? r.results : r.results.sort((a, b) => a.id - b.id);
  return { rows, rowsRead: r.meta.rows_read ?? 0 };
}
export interface StreamWindow {
  /** `new`: until > t0 (and created_at > createdAfter when set). */
  kind: "new" | "deleted";
  t0: number;
  createdAfter?: number;
  /** `deleted`: until > untilAfter when set. */
  untilAfter?: number;
}

/**
 * One page of stream decisions with CrowdSec's dedup (pkg/database/decisions.go, see
 * docs/compatibility.md): a row is kept only if no other decision with the same value/type/scope
 * has a strictly later `until`. Unlike CrowdSec we do not let a *simulated* row hide a real one
 * when simulated rows are excluded (upstream that hides a real ban from every bouncer); other
 * hiders (other origins, scenarios) count as upstream.
 */
export function queryStreamPage(
  db: Db,
  f: BouncerFilter,
  w: StreamWindow,
  dedup: boolean,
  afterId: number,
  pageSize: number,
): Promise<DecisionRow[]> {
  const where = filterWhere(f);
  if (w.kind === "new") {
    where.push(gt(d.until, w.t0));
    if (w.createdAfter !== undefined) where.push(gt(d.createdAt, w.createdAfter));
  } else {
    where.push(lt(d.until, w.t0));
    if (w.untilAfter !== undefined) where.push(gt(d.until, w.untilAfter));
  }
  if (dedup) {
    const t = alias(decisions, "t");
    const hiders = qb
      .select({ one: sql`1` })
      .from(t)
      .where(
        and(
          eq(t.value, d.value),
          eq(t.type, d.type),
          eq(t.scope, d.scope),
          gt(t.until, d.until),
          f.includeSimulated ? undefined : eq(t.simulated, false),
        ),
      );
    where.push(notExists(hiders));
  }
  where.push(gt(d.id, afterId));
  return db
    .select(COLUMNS)
    .from(d)
    .where(and(...where))
    .orderBy(d.id)
    .limit(pageSize);
}

/** A bouncer's `last_pull` as stored (the stream's delta window must never use a cached one). */
export async function getLastPull(db: Db, bouncerId: number): Promise<number | null> {
  const row = await db
    .select({ lastPull: bouncers.lastPull })
    .from(bouncers)
    .where(eq(bouncers.id, bouncerId))
    .get();
  return row?.lastPull ?? null;
}

/** Sets a bouncer's `last_pull`. */
export async function setLastPull(db: Db, bouncerId: number, at: number): Promise<void> {
  await db.update(bouncers).set({ lastPull: at }).where(eq(bouncers.id, bouncerId));
}

import type { IpRange } from "../shared/ip-range";
import { ipCondition } from "./ip-match";

/** A decision row as the bouncer endpoints serve it. */
export interface DecisionRow {
  id: number;
  uuid: string;
  until: number;
  scenario: string;
  type: string;
  scope: string;
  value: string;
  origin: string;
}

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

const COLUMNS = "d.id, d.uuid, d.until, d.scenario, d.type, d.scope, d.value, d.origin";

/**
 * The filter of {@link filterSql} evaluated in memory, for lookups served from an isolate's
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
export interface IndexRow extends DecisionRow {
  simulated: number;
  created_at: number;
}

const INDEX_COLUMNS = `${COLUMNS}, d.simulated, d.created_at`;

/** Active Ip/Range decisions with id > afterId, one page, for a full index load. */
export async function loadIndexPage(
  db: D1Database,
  now: number,
  afterId: number,
  pageSize: number,
): Promise<IndexRow[]> {
  const r = await db
    .prepare(
      `SELECT ${INDEX_COLUMNS} FROM decisions d WHERE d.id > ? AND d.ip_size > 0 AND d.until >= ? ORDER BY d.id LIMIT ${pageSize}`,
    )
    .bind(afterId, now)
    .all<IndexRow>();
  return r.results;
}

/** What changed since a cursor: new rows, updated rows and hard-deleted ids (one round trip). */
export async function loadIndexChanges(
  db: D1Database,
  afterId: number,
  changedSince: number,
): Promise<{ added: IndexRow[]; updated: IndexRow[]; deleted: number[] }> {
  const [added, updated, deleted] = await db.batch([
    db
      .prepare(
        `SELECT ${INDEX_COLUMNS} FROM decisions d WHERE d.id > ? AND d.ip_size > 0 ORDER BY d.id`,
      )
      .bind(afterId),
    db
      .prepare(
        `SELECT ${INDEX_COLUMNS} FROM decisions d WHERE d.updated_at > ? AND d.id <= ? AND d.ip_size > 0`,
      )
      .bind(changedSince, afterId),
    db
      .prepare("SELECT decision_id AS id FROM decision_tombstones WHERE deleted_at > ?")
      .bind(changedSince),
  ]);
  return {
    added: added!.results as IndexRow[],
    updated: updated!.results as IndexRow[],
    deleted: (deleted!.results as Array<{ id: number }>).map((r) => r.id),
  };
}

/** WHERE clauses (with their bound params) for a filter, over `decisions d`. */
function filterSql(f: BouncerFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.ip) where.push(ipCondition(f.ip, f.contains, "d"));
  if (f.scopes) {
    if (f.scopes.length === 0) where.push("0");
    else {
      where.push(`d.scope IN (${f.scopes.map(() => "?").join(",")})`);
      params.push(...f.scopes);
    }
  }
  if (f.value !== undefined) {
    where.push("d.value = ?");
    params.push(f.value);
  }
  if (f.type !== undefined) {
    where.push("d.type = ?");
    params.push(f.type);
  }
  if (f.origins) {
    where.push(`d.origin IN (${f.origins.map(() => "?").join(",")})`);
    params.push(...f.origins);
  }
  if (f.scenariosContaining?.length) {
    where.push(
      `(${f.scenariosContaining.map(() => "instr(lower(d.scenario), ?) > 0").join(" OR ")})`,
    );
    params.push(...f.scenariosContaining.map((s) => s.toLowerCase()));
  }
  if (f.scenariosNotContaining?.length) {
    where.push(
      `NOT (${f.scenariosNotContaining.map(() => "instr(lower(d.scenario), ?) > 0").join(" OR ")})`,
    );
    params.push(...f.scenariosNotContaining.map((s) => s.toLowerCase()));
  }
  if (!f.includeSimulated) where.push("d.simulated = 0");
  if (f.idGt !== undefined) {
    where.push("d.id > ?");
    params.push(f.idGt);
  }
  return { where, params };
}

/** Live mode: active decisions (`until >= now`), no dedup, id order. */
export async function queryActiveDecisions(
  db: D1Database | D1DatabaseSession,
  f: BouncerFilter,
  now: number,
): Promise<{ rows: DecisionRow[]; rowsRead: number }> {
  const { where, params } = filterSql(f);
  where.push("d.until >= ?");
  params.push(now);
  let sql = `SELECT ${COLUMNS} FROM decisions d WHERE ${where.join(" AND ")}`;
  const paged = f.limit !== undefined || f.offset !== undefined || f.idGt !== undefined;
  // An IP lookup returns a handful of rows: sorting them here spares SQLite a temp B-tree
  // (and the rows it reads twice); paged listings must sort in SQL.
  if (paged || !f.ip) sql += " ORDER BY d.id";
  if (f.limit !== undefined || f.offset !== undefined) {
    sql += ` LIMIT ${f.limit ?? -1} OFFSET ${f.offset ?? 0}`;
  }
  const r = await db
    .prepare(sql)
    .bind(...params)
    .all<DecisionRow>();
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
export async function queryStreamPage(
  db: D1Database | D1DatabaseSession,
  f: BouncerFilter,
  w: StreamWindow,
  dedup: boolean,
  afterId: number,
  pageSize: number,
): Promise<DecisionRow[]> {
  const { where, params } = filterSql(f);
  if (w.kind === "new") {
    where.push("d.until > ?");
    params.push(w.t0);
    if (w.createdAfter !== undefined) {
      where.push("d.created_at > ?");
      params.push(w.createdAfter);
    }
  } else {
    where.push("d.until < ?");
    params.push(w.t0);
    if (w.untilAfter !== undefined) {
      where.push("d.until > ?");
      params.push(w.untilAfter);
    }
  }
  if (dedup) {
    const hiderSim = f.includeSimulated ? "" : " AND t.simulated = 0";
    where.push(
      `NOT EXISTS (SELECT 1 FROM decisions t WHERE t.value = d.value AND t.type = d.type AND t.scope = d.scope AND t.until > d.until${hiderSim})`,
    );
  }
  where.push("d.id > ?");
  params.push(afterId);
  const sql = `SELECT ${COLUMNS} FROM decisions d WHERE ${where.join(" AND ")} ORDER BY d.id LIMIT ${pageSize}`;
  const r = await db
    .prepare(sql)
    .bind(...params)
    .all<DecisionRow>();
  return r.results;
}

/** A bouncer's `last_pull` as stored (the stream's delta window must never use a cached one). */
export async function getLastPull(db: D1Database, bouncerId: number): Promise<number | null> {
  const row = await db
    .prepare("SELECT last_pull FROM bouncers WHERE id = ?")
    .bind(bouncerId)
    .first<{ last_pull: number | null }>();
  return row?.last_pull ?? null;
}

/** Sets a bouncer's `last_pull`. */
export async function setLastPull(db: D1Database, bouncerId: number, at: number): Promise<void> {
  await db.prepare("UPDATE bouncers SET last_pull = ? WHERE id = ?").bind(at, bouncerId).run();
}

import { type AlertFilter, alertWhere } from "./alert-filters";
import { chunkJsonRows } from "./json-chunks";

/**
 * Alerts with their events, meta and decisions (CrowdSec pkg/database/alerts.go).
 *
 * A POST is written by one D1 batch (one transaction): the alerts of the request by
 * `INSERT … SELECT FROM json_each(?)`, then events, meta and decisions the same way, each
 * statement bound to a single JSON parameter (at most 512 KiB, under D1's 2 MB value cap) so that
 * D1's 100-bound-parameter cap never applies. Children find their alert through the ids SQLite
 * just assigned: inside one write transaction, AUTOINCREMENT gives the N alerts consecutive ids
 * ending at MAX(id), which the RETURNING rows confirm.
 */

type D1 = D1Database | D1DatabaseSession;

export interface NewDecision {
  uuid: string;
  until: number;
  scenario: string;
  type: string;
  scope: string;
  value: string;
  origin: string;
  ipSize: number;
  /** Big-endian hex of the first/last address, null for non-IP scopes. */
  startHex: string | null;
  endHex: string | null;
}

export interface NewAlert {
  uuid: string;
  scenario: string;
  scenarioHash: string;
  scenarioVersion: string;
  message: string;
  kind: string;
  eventsCount: number;
  startAt: string;
  startAtMs: number;
  stopAt: string;
  stopAtMs: number;
  leakspeed: string;
  capacity: number;
  simulated: boolean;
  remediation: boolean;
  sourceScope: string;
  sourceValue: string;
  sourceIp: string;
  sourceRange: string;
  sourceAsNumber: string;
  sourceAsName: string;
  sourceCountry: string;
  sourceLatitude: number;
  sourceLongitude: number;
  /** [time (RFC3339 text), serialized meta JSON] per event. */
  events: [string, string][];
  /** [key, value] per alert meta item. */
  meta: [string, string][];
  decisions: NewDecision[];
}

const col = (i: number) => `j.value ->> ${i}`;

const INSERT_ALERTS = `INSERT INTO alerts (uuid, machine_id, scenario, scenario_hash, scenario_version,
  message, kind, events_count, start_at, start_at_ms, stop_at, stop_at_ms, leakspeed, capacity,
  simulated, remediation, source_scope, source_value, source_ip, source_range, source_as_number,
  source_as_name, source_country, source_latitude, source_longitude)
SELECT ${Array.from({ length: 25 }, (_, i) => col(i)).join(", ")}
FROM json_each(?1) j ORDER BY j.key
RETURNING id, uuid`;

/** The id of the alert with request index `j.value ->> 0` (see the module comment). */
const ALERT_ID = `(SELECT MAX(id) FROM alerts) - ?2 + 1 + (${col(0)})`;

const INSERT_EVENTS = `INSERT INTO events (alert_id, time, serialized)
SELECT ${ALERT_ID}, ${col(1)}, ${col(2)} FROM json_each(?1) j`;

const INSERT_META = `INSERT INTO meta (alert_id, key, value)
SELECT ${ALERT_ID}, ${col(1)}, ${col(2)} FROM json_each(?1) j`;

const INSERT_DECISIONS = `INSERT INTO decisions (alert_id, uuid, until, scenario, type, scope,
  value, origin, simulated, ip_size, start_ip, end_ip)
SELECT ${ALERT_ID}, ${[1, 2, 3, 4, 5, 6, 7, 8, 9].map(col).join(", ")},
  unhex(${col(10)}), unhex(${col(11)})
FROM json_each(?1) j`;

/**
 * Stores the alerts of one request atomically, sets the machine's `last_push`, and returns the
 * new ids in request order. `sameTransaction` statements run first in the same D1 batch (one
 * transaction: they and the alerts are written together or not at all), alone when there is no
 * alert.
 */
export async function insertAlerts(
  db: D1Database,
  alerts: NewAlert[],
  machineId: string,
  now: number,
  sameTransaction: readonly D1PreparedStatement[] = [],
): Promise<number[]> {
  if (alerts.length === 0) {
    if (sameTransaction.length > 0) await db.batch([...sameTransaction]);
    return [];
  }
  const n = alerts.length;
  const alertRows = alerts.map((a) => [
    a.uuid,
    machineId,
    a.scenario,
    a.scenarioHash,
    a.scenarioVersion,
    a.message,
    a.kind,
    a.eventsCount,
    a.startAt,
    a.startAtMs,
    a.stopAt,
    a.stopAtMs,
    a.leakspeed,
    a.capacity,
    a.simulated ? 1 : 0,
    a.remediation ? 1 : 0,
    a.sourceScope,
    a.sourceValue,
    a.sourceIp,
    a.sourceRange,
    a.sourceAsNumber,
    a.sourceAsName,
    a.sourceCountry,
    a.sourceLatitude,
    a.sourceLongitude,
  ]);
  const events = alerts.flatMap((a, i) =>
    a.events.map(([time, serialized]) => [i, time, serialized]),
  );
  const meta = alerts.flatMap((a, i) => a.meta.map(([key, value]) => [i, key, value]));
  const decisions = alerts.flatMap((a, i) =>
    a.decisions.map((d) => [
      i,
      d.uuid,
      d.until,
      d.scenario,
      d.type,
      d.scope,
      d.value,
      d.origin,
      a.simulated ? 1 : 0,
      d.ipSize,
      d.startHex,
      d.endHex,
    ]),
  );
  // Alert chunks first, in request order: children address alerts relative to MAX(id).
  const statements = chunkJsonRows(alertRows).map((chunk) => db.prepare(INSERT_ALERTS).bind(chunk));
  const alertStatements = statements.length;
  for (const [sql, rows] of [
    [INSERT_EVENTS, events],
    [INSERT_META, meta],
    [INSERT_DECISIONS, decisions],
  ] as const) {
    for (const chunk of chunkJsonRows(rows)) statements.push(db.prepare(sql).bind(chunk, n));
  }
  statements.push(
    db
      .prepare("UPDATE machines SET last_push = ?, updated_at = ? WHERE machine_id = ?")
      .bind(now, now, machineId),
  );
  const results = (await db.batch([...sameTransaction, ...statements])).slice(
    sameTransaction.length,
  );
  const returned = results
    .slice(0, alertStatements)
    .flatMap((r) => r.results as { id: number; uuid: string }[]);
  const idByUuid = new Map(returned.map((r) => [r.uuid, r.id]));
  const ids = alerts.map((a) => idByUuid.get(a.uuid) ?? -1);
  const last = Math.max(...ids);
  if (ids.some((id, i) => id !== last - n + 1 + i)) {
    // Never expected from SQLite; undo rather than leave children under the wrong alert.
    await db
      .prepare("DELETE FROM alerts WHERE id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(ids))
      .run();
    throw new Error(`alert ids not consecutive: ${ids.join(",")}`);
  }
  return ids;
}

export interface AlertRow {
  id: number;
  uuid: string;
  /** The owner's machine id, or "N/A" once the machine is gone (CrowdSec's nil owner edge). */
  machineId: string;
  scenario: string;
  scenarioHash: string;
  scenarioVersion: string;
  message: string;
  kind: string;
  eventsCount: number;
  startAt: string;
  startAtMs: number;
  stopAt: string;
  stopAtMs: number;
  leakspeed: string;
  capacity: number;
  simulated: number;
  remediation: number;
  sourceScope: string;
  sourceValue: string;
  sourceIp: string;
  sourceRange: string;
  sourceAsNumber: string;
  sourceAsName: string;
  sourceCountry: string;
  sourceLatitude: number;
  sourceLongitude: number;
  createdAt: number;
}

export interface AlertDecisionRow {
  id: number;
  alertId: number;
  until: number;
  scenario: string;
  type: string;
  scope: string;
  value: string;
  origin: string;
}

export interface EventRow {
  alertId: number;
  time: string;
  serialized: string;
}

export interface MetaRow {
  alertId: number;
  key: string;
  value: string;
}

/** An alert with its children; `decisions` is null when they were not loaded. */
export interface AlertRecord {
  alert: AlertRow;
  decisions: AlertDecisionRow[] | null;
  events: EventRow[];
  meta: MetaRow[];
}

const ALERT_COLUMNS = `a.id, a.uuid,
  CASE WHEN EXISTS (SELECT 1 FROM machines m WHERE m.machine_id = a.machine_id)
    THEN a.machine_id ELSE 'N/A' END AS machineId,
  a.scenario, a.scenario_hash AS scenarioHash, a.scenario_version AS scenarioVersion, a.message,
  a.kind, a.events_count AS eventsCount, a.start_at AS startAt, a.start_at_ms AS startAtMs,
  a.stop_at AS stopAt, a.stop_at_ms AS stopAtMs, a.leakspeed, a.capacity, a.simulated,
  a.remediation, a.source_scope AS sourceScope, a.source_value AS sourceValue,
  a.source_ip AS sourceIp, a.source_range AS sourceRange, a.source_as_number AS sourceAsNumber,
  a.source_as_name AS sourceAsName, a.source_country AS sourceCountry,
  a.source_latitude AS sourceLatitude, a.source_longitude AS sourceLongitude,
  a.created_at AS createdAt`;

const IDS = "alert_id IN (SELECT value FROM json_each(?))";

async function withChildren(
  db: D1,
  alerts: AlertRow[],
  withDecisions: boolean,
): Promise<AlertRecord[]> {
  if (alerts.length === 0) return [];
  const ids = JSON.stringify(alerts.map((a) => a.id));
  const [decisions, events, meta] = await db.batch([
    db
      .prepare(
        `SELECT id, alert_id AS alertId, until, scenario, type, scope, value, origin FROM decisions WHERE ${withDecisions ? IDS : "0"} ORDER BY id`,
      )
      .bind(...(withDecisions ? [ids] : [])),
    db
      .prepare(`SELECT alert_id AS alertId, time, serialized FROM events WHERE ${IDS} ORDER BY id`)
      .bind(ids),
    db
      .prepare(`SELECT alert_id AS alertId, key, value FROM meta WHERE ${IDS} ORDER BY id`)
      .bind(ids),
  ]);
  const group = <T extends { alertId: number }>(rows: T[]) => {
    const by = new Map<number, T[]>();
    for (const r of rows) {
      const list = by.get(r.alertId);
      if (list) list.push(r);
      else by.set(r.alertId, [r]);
    }
    return by;
  };
  const d = group(decisions!.results as unknown as AlertDecisionRow[]);
  const e = group(events!.results as unknown as EventRow[]);
  const m = group(meta!.results as unknown as MetaRow[]);
  return alerts.map((alert) => ({
    alert,
    decisions: withDecisions ? (d.get(alert.id) ?? []) : null,
    events: e.get(alert.id) ?? [],
    meta: m.get(alert.id) ?? [],
  }));
}

/** GET /v1/alerts: matching alerts by (created_at, id), newest first unless `sortAsc`. */
export async function queryAlerts(db: D1, f: AlertFilter, now: number): Promise<AlertRecord[]> {
  const { sql, params } = alertWhere(f, now);
  const dir = f.sortAsc ? "ASC" : "DESC";
  const limit = f.limit === null ? "" : ` LIMIT ${f.limit}`;
  const r = await db
    .prepare(
      `SELECT ${ALERT_COLUMNS} FROM alerts a WHERE ${sql} ORDER BY a.created_at ${dir}, a.id ${dir}${limit}`,
    )
    .bind(...params)
    .all<AlertRow>();
  return withChildren(db, r.results, f.withDecisions);
}

/** One alert with its children, or null. */
export async function getAlert(db: D1, id: number): Promise<AlertRecord | null> {
  const row = await db
    .prepare(`SELECT ${ALERT_COLUMNS} FROM alerts a WHERE a.id = ?`)
    .bind(id)
    .first<AlertRow>();
  if (!row) return null;
  return (await withChildren(db, [row], true))[0]!;
}

/**
 * DELETE /v1/alerts: hard-deletes the matching alerts (limit and sort ignored, like CrowdSec);
 * their decisions, events and meta go with them through ON DELETE CASCADE.
 */
export async function deleteAlerts(db: D1Database, f: AlertFilter, now: number): Promise<number> {
  const { sql, params } = alertWhere(f, now);
  // Counted in the same transaction: D1's meta.changes also counts cascaded and trigger-made
  // changes, and RETURNING would ship every id of a `cscli alerts delete --all`.
  const ids = `SELECT a.id FROM alerts a WHERE ${sql}`;
  const [count] = await db.batch<{ n: number }>([
    db.prepare(`SELECT COUNT(*) AS n FROM (${ids})`).bind(...params),
    db.prepare(`DELETE FROM alerts WHERE id IN (${ids})`).bind(...params),
  ]);
  return count!.results[0]!.n;
}

/** Hard-deletes one alert (and, by cascade, its children); false when it does not exist. */
export async function deleteAlert(db: D1Database, id: number): Promise<boolean> {
  const r = await db.prepare("DELETE FROM alerts WHERE id = ? RETURNING id").bind(id).all();
  return r.results.length > 0;
}

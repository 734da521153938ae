import { asc, count, desc, eq, exists, getTableColumns, sql } from "drizzle-orm";
import { QueryBuilder } from "drizzle-orm/sqlite-core";
import { type AlertFilter, alertWhere } from "./alert-filters";
import { batchAll, type Db, type Statement } from "./client";
import { chunkJsonRows, inJson, jsonField, selectJsonRows } from "./json-chunks";
import { alerts, decisions, events, machines, meta } from "./schema";

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

type AlertInsert = typeof alerts.$inferInsert;
type DecisionInsert = typeof decisions.$inferInsert;

/** A decision to store with its alert. */
export type NewDecision = Required<
  Pick<DecisionInsert, "uuid" | "until" | "scenario" | "type" | "scope" | "value" | "origin">
> & {
  ipSize: number;
  /** Big-endian hex of the first/last address, null for non-IP scopes. */
  startHex: string | null;
  endHex: string | null;
};

/** An alert to store, with its children. */
export type NewAlert = Required<
  Omit<AlertInsert, "id" | "machineId" | "createdAt" | "updatedAt">
> & {
  /** [time (RFC3339 text), serialized meta JSON] per event. */
  events: [string, string][];
  /** [key, value] per alert meta item. */
  meta: [string, string][];
  decisions: NewDecision[];
};

/** The JSON row fields of each insert, in order; the alert's request index comes last. */
const ALERT_KEYS = [
  "uuid",
  "machineId",
  "scenario",
  "scenarioHash",
  "scenarioVersion",
  "message",
  "kind",
  "eventsCount",
  "startAt",
  "startAtMs",
  "stopAt",
  "stopAtMs",
  "leakspeed",
  "capacity",
  "simulated",
  "remediation",
  "sourceScope",
  "sourceValue",
  "sourceIp",
  "sourceRange",
  "sourceAsNumber",
  "sourceAsName",
  "sourceCountry",
  "sourceLatitude",
  "sourceLongitude",
] as const satisfies readonly (keyof AlertInsert)[];
const DECISION_KEYS = [
  "uuid",
  "until",
  "scenario",
  "type",
  "scope",
  "value",
  "origin",
  "simulated",
  "ipSize",
] as const satisfies readonly (keyof DecisionInsert)[];

/** The id of the alert whose request index is JSON field `field` (see the module comment). */
const alertId = (n: number, field: number) =>
  sql`(SELECT MAX(id) FROM ${alerts}) - ${n} + 1 + (${jsonField(field)})`;

/**
 * Stores the alerts of one request atomically, sets the machine's `last_push`, and returns the
 * new ids in request order. `sameTransaction` statements run first in the same D1 batch (one
 * transaction: they and the alerts are written together or not at all), alone when there is no
 * alert.
 */
export async function insertAlerts(
  db: Db,
  list: NewAlert[],
  machineId: string,
  now: number,
  sameTransaction: readonly Statement[] = [],
): Promise<number[]> {
  if (list.length === 0) {
    if (sameTransaction.length > 0) await batchAll(db, sameTransaction);
    return [];
  }
  const n = list.length;
  const alertRows = list.map((a) => ALERT_KEYS.map((k) => (k === "machineId" ? machineId : a[k])));
  const eventRows = list.flatMap((a, i) => a.events.map((e) => [...e, i]));
  const metaRows = list.flatMap((a, i) => a.meta.map((m) => [...m, i]));
  const decisionRows = list.flatMap((a, i) =>
    a.decisions.map((d) => [
      ...DECISION_KEYS.map((k) => (k === "simulated" ? a.simulated : d[k])),
      d.startHex,
      d.endHex,
      i,
    ]),
  );
  const last = DECISION_KEYS.length;
  // Alert chunks first, in request order: children address alerts relative to MAX(id).
  const statements: Statement[] = chunkJsonRows(alertRows).map((chunk) =>
    db
      .insert(alerts)
      .select(selectJsonRows(alerts, ALERT_KEYS, chunk))
      .returning({ id: alerts.id, uuid: alerts.uuid }),
  );
  const alertStatements = statements.length;
  for (const chunk of chunkJsonRows(eventRows)) {
    const select = selectJsonRows(events, ["time", "serialized"], chunk, {
      alertId: alertId(n, 2),
    });
    statements.push(db.insert(events).select(select));
  }
  for (const chunk of chunkJsonRows(metaRows)) {
    const select = selectJsonRows(meta, ["key", "value"], chunk, { alertId: alertId(n, 2) });
    statements.push(db.insert(meta).select(select));
  }
  for (const chunk of chunkJsonRows(decisionRows)) {
    const select = selectJsonRows(decisions, DECISION_KEYS, chunk, {
      startIp: sql`unhex(${jsonField(last)})`,
      endIp: sql`unhex(${jsonField(last + 1)})`,
      alertId: alertId(n, last + 2),
    });
    statements.push(db.insert(decisions).select(select));
  }
  statements.push(
    db
      .update(machines)
      .set({ lastPush: now, updatedAt: now })
      .where(eq(machines.machineId, machineId)),
  );
  const results = await batchAll(db, [...sameTransaction, ...statements]);
  const returned = results
    .slice(sameTransaction.length, sameTransaction.length + alertStatements)
    .flat() as { id: number; uuid: string }[];
  const idByUuid = new Map(returned.map((r) => [r.uuid, r.id]));
  const ids = list.map((a) => idByUuid.get(a.uuid) ?? -1);
  const max = Math.max(...ids);
  if (ids.some((id, i) => id !== max - n + 1 + i)) {
    // Never expected from SQLite; undo rather than leave children under the wrong alert.
    await db.delete(alerts).where(inJson(alerts.id, ids));
    throw new Error(`alert ids not consecutive: ${ids.join(",")}`);
  }
  return ids;
}

const { updatedAt: _, ...alertColumns } = getTableColumns(alerts);

const qb = new QueryBuilder();

/** The selected alert columns, the owner as CrowdSec's nil owner edge prints a deleted one. */
const ALERT_FIELDS = {
  ...alertColumns,
  machineId: sql<string>`CASE WHEN ${exists(
    qb.select({ one: sql`1` }).from(machines).where(eq(machines.machineId, alerts.machineId)),
  )} THEN ${alerts.machineId} ELSE 'N/A' END`,
};

export type AlertRow = Omit<typeof alerts.$inferSelect, "updatedAt">;
export type AlertDecisionRow = Pick<
  typeof decisions.$inferSelect,
  "id" | "alertId" | "until" | "scenario" | "type" | "scope" | "value" | "origin"
>;
export type EventRow = Pick<typeof events.$inferSelect, "alertId" | "time" | "serialized">;
export type MetaRow = Pick<typeof meta.$inferSelect, "alertId" | "key" | "value">;

/** An alert with its children; `decisions` is null when they were not loaded. */
export interface AlertRecord {
  /** `machineId` is "N/A" once the owner machine is gone. */
  alert: AlertRow;
  decisions: AlertDecisionRow[] | null;
  events: EventRow[];
  meta: MetaRow[];
}

function groupByAlert<T extends { alertId: number }>(rows: T[]): Map<number, T[]> {
  const by = new Map<number, T[]>();
  for (const r of rows) {
    const list = by.get(r.alertId);
    if (list) list.push(r);
    else by.set(r.alertId, [r]);
  }
  return by;
}

async function withChildren(
  db: Db,
  rows: AlertRow[],
  withDecisions: boolean,
): Promise<AlertRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((a) => a.id);
  // The decision statement runs either way (WHERE 0): one batch shape for both cases.
  const [decisionRows, eventRows, metaRows] = await db.batch([
    db
      .select({
        id: decisions.id,
        alertId: decisions.alertId,
        until: decisions.until,
        scenario: decisions.scenario,
        type: decisions.type,
        scope: decisions.scope,
        value: decisions.value,
        origin: decisions.origin,
      })
      .from(decisions)
      .where(withDecisions ? inJson(decisions.alertId, ids) : sql`0`)
      .orderBy(decisions.id),
    db
      .select({ alertId: events.alertId, time: events.time, serialized: events.serialized })
      .from(events)
      .where(inJson(events.alertId, ids))
      .orderBy(events.id),
    db
      .select({ alertId: meta.alertId, key: meta.key, value: meta.value })
      .from(meta)
      .where(inJson(meta.alertId, ids))
      .orderBy(meta.id),
  ]);
  const d = groupByAlert(decisionRows);
  const e = groupByAlert(eventRows);
  const m = groupByAlert(metaRows);
  return rows.map((alert) => ({
    alert,
    decisions: withDecisions ? (d.get(alert.id) ?? []) : null,
    events: e.get(alert.id) ?? [],
    meta: m.get(alert.id) ?? [],
  }));
}

/** GET /v1/alerts: matching alerts by (created_at, id), newest first unless `sortAsc`. */
export async function queryAlerts(db: Db, f: AlertFilter, now: number): Promise<AlertRecord[]> {
  const dir = f.sortAsc ? asc : desc;
  const query = db
    .select(ALERT_FIELDS)
    .from(alerts)
    .where(alertWhere(f, now))
    .orderBy(dir(alerts.createdAt), dir(alerts.id));
  const rows = await (f.limit === null ? query : query.limit(f.limit));
  return withChildren(db, rows, f.withDecisions);
}

/** One alert with its children, or null. */
export async function getAlert(db: Db, id: number): Promise<AlertRecord | null> {
  const row = await db.select(ALERT_FIELDS).from(alerts).where(eq(alerts.id, id)).get();
  if (!row) return null;
  return (await withChildren(db, [row], true))[0]!;
}

/**
 * DELETE /v1/alerts: hard-deletes the matching alerts (limit and sort ignored, like CrowdSec);
 * their decisions, events and meta go with them through ON DELETE CASCADE.
 */
export async function deleteAlerts(db: Db, f: AlertFilter, now: number): Promise<number> {
  const where = alertWhere(f, now);
  // Counted in the same transaction: D1's meta.changes also counts cascaded and trigger-made
  // changes, and RETURNING would ship every id of a `cscli alerts delete --all`.
  const [counted] = await db.batch([
    db.select({ n: count() }).from(alerts).where(where),
    db.delete(alerts).where(where),
  ]);
  return counted[0]!.n;
}

/** Hard-deletes one alert (and, by cascade, its children); false when it does not exist. */
export async function deleteAlert(db: Db, id: number): Promise<boolean> {
  const r = await db.delete(alerts).where(eq(alerts.id, id)).returning({ id: alerts.id });
  return r.length > 0;
}

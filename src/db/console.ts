import { and, count, desc, eq, gt, gte, lt, or, type SQL, sql } from "drizzle-orm";
import type { IpRange } from "../shared/ip-range";
import { type AlertFilter, alertWhere } from "./alert-filters";
import type { Db } from "./client";
import { ipCondition } from "./ip-match";
import { inJson } from "./json-chunks";
import { alerts, bouncers, consoleHourly, decisions, machines } from "./schema";

/**
 * The web console's reads. Every list is a keyset page (`ORDER BY … DESC LIMIT n+1` after a
 * cursor) read from an index in order, and the overview sums the hourly counts of
 * `console_hourly` (kept by triggers, migration 0007) over its window: no query reads a whole
 * table (test/workers/console-query-plans.test.ts checks the plans).
 */

const HOUR_MS = 3_600_000;

/** Aggregates of the overview over `[since, now]`. */
export interface Overview {
  alertsPerHour: { hour: number; count: number }[];
  decisionsPerHour: { hour: number; count: number }[];
  topScenarios: { scenario: string; count: number }[];
  topCountries: { country: string; count: number }[];
  topAs: { number: string; name: string; count: number }[];
  activeDecisions: number;
  machines: (typeof machines.$inferSelect)[];
  bouncers: (typeof bouncers.$inferSelect)[];
}

/**
 * One D1 batch: the window's hourly histograms and top lists from `console_hourly` (whole hours:
 * the hour holding `since` counts entirely), active decisions, agents, bouncers.
 */
export async function readOverview(
  db: Db,
  since: number,
  now: number,
  top: number,
): Promise<Overview> {
  const from = Math.floor(since / HOUR_MS) * HOUR_MS;
  const h = consoleHourly;
  const total = sql<number>`sum(${h.count})`.mapWith(Number);
  const perHour = (dim: string) =>
    db
      .select({ hour: h.hour, count: total })
      .from(h)
      .where(and(eq(h.dim, dim), gte(h.hour, from), eq(h.key, "")))
      .groupBy(h.hour);
  const topOf = (dim: string) =>
    db
      .select({ key: h.key, label: sql<string>`max(${h.label})`, count: total })
      .from(h)
      .where(and(eq(h.dim, dim), gte(h.hour, from)))
      .groupBy(h.key)
      .having(gt(total, 0))
      .orderBy(desc(total), h.key)
      .limit(top);
  const [aph, dph, scen, ctry, as, active, m, b] = await db.batch([
    perHour("alerts"),
    perHour("decisions"),
    topOf("scenario"),
    topOf("country"),
    topOf("as"),
    db.select({ count: count() }).from(decisions).where(gt(decisions.until, now)),
    db.select().from(machines).orderBy(machines.machineId),
    db.select().from(bouncers).orderBy(bouncers.name),
  ]);
  const nonZero = (r: { count: number }) => r.count > 0;
  return {
    alertsPerHour: aph.filter(nonZero),
    decisionsPerHour: dph.filter(nonZero),
    topScenarios: scen.map((r) => ({ scenario: r.key, count: r.count })),
    topCountries: ctry.map((r) => ({ country: r.key, count: r.count })),
    topAs: as.map((r) => ({ number: r.key, name: r.label, count: r.count })),
    activeDecisions: active[0]?.count ?? 0,
    machines: m,
    bouncers: b,
  };
}

/** Position after which a page starts (the last row of the previous page). */
export interface AlertCursor {
  createdAt: number;
  id: number;
}

export type AlertSummary = Pick<
  typeof alerts.$inferSelect,
  | "id"
  | "machineId"
  | "scenario"
  | "message"
  | "eventsCount"
  | "startAt"
  | "stopAt"
  | "simulated"
  | "sourceScope"
  | "sourceValue"
  | "sourceAsNumber"
  | "sourceAsName"
  | "sourceCountry"
  | "createdAt"
>;

export interface AlertPage {
  alerts: (AlertSummary & { decisions: number; activeDecisions: number })[];
  next: AlertCursor | null;
}

/**
 * A page of alerts matching `f` (the filters of `cscli alerts list`), newest first by
 * (created_at, id), with their decision counts; `limit` rows at most.
 */
export async function readAlertPage(
  db: Db,
  f: AlertFilter,
  after: AlertCursor | null,
  limit: number,
  now: number,
): Promise<AlertPage> {
  const where: SQL[] = [alertWhere(f, now)];
  if (after) {
    where.push(
      or(
        lt(alerts.createdAt, after.createdAt),
        and(eq(alerts.createdAt, after.createdAt), lt(alerts.id, after.id)),
      )!,
    );
  }
  const rows = await db
    .select({
      id: alerts.id,
      machineId: alerts.machineId,
      scenario: alerts.scenario,
      message: alerts.message,
      eventsCount: alerts.eventsCount,
      startAt: alerts.startAt,
      stopAt: alerts.stopAt,
      simulated: alerts.simulated,
      sourceScope: alerts.sourceScope,
      sourceValue: alerts.sourceValue,
      sourceAsNumber: alerts.sourceAsNumber,
      sourceAsName: alerts.sourceAsName,
      sourceCountry: alerts.sourceCountry,
      createdAt: alerts.createdAt,
    })
    .from(alerts)
    .where(and(...where))
    .orderBy(desc(alerts.createdAt), desc(alerts.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const counts =
    page.length === 0
      ? []
      : await db
          .select({
            alertId: decisions.alertId,
            total: count(),
            active: sql<number>`sum(${decisions.until} > ${now})`.mapWith(Number),
          })
          .from(decisions)
          .where(
            inJson(
              decisions.alertId,
              page.map((a) => a.id),
            ),
          )
          .groupBy(decisions.alertId);
  const byAlert = new Map(counts.map((r) => [r.alertId, r]));
  const last = page.at(-1);
  return {
    alerts: page.map((a) => ({
      ...a,
      decisions: byAlert.get(a.id)?.total ?? 0,
      activeDecisions: byAlert.get(a.id)?.active ?? 0,
    })),
    next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null,
  };
}

/** Decision search of the console (any combination; all optional). */
export interface DecisionSearch {
  ip?: IpRange;
  /** With `ip`: decisions containing it (true) or contained in it (false). */
  contains: boolean;
  scenario?: string;
  origin?: string;
  type?: string;
  scope?: string;
  value?: string;
  /** Only decisions with `until > now` (default). */
  activeOnly: boolean;
}

export type DecisionSummary = Pick<
  typeof decisions.$inferSelect,
  "id" | "alertId" | "until" | "scenario" | "type" | "scope" | "value" | "origin" | "simulated"
> & { createdAt: number };

/** A page of decisions, newest first by id, after decision id `afterId`. */
export async function readDecisionPage(
  db: Db,
  s: DecisionSearch,
  afterId: number | null,
  limit: number,
  now: number,
): Promise<{ decisions: DecisionSummary[]; next: number | null }> {
  const where: (SQL | undefined)[] = [];
  if (s.ip) where.push(sql.raw(ipCondition(s.ip, s.contains)));
  if (s.scenario !== undefined) where.push(eq(decisions.scenario, s.scenario));
  if (s.origin !== undefined) where.push(eq(decisions.origin, s.origin));
  if (s.type !== undefined) where.push(eq(decisions.type, s.type));
  if (s.scope !== undefined) where.push(eq(decisions.scope, s.scope));
  if (s.value !== undefined) where.push(eq(decisions.value, s.value));
  if (s.activeOnly) where.push(gt(decisions.until, now));
  if (afterId !== null) where.push(lt(decisions.id, afterId));
  const rows = await db
    .select({
      id: decisions.id,
      alertId: decisions.alertId,
      until: decisions.until,
      scenario: decisions.scenario,
      type: decisions.type,
      scope: decisions.scope,
      value: decisions.value,
      origin: decisions.origin,
      simulated: decisions.simulated,
      createdAt: decisions.createdAt,
    })
    .from(decisions)
    .where(and(...where))
    .orderBy(desc(decisions.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    decisions: page,
    next: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}

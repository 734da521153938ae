import { and, eq, exists, gte, inArray, lte, not, notExists, or, type SQL, sql } from "drizzle-orm";
import { alias, QueryBuilder } from "drizzle-orm/sqlite-core";
import type { IpRange } from "../shared/ip-range";
import { ipCondition } from "./ip-match";
import { alerts, decisions } from "./schema";

/**
 * The alert filters of GET/DELETE /v1/alerts (pkg/database/alerts.go of CrowdSec
 * 1.4.6) as conditions over `alerts`. Decision-based conditions are sub-selects on `decisions`; the IP
 * condition goes through the IP index (src/db/ip-match.ts) and, unlike CrowdSec's one EXISTS per
 * column, requires a single decision to satisfy the whole range test.
 */
export interface AlertFilter {
  /** Source scope, already normalised (`ip` → `Ip`, `range` → `Range`). */
  scope?: string;
  value?: string;
  /** Alert scenario or any of its decisions' scenario (CrowdSec 1.7+). */
  scenario?: string;
  ip?: IpRange;
  contains: boolean;
  /** Absolute bounds in ms: start_at >= since, start_at <= until, created_at <= createdBefore. */
  since?: number;
  until?: number;
  createdBefore?: number;
  decisionType?: string;
  origin?: string;
  /** `include_capi=false` (1.5.5+): hide CAPI / lists alerts. */
  excludeCapi: boolean;
  /**
   * The client predates CrowdSec 1.5.5, whose `include_capi=false` kept only alerts holding a
   * `crowdsec` or `cscli` decision (hiding imports too): answer it the way it expects.
   */
  legacyCapiFilter: boolean;
  /** true: some decision with until >= now; false: no decision at all. */
  hasActiveDecision?: boolean;
  /** `simulated=false`. */
  excludeSimulated: boolean;
  kind?: string;
  /** null = no limit. Ignored by deletions. */
  limit: number | null;
  sortAsc: boolean;
  withDecisions: boolean;
}

const d = alias(decisions, "d");
const qb = new QueryBuilder();

/** Some decision of the alert satisfies `cond` (all of them when omitted). */
const decisionsOf = (cond?: SQL) =>
  qb
    .select({ one: sql`1` })
    .from(d)
    .where(and(eq(d.alertId, alerts.id), cond));

/** The condition on `alerts` for a filter (its bound parameters stay far below D1's 100). */
export function alertWhere(f: AlertFilter, now: number): SQL {
  const where: (SQL | undefined)[] = [];
  if (f.scope !== undefined) where.push(eq(alerts.sourceScope, f.scope));
  if (f.value !== undefined) where.push(eq(alerts.sourceValue, f.value));
  if (f.scenario !== undefined) {
    where.push(
      or(eq(alerts.scenario, f.scenario), exists(decisionsOf(eq(d.scenario, f.scenario)))),
    );
  }
  if (f.ip) {
    // ipCondition inlines the candidate block starts as BLOB literals (see ip-match.ts).
    const match = sql.raw(ipCondition(f.ip, f.contains, "d"));
    where.push(inArray(alerts.id, qb.select({ id: d.alertId }).from(d).where(match)));
  }
  if (f.since !== undefined) where.push(gte(alerts.startAtMs, f.since));
  if (f.until !== undefined) where.push(lte(alerts.startAtMs, f.until));
  if (f.createdBefore !== undefined) where.push(lte(alerts.createdAt, f.createdBefore));
  if (f.decisionType !== undefined) where.push(exists(decisionsOf(eq(d.type, f.decisionType))));
  if (f.origin !== undefined) where.push(exists(decisionsOf(eq(d.origin, f.origin))));
  if (f.excludeCapi && f.origin === undefined && f.legacyCapiFilter) {
    where.push(exists(decisionsOf(inArray(d.origin, ["crowdsec", "cscli"]))));
  } else if (f.excludeCapi && f.origin === undefined) {
    where.push(notExists(decisionsOf(inArray(d.origin, ["CAPI", "lists"]))));
    where.push(
      not(
        and(
          notExists(decisionsOf()),
          or(
            // A case-sensitive prefix test (LIKE would ignore case).
            sql`substr(${alerts.sourceScope}, 1, 6) = 'lists:'`,
            eq(alerts.sourceScope, "crowdsecurity/community-blocklist"),
          ),
        )!,
      ),
    );
  }
  if (f.hasActiveDecision === true) where.push(exists(decisionsOf(gte(d.until, now))));
  if (f.hasActiveDecision === false) where.push(notExists(decisionsOf()));
  if (f.excludeSimulated) where.push(eq(alerts.simulated, false));
  if (f.kind !== undefined) where.push(eq(alerts.kind, f.kind));
  return and(...where) ?? sql`1`;
}

import type { IpRange } from "../shared/ip-range";
import { ipCondition } from "./ip-match";

/**
 * The alert filters of GET/DELETE /v1/alerts (pkg/database/alerts.go of CrowdSec
 * 1.4.6) as SQL over `alerts a`. Decision-based conditions are sub-selects on `decisions`; the IP
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

/** WHERE clause and bound parameters (far below D1's 100-parameter cap) for a filter. */
export function alertWhere(f: AlertFilter, now: number): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  const hasDecision = (cond: string) =>
    `EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = a.id AND ${cond})`;
  if (f.scope !== undefined) add("a.source_scope = ?", f.scope);
  if (f.value !== undefined) add("a.source_value = ?", f.value);
  if (f.scenario !== undefined) {
    add(`(a.scenario = ? OR ${hasDecision("d.scenario = ?")})`, f.scenario, f.scenario);
  }
  if (f.ip) {
    add(`a.id IN (SELECT d.alert_id FROM decisions d WHERE ${ipCondition(f.ip, f.contains, "d")})`);
  }
  if (f.since !== undefined) add("a.start_at_ms >= ?", f.since);
  if (f.until !== undefined) add("a.start_at_ms <= ?", f.until);
  if (f.createdBefore !== undefined) add("a.created_at <= ?", f.createdBefore);
  if (f.decisionType !== undefined) add(hasDecision("d.type = ?"), f.decisionType);
  if (f.origin !== undefined) add(hasDecision("d.origin = ?"), f.origin);
  if (f.excludeCapi && f.origin === undefined && f.legacyCapiFilter) {
    add(hasDecision("d.origin IN ('crowdsec', 'cscli')"));
  } else if (f.excludeCapi && f.origin === undefined) {
    add(`NOT ${hasDecision("d.origin IN ('CAPI', 'lists')")}`);
    add(
      `NOT (NOT ${hasDecision("1")} AND (substr(a.source_scope, 1, 6) = 'lists:' OR a.source_scope = 'crowdsecurity/community-blocklist'))`,
    );
  }
  if (f.hasActiveDecision === true) add(hasDecision("d.until >= ?"), now);
  if (f.hasActiveDecision === false) add(`NOT ${hasDecision("1")}`);
  if (f.excludeSimulated) add("a.simulated = 0");
  if (f.kind !== undefined) add("a.kind = ?", f.kind);
  return { sql: where.length > 0 ? where.join(" AND ") : "1", params };
}

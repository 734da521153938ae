/**
 * The gauges `/metrics` computes from D1 at scrape time, as CrowdSec 1.4.6 does in
 * `cmd/crowdsec/metrics.go#computeDynamicMetrics`: active decisions by (scenario, origin, type)
 * (`QueryDecisionCountByScenario`) and alerts by scenario without the Central API's
 * (`AlertsCountPerScenario` with `include_capi=false`). Two grouped statements in one batch: the
 * decisions one walks the `decisions_until` index over active rows only.
 */

/** One active-decisions group. */
export interface DecisionGroup {
  scenario: string;
  origin: string;
  type: string;
  count: number;
}

/** The scrape-time gauges and what they cost. */
export interface ScrapeGauges {
  decisions: DecisionGroup[];
  alerts: { scenario: string; count: number }[];
  rowsRead: number;
}

/** Reads both gauges at `now` (ms). */
export async function scrapeGauges(d1: D1Database, now: number): Promise<ScrapeGauges> {
  const [decisions, alerts] = await d1.batch([
    d1
      .prepare(
        "SELECT scenario, origin, type, COUNT(*) AS count FROM decisions WHERE until > ?1 GROUP BY scenario, origin, type",
      )
      .bind(now),
    d1.prepare(
      "SELECT scenario, COUNT(*) AS count FROM alerts a WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = a.id AND d.origin = 'CAPI') GROUP BY scenario",
    ),
  ]);
  return {
    decisions: (decisions!.results as unknown as DecisionGroup[]).map((r) => ({ ...r })),
    alerts: (alerts!.results as unknown as { scenario: string; count: number }[]).map((r) => ({
      ...r,
    })),
    rowsRead: (decisions!.meta.rows_read ?? 0) + (alerts!.meta.rows_read ?? 0),
  };
}

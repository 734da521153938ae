import { scrapeGauges } from "../../db/metrics-gauges";
import type { AppContext } from "../context";
import { renderExposition } from "../metrics/exposition";
import { FAMILIES } from "../metrics/metric-families";
import { metricsObject } from "../metrics/metrics-object";
import { labelText, type SeriesDelta } from "../metrics/series";
import type { RouteDef } from "../route-def";

/**
 * GET /metrics: the LAPI's Prometheus text. Counters come from the metrics object (after this
 * isolate's pending increments are flushed, so a scrape sees its own isolate's last requests);
 * `cs_active_decisions` and `cs_alerts` are computed from D1 now, as CrowdSec 1.4.6 computes
 * them on every scrape (cmd/crowdsec/metrics.go).
 */
async function scrape(c: AppContext): Promise<Response> {
  const object = metricsObject(c.env.METRICS);
  const [, gauges] = await Promise.all([
    c.var.metrics.flush((d) => object.add(d)),
    scrapeGauges(c.env.DB, c.var.startedAt),
  ]);
  // This scrape's own rows read land in the next scrape (the counter is the object's).
  c.var.metrics.inc("d1RowsRead", { route: "/metrics" }, gauges.rowsRead);
  const samples: SeriesDelta[] = await object.snapshot();
  const decisions = FAMILIES.activeDecisions;
  for (const d of gauges.decisions) {
    const labels = labelText(decisions, { reason: d.scenario, origin: d.origin, action: d.type });
    samples.push({ name: decisions.name, labels, value: d.count });
  }
  for (const a of gauges.alerts) {
    samples.push({
      name: FAMILIES.alerts.name,
      labels: labelText(FAMILIES.alerts, { reason: a.scenario }),
      value: a.count,
    });
  }
  return new Response(renderExposition(samples), {
    headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" },
  });
}

export const metricsRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/metrics",
    auth: "scrape",
    handler: scrape,
    doc: {
      summary:
        "Prometheus metrics (CrowdSec's cs_lapi_* names, cs_active_decisions, cs_alerts, rampart_*)",
      success: { status: 200, description: "Prometheus text exposition format 0.0.4" },
    },
  },
];

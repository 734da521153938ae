import type { AppContext } from "../context";
import type { MetricsRecorder } from "./metrics-recorder";

/**
 * The per-request counters of CrowdSec 1.4.6 `pkg/apiserver/controllers/v1/metrics.go`, bumped
 * once the handler answered: route hits and response time by (route, method), the machine's or
 * bouncer's hits when the request authenticated as one (CrowdSec's middlewares run after the
 * auth middleware of their group, so refused requests count only as route hits).
 *
 * CrowdSec labels by `c.Request.URL.Path`; Rampart labels a route with path parameters by its
 * pattern (`/v1/alerts/:alert_id`), so one series per alert or decision id cannot fill the
 * metrics object, and does not count paths no route matches (404/405/redirects).
 */
export function recordRequest(metrics: MetricsRecorder, c: AppContext, route: string): void {
  const method = c.req.method;
  metrics.inc("routeRequests", { route, method });
  metrics.observeDuration({ endpoint: route, method }, (Date.now() - c.var.startedAt) / 1000);
  const machine = c.get("machineId");
  if (machine) metrics.inc("machineRequests", { machine, route, method });
  const bouncer = c.get("bouncer");
  if (bouncer) metrics.inc("bouncerRequests", { bouncer: bouncer.name, route, method });
  const rowsRead = Number(c.res.headers.get("X-Rampart-Rows-Read"));
  if (rowsRead > 0) metrics.inc("d1RowsRead", { route }, rowsRead);
}

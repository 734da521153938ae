import type { RouteDef } from "./route-def";
import { adminRoutes } from "./routes/admin";
import { adminAllowlistRoutes } from "./routes/admin-allowlists";
import { adminCapiRoutes } from "./routes/admin-capi";
import { adminListRoutes } from "./routes/admin-lists";
import { adminProfileRoutes } from "./routes/admin-profiles";
import { adminScenarioRoutes } from "./routes/admin-scenarios";
import { alertRoutes } from "./routes/alerts";
import { allowlistRoutes } from "./routes/allowlists";
import { capiRoutes } from "./routes/capi";
import { consoleRoutes } from "./routes/console";
import { consoleSessionRoutes } from "./routes/console-session";
import { decisionReadRoutes } from "./routes/decisions-read";
import { decisionWriteRoutes } from "./routes/decisions-write";
import { healthRoutes } from "./routes/health";
import { ingestRoutes } from "./routes/ingest";
import { metricsRoutes } from "./routes/metrics";
import { openApiRoutes } from "./routes/openapi";
import { usageMetricsRoutes } from "./routes/usage-metrics";
import { watcherRoutes } from "./routes/watchers";

/**
 * The route → auth table of the LAPI v1 (CrowdSec controllers/controller.go), the admin API and the
 * Central API server (`/v2`, `/v3`).
 */
export const routes: readonly RouteDef[] = [
  ...healthRoutes,
  ...metricsRoutes,
  ...watcherRoutes,
  ...alertRoutes,
  ...decisionReadRoutes,
  ...decisionWriteRoutes,
  ...usageMetricsRoutes,
  ...allowlistRoutes,
  ...adminRoutes,
  ...adminAllowlistRoutes,
  ...ingestRoutes(),
  ...adminScenarioRoutes,
  ...adminProfileRoutes,
  ...consoleSessionRoutes,
  ...consoleRoutes,
  ...adminListRoutes,
  ...capiRoutes,
  ...adminCapiRoutes,
  ...openApiRoutes(() => routes),
];

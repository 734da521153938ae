import type { RouteDef } from "./route-def";
import { adminRoutes } from "./routes/admin";
import { adminAllowlistRoutes } from "./routes/admin-allowlists";
import { allowlistRoutes } from "./routes/allowlists";
import { decisionReadRoutes } from "./routes/decisions-read";
import { healthRoutes } from "./routes/health";
import { usageMetricsRoutes } from "./routes/usage-metrics";
import { watcherRoutes } from "./routes/watchers";

/** The route → auth table of the LAPI v1 (contract §3) and the admin API. */
export const routes: readonly RouteDef[] = [
  ...healthRoutes,
  ...watcherRoutes,
  ...decisionReadRoutes,
  ...usageMetricsRoutes,
  ...allowlistRoutes,
  ...adminRoutes,
  ...adminAllowlistRoutes,
];

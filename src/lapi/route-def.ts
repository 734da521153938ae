import type { AppContext } from "./context";

/** How a route authenticates (contract §2.1), plus our admin API. */
export type AuthKind = "none" | "jwt" | "refresh" | "apiKey" | "jwtOrApiKey" | "admin";

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One row of the route table: what a reviewer diffs against CrowdSec's controller.go. */
export interface RouteDef {
  method: Method;
  /** Hono path syntax (`/v1/alerts/:alert_id`). */
  path: string;
  auth: AuthKind;
  /** Reads may be served by a D1 read replica (bouncer live lookups). */
  replicaReads?: boolean;
  handler: (c: AppContext) => Response | Promise<Response>;
}

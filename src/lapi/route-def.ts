import type { z } from "zod";
import type { GoType } from "../shared/go-json";
import type { AppContext } from "./context";

/**
 * How a route authenticates (CrowdSec controllers/controller.go groups), plus our admin API and
 * the Central API server's watcher tokens (`capi`).
 */
export type AuthKind =
  | "none"
  | "jwt"
  | "refresh"
  | "apiKey"
  | "jwtOrApiKey"
  | "admin"
  /** `/metrics`: admin credentials or the scrape-only METRICS_TOKEN. */
  | "scrape"
  | "capi";

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
  /** What the OpenAPI document (openapi.ts) says about the route. */
  doc?: RouteDoc;
}

/** Documentation carried by a route row, so the OpenAPI document cannot drift from the table. */
export interface RouteDoc {
  summary: string;
  /** zod schema of a JSON body (admin API). */
  body?: z.ZodTypeAny;
  /** Go-typed JSON body (CrowdSec v1 models). */
  goBody?: GoType;
  /** Success status (default 200) and what it returns. */
  success?: { status: number; description: string };
}

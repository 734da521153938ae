import type { MiddlewareHandler } from "hono";
import { findCapiWatcher } from "../../db/capi-server";
import type { AppContext, AppEnv } from "../context";
import { ApiError } from "../errors";
import { verifyToken } from "./jwt";

/**
 * The Central API server answers only when `CAPI_SERVER=on`; otherwise its paths are unknown
 * (404, as a LAPI without the route group).
 */
export function requireCapiServer(c: AppContext): void {
  if (!c.var.config.capi.enabled) throw new ApiError("notFound", "central API server is off");
}

/**
 * Watcher routes of the Central API server: `Authorization: Bearer <token>` from
 * `POST /v2/watchers/login`, signed with the CAPI key (never a LAPI machine token), of a watcher
 * that still exists. Failures are 401, which makes CrowdSec's JWT transport log in again.
 */
export const capiAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  requireCapiServer(c);
  const header = c.req.header("Authorization") ?? "";
  const token = /^Bearer (.+)$/i.exec(header)?.[1];
  if (!token) throw new ApiError("unauthorized", "missing bearer token");
  const r = await verifyToken(c.var.config.capi.jwtSecret, token, c.var.startedAt);
  if (!r.ok) throw new ApiError("unauthorized", r.message);
  const watcher = await findCapiWatcher(c.var.primaryDb, r.machineId);
  if (!watcher) throw new ApiError("unauthorized", "unknown watcher");
  c.set("capiWatcher", watcher);
  await next();
};

import { activeCommunityDecisions, listCapiWatchers } from "../../db/capi-server";
import type { AppContext } from "../context";
import { jsonResponse } from "../errors";
import type { RouteDef } from "../route-def";

/**
 * Admin view of the Central API server (`/admin/v1/capi`): who reports, and what the consensus
 * currently publishes.
 */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

async function watchers(c: AppContext): Promise<Response> {
  const { db, startedAt, config } = c.var;
  const rows = await listCapiWatchers(db, startedAt - config.capi.consensus.windowMs);
  return jsonResponse(
    rows.map((w) => ({
      machine_id: w.machineId,
      ip_address: w.ipAddress,
      version: w.version,
      scenarios: w.scenarios === "" ? [] : w.scenarios.split(","),
      last_login: iso(w.lastLogin),
      last_push: iso(w.lastPush),
      last_pull: iso(w.lastPull),
      signals_in_window: w.signals,
    })),
  );
}

async function communityDecisions(c: AppContext): Promise<Response> {
  const rows = await activeCommunityDecisions(c.var.db, c.var.startedAt, null);
  return jsonResponse(
    rows.map((d) => ({
      scope: d.scope,
      value: d.value,
      scenario: d.scenario,
      type: d.type,
      reporters: d.reporters,
      until: iso(d.until),
      updated_at: iso(d.updatedAt),
    })),
  );
}

export const adminCapiRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/admin/v1/capi/watchers",
    auth: "admin",
    handler: watchers,
    doc: { summary: "Central API watchers, with their signals inside the consensus window" },
  },
  {
    method: "GET",
    path: "/admin/v1/capi/decisions",
    auth: "admin",
    handler: communityDecisions,
    doc: { summary: "Live community decisions published by the consensus" },
  },
];

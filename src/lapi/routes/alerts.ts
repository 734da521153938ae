import { deleteAlert, deleteAlerts, getAlert, queryAlerts } from "../../db/alerts";
import { decodeAs, parseGoJson } from "../../shared/go-json";
import { inAnyRange } from "../../shared/ip-range";
import { widerThan } from "../../shared/min-prefix";
import { AUTHENTICATED_BODY_LIMIT, readBodyText } from "../body";
import { isLoopback } from "../client-ip";
import { isCrowdsecClientBefore } from "../client-version";
import type { AppContext } from "../context";
import { ApiError, emptyResponse, jsonResponse } from "../errors";
import {
  ADD_ALERTS_GO_NAME,
  type AlertIn,
  addAlertsRequest,
  type ValidAlert,
  validateAlerts,
} from "../models/alert";
import { parseAlertFilter } from "../models/alert-filter";
import { alertJson } from "../models/alert-json";
import { parseGoId } from "../models/go-id";
import type { RouteDef } from "../route-def";
import { storeAlerts } from "../store-alerts";

/** POST /v1/alerts (CrowdSec pkg/apiserver/controllers/v1/alerts.go `CreateAlert`). */
async function createAlerts(c: AppContext): Promise<Response> {
  const text = await readBodyText(c, AUTHENTICATED_BODY_LIMIT);
  const parsed = parseGoJson(text);
  if (!parsed.ok) throw new ApiError("badRequest", parsed.message);
  const decoded = decodeAs<(AlertIn | undefined)[] | undefined>(
    parsed.value,
    addAlertsRequest,
    ADD_ALERTS_GO_NAME,
    { innermostStruct: true },
  );
  if (!decoded.ok) throw new ApiError("badRequest", decoded.message);
  const input = decoded.value ?? [];
  const invalid = validateAlerts(input);
  if (invalid) throw new ApiError("serverError", invalid);
  // A null item makes CrowdSec panic (500, empty body); we ignore it instead.
  const alerts = input.filter((a): a is AlertIn => a !== undefined) as ValidAlert[];
  refuseWideDecisions(c, alerts);
  const skipped = { wideDecisions: 0 };
  const deps = {
    db: c.var.db,
    waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p),
    profiles: c.var.caches.profiles,
    minDecisionPrefix: c.var.config.minDecisionPrefix,
    skipped,
  };
  const ids = await storeAlerts(deps, alerts, c.var.machineId, c.var.startedAt);
  const response = jsonResponse(ids.map(String), 201);
  if (skipped.wideDecisions > 0) {
    response.headers.set(SKIPPED_HEADER, String(skipped.wideDecisions));
  }
  return response;
}

/** How many profile decisions were not stored for being wider than `MIN_DECISION_PREFIX`. */
export const SKIPPED_HEADER = "X-Rampart-Skipped-Wide-Decisions";

/** The header `rampart decisions add --force` sends to store a decision wider than the minimum. */
export const FORCE_HEADER = "X-Rampart-Force";

/**
 * A decision on a block wider than `MIN_DECISION_PREFIX` (`0.0.0.0/0` bans everyone, the operator
 * included) is refused with 400, nothing stored, unless the request says `X-Rampart-Force:
 * wide-range`. CrowdSec stores it; the real cscli cannot force, so it gets the message.
 */
function refuseWideDecisions(c: AppContext, alerts: readonly ValidAlert[]): void {
  if ((c.req.header(FORCE_HEADER) ?? "").toLowerCase() === "wide-range") return;
  const min = c.var.config.minDecisionPrefix;
  for (const alert of alerts) {
    for (const d of alert.decisions ?? []) {
      const wide = widerThan(d.scope ?? "", d.value ?? "", min);
      if (!wide) continue;
      const limit = wide.size === 4 ? min.v4 : min.v6;
      throw new ApiError(
        "badRequest",
        `decision on ${d.value} is wider than /${limit} (MIN_DECISION_PREFIX): resend with '${FORCE_HEADER}: wide-range' (rampart decisions add --force)`,
      );
    }
  }
}

/**
 * GET|HEAD /v1/alerts (CrowdSec pkg/apiserver/controllers/v1/alerts.go `FindAlerts`): no match is
 * the literal `null`.
 */
async function listAlerts(c: AppContext): Promise<Response> {
  const now = c.var.startedAt;
  const filter = parseAlertFilter(new URL(c.req.url).searchParams, now, {
    legacyClient: isCrowdsecClientBefore(c.req.header("User-Agent"), [1, 5, 5]),
  });
  if (c.req.method === "HEAD") return emptyResponse(200);
  const records = await queryAlerts(c.var.db, filter, now);
  return jsonResponse(records.length === 0 ? null : records.map((r) => alertJson(r, now)));
}

function alertId(c: AppContext): number {
  const id = parseGoId(c.req.param("alert_id") ?? "");
  if (id === null) throw new ApiError("badRequest", "alert_id must be valid integer");
  return id.value;
}

/** GET|HEAD /v1/alerts/:alert_id (CrowdSec controllers/v1/alerts.go `FindAlertByID`). */
async function showAlert(c: AppContext): Promise<Response> {
  const id = alertId(c);
  const record = await getAlert(c.var.db, id);
  if (!record) throw new ApiError("notFound", "object not found");
  if (c.req.method === "HEAD") return emptyResponse(200);
  return jsonResponse(alertJson(record, c.var.startedAt));
}

/** Alert deletion is reserved to loopback and `trusted_ips` callers (CrowdSec alerts.go). */
function requireTrustedIp(c: AppContext): void {
  const ip = c.var.clientIp;
  if (isLoopback(ip) || inAnyRange(ip, c.var.config.trustedIps)) return;
  throw new ApiError("forbidden", `access forbidden from this IP (${ip})`);
}

/** DELETE /v1/alerts (CrowdSec `DeleteAlerts`): same filters as GET, limit and sort ignored. */
async function deleteAlertsByFilter(c: AppContext): Promise<Response> {
  requireTrustedIp(c);
  const now = c.var.startedAt;
  const filter = parseAlertFilter(new URL(c.req.url).searchParams, now, {
    legacyClient: isCrowdsecClientBefore(c.req.header("User-Agent"), [1, 5, 5]),
  });
  const n = await deleteAlerts(c.var.db, filter, now);
  return jsonResponse({ nbDeleted: String(n) });
}

/** DELETE /v1/alerts/:alert_id (CrowdSec controllers/v1/alerts.go `DeleteAlertByID`). */
async function deleteAlertById(c: AppContext): Promise<Response> {
  requireTrustedIp(c);
  const id = alertId(c);
  if (!(await deleteAlert(c.var.db, id))) throw new ApiError("serverError", "ent: alert not found");
  return jsonResponse({ nbDeleted: "1" });
}

export const alertRoutes: RouteDef[] = [
  { method: "POST", path: "/v1/alerts", auth: "jwt", handler: createAlerts },
  { method: "GET", path: "/v1/alerts", auth: "jwt", handler: listAlerts },
  { method: "HEAD", path: "/v1/alerts", auth: "jwt", handler: listAlerts },
  { method: "DELETE", path: "/v1/alerts", auth: "jwt", handler: deleteAlertsByFilter },
  { method: "GET", path: "/v1/alerts/:alert_id", auth: "jwt", handler: showAlert },
  { method: "HEAD", path: "/v1/alerts/:alert_id", auth: "jwt", handler: showAlert },
  { method: "DELETE", path: "/v1/alerts/:alert_id", auth: "jwt", handler: deleteAlertById },
];

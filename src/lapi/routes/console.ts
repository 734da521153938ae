import { z } from "zod";
import { getAlert } from "../../db/alerts";
import {
  type AlertCursor,
  type DecisionSearch,
  readAlertPage,
  readDecisionPage,
  readOverview,
} from "../../db/console";
import { expireDecision } from "../../db/decisions-write";
import { countingDb, type RowsRead } from "../../db/rows-read";
import { parseGoDuration } from "../../shared/duration";
import { parseIpOrRange } from "../../shared/ip-range";
import { widerThan } from "../../shared/min-prefix";
import { readAdminBody } from "../admin-body";
import type { AppContext } from "../context";
import { ApiError, jsonResponse } from "../errors";
import type { ValidAlert } from "../models/alert";
import { parseAlertFilter } from "../models/alert-filter";
import { alertJson } from "../models/alert-json";
import { parseGoId } from "../models/go-id";
import type { RouteDef } from "../route-def";
import { storeAlerts } from "../store-alerts";

/**
 * JSON endpoints of the web console (`/admin/v1/console/*`, admin auth: the session cookie or the
 * bearer token). Machines, bouncers, allowlists and profiles use the admin routes that already
 * exist. Every answer says what it cost: `X-Rampart-D1-Rows-Read` (D1's `rows_read` summed over
 * the request's statements) and `Server-Timing: app;dur=…` (what `npm run bench -- console` reads).
 */

export const ROWS_READ_HEADER = "X-Rampart-D1-Rows-Read";
const MAX_PAGE = 200;
const DEFAULT_PAGE = 50;
/** A machine without a heartbeat for this long, or a bouncer without a pull, is flagged stale. */
export const STALE_AFTER_MS = 5 * 60_000;

function measured(c: AppContext, rowsRead: RowsRead, body: unknown, status = 200): Response {
  const ms = Date.now() - c.var.startedAt;
  return jsonResponse(body, status, {
    [ROWS_READ_HEADER]: String(rowsRead.total),
    "Server-Timing": `app;dur=${ms}`,
    "Cache-Control": "no-store",
  });
}

function pageSize(params: URLSearchParams): number {
  const v = params.get("limit");
  if (v === null) return DEFAULT_PAGE;
  const n = /^\d{1,4}$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= 1 && n <= MAX_PAGE)) throw new ApiError("badRequest", `limit must be 1-${MAX_PAGE}`);
  return n;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const stale = (ms: number | null, now: number) => ms === null || now - ms > STALE_AFTER_MS;

async function overview(c: AppContext): Promise<Response> {
  const now = c.var.startedAt;
  const window = c.req.query("window") ?? "24h";
  const d = parseGoDuration(window, { allowDays: true });
  if (!d.ok || d.ms <= 0 || d.ms > 31 * 86_400_000) {
    throw new ApiError("badRequest", `window must be a duration up to 31d (got '${window}')`);
  }
  const { db, rowsRead } = countingDb(c.env.DB);
  const o = await readOverview(db, now - d.ms, now, 10);
  return measured(c, rowsRead, {
    window: { since: iso(now - d.ms), until: iso(now) },
    alerts_per_hour: o.alertsPerHour.map((h) => ({ hour: iso(h.hour), count: h.count })),
    decisions_per_hour: o.decisionsPerHour.map((h) => ({ hour: iso(h.hour), count: h.count })),
    alerts_total: o.alertsPerHour.reduce((sum, h) => sum + h.count, 0),
    active_decisions: o.activeDecisions,
    top_scenarios: o.topScenarios,
    top_countries: o.topCountries,
    top_as: o.topAs,
    machines: o.machines.map((m) => ({
      machine_id: m.machineId,
      ip_address: m.ipAddress,
      version: m.version,
      validated: m.isValidated,
      last_heartbeat: iso(m.lastHeartbeat),
      stale: stale(m.lastHeartbeat, now),
    })),
    bouncers: o.bouncers.map((b) => ({
      name: b.name,
      ip_address: b.ipAddress,
      type: b.type,
      version: b.version,
      revoked: b.revoked,
      last_pull: iso(b.lastPull),
      stale: stale(b.lastPull, now),
    })),
    stale_after_seconds: STALE_AFTER_MS / 1000,
  });
}

function parseAlertCursor(v: string | undefined): AlertCursor | null {
  if (v === undefined || v === "") return null;
  const m = /^(\d{1,15})\.(\d{1,15})$/.exec(v);
  if (!m) throw new ApiError("badRequest", "cursor must be <created_at>.<id> from a previous page");
  return { createdAt: Number(m[1]), id: Number(m[2]) };
}

async function listAlerts(c: AppContext): Promise<Response> {
  const now = c.var.startedAt;
  const params = new URL(c.req.url).searchParams;
  const after = parseAlertCursor(params.get("cursor") ?? undefined);
  const limit = pageSize(params);
  const filters = new URLSearchParams([...params].filter(([k]) => k !== "cursor" && k !== "limit"));
  let filter: ReturnType<typeof parseAlertFilter>;
  try {
    filter = parseAlertFilter(filters, now);
  } catch (e) {
    // The v1 route answers CrowdSec's 500s; the console's own API calls a bad filter a 400.
    if (e instanceof ApiError) throw new ApiError("badRequest", e.message);
    throw e;
  }
  const { db, rowsRead } = countingDb(c.env.DB);
  const page = await readAlertPage(db, filter, after, limit, now);
  return measured(c, rowsRead, {
    alerts: page.alerts.map((a) => ({
      id: a.id,
      machine_id: a.machineId,
      scenario: a.scenario,
      message: a.message,
      events_count: a.eventsCount,
      start_at: a.startAt,
      stop_at: a.stopAt,
      simulated: a.simulated,
      source: {
        scope: a.sourceScope,
        value: a.sourceValue,
        as_number: a.sourceAsNumber,
        as_name: a.sourceAsName,
        cn: a.sourceCountry,
      },
      created_at: iso(a.createdAt),
      decisions: a.decisions,
      active_decisions: a.activeDecisions,
    })),
    next_cursor: page.next ? `${page.next.createdAt}.${page.next.id}` : null,
  });
}

async function inspectAlert(c: AppContext): Promise<Response> {
  const id = parseGoId(c.req.param("alert_id") ?? "");
  if (id === null) throw new ApiError("badRequest", "alert_id must be valid integer");
  const { db, rowsRead } = countingDb(c.env.DB);
  const record = await getAlert(db, id.value);
  if (!record) throw new ApiError("notFound", `alert ${id.text} not found`);
  return measured(c, rowsRead, alertJson(record, c.var.startedAt));
}

function parseDecisionSearch(params: URLSearchParams): DecisionSearch {
  const s: DecisionSearch = { contains: true, activeOnly: true };
  for (const [key, value] of params) {
    if (value === "") continue;
    switch (key) {
      case "ip":
      case "range": {
        const r = parseIpOrRange(value);
        if (!r) throw new ApiError("badRequest", `'${value}' is not an IP address or range`);
        s.ip = r;
        break;
      }
      case "contained":
        s.contains = value !== "true";
        break;
      case "scenario":
      case "origin":
      case "type":
      case "scope":
      case "value":
        s[key] = value;
        break;
      case "include_expired":
        s.activeOnly = value !== "true";
        break;
      case "cursor":
      case "limit":
        break;
      default:
        throw new ApiError("badRequest", `unknown decision filter '${key}'`);
    }
  }
  return s;
}

async function listDecisions(c: AppContext): Promise<Response> {
  const now = c.var.startedAt;
  const params = new URL(c.req.url).searchParams;
  const search = parseDecisionSearch(params);
  const cursor = params.get("cursor");
  if (cursor && !/^\d{1,15}$/.test(cursor)) {
    throw new ApiError("badRequest", "cursor must be a decision id from a previous page");
  }
  const { db, rowsRead } = countingDb(c.env.DB);
  const page = await readDecisionPage(
    db,
    search,
    cursor ? Number(cursor) : null,
    pageSize(params),
    now,
  );
  return measured(c, rowsRead, {
    decisions: page.decisions.map((d) => ({
      id: d.id,
      alert_id: d.alertId,
      scenario: d.scenario,
      type: d.type,
      scope: d.scope,
      value: d.value,
      origin: d.origin,
      simulated: d.simulated,
      created_at: iso(d.createdAt),
      until: iso(d.until),
      expired: d.until <= now,
    })),
    next_cursor: page.next === null ? null : String(page.next),
  });
}

const newDecision = z
  .object({
    scope: z.enum(["Ip", "Range"]).default("Ip"),
    value: z.string().min(1).max(64),
    duration: z.string().min(1).max(32).default("4h"),
    type: z.string().min(1).max(64).default("ban"),
    reason: z.string().min(1).max(512).optional(),
    force: z.boolean().default(false),
  })
  .strict();

/** The alert `cscli decisions add` builds (see src/cli/commands/decisions.ts), from the console. */
async function addDecision(c: AppContext): Promise<Response> {
  const body = await readAdminBody(c, newDecision);
  const range = parseIpOrRange(body.value);
  if (!range || (body.scope === "Ip" && body.value.includes("/"))) {
    throw new ApiError(
      "badRequest",
      `'${body.value}' is not a valid ${body.scope === "Ip" ? "IP address" : "range"}`,
    );
  }
  const d = parseGoDuration(body.duration, { allowDays: true });
  if (!d.ok || d.ms <= 0) throw new ApiError("badRequest", `invalid duration '${body.duration}'`);
  const wide = widerThan(body.scope, body.value, c.var.config.minDecisionPrefix);
  if (wide && !body.force) {
    throw new ApiError(
      "badRequest",
      `decision on ${body.value} is wider than MIN_DECISION_PREFIX: confirm with force`,
    );
  }
  const reason = body.reason ?? `manual '${body.type}' from 'console'`;
  const now = new Date(c.var.startedAt).toISOString().replace(/\.\d+Z$/, "Z");
  const alert: ValidAlert = {
    capacity: 0,
    decisions: [
      {
        duration: body.duration,
        origin: "cscli",
        scenario: reason,
        scope: body.scope,
        type: body.type,
        value: body.value,
      },
    ],
    events: [],
    events_count: 1,
    leakspeed: "0",
    message: reason,
    scenario: reason,
    scenario_hash: "",
    scenario_version: "",
    simulated: false,
    source: { scope: body.scope, value: body.value, ip: body.value },
    start_at: now,
    stop_at: now,
  };
  const ids = await storeAlerts(
    {
      db: c.var.db,
      waitUntil: (p) => c.executionCtx.waitUntil(p),
      profiles: c.var.caches.profiles,
    },
    [alert],
    "",
    c.var.startedAt,
  );
  return jsonResponse({ alert_id: ids[0] ?? null }, 201);
}

async function deleteDecision(c: AppContext): Promise<Response> {
  const id = parseGoId(c.req.param("decision_id") ?? "");
  if (id === null) throw new ApiError("badRequest", "decision_id must be valid integer");
  if (!(await expireDecision(c.var.db, id.value, c.var.startedAt))) {
    throw new ApiError("notFound", `decision ${id.text} not found`);
  }
  return jsonResponse({ deleted: id.value });
}

export const consoleRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/admin/v1/console/overview",
    auth: "admin",
    handler: overview,
    doc: {
      summary:
        "Console overview over ?window= (default 24h): alerts/decisions per hour, top scenarios, countries, AS, agents and bouncers with staleness",
    },
  },
  {
    method: "GET",
    path: "/admin/v1/console/alerts",
    auth: "admin",
    handler: listAlerts,
    doc: {
      summary:
        "A page of alerts (filters of GET /v1/alerts / cscli alerts list; ?limit= up to 200, ?cursor= from next_cursor)",
    },
  },
  {
    method: "GET",
    path: "/admin/v1/console/alerts/:alert_id",
    auth: "admin",
    handler: inspectAlert,
    doc: { summary: "One alert with its events and decisions (cscli alerts inspect)" },
  },
  {
    method: "GET",
    path: "/admin/v1/console/decisions",
    auth: "admin",
    handler: listDecisions,
    doc: {
      summary:
        "A page of decisions by ip/range (contained=true), scenario, origin, type, scope, value; active only unless include_expired=true",
    },
  },
  {
    method: "POST",
    path: "/admin/v1/console/decisions",
    auth: "admin",
    handler: addDecision,
    doc: {
      summary: "Add a decision (one alert with one decision, origin cscli, as cscli decisions add)",
      body: newDecision,
      success: { status: 201, description: "{alert_id}" },
    },
  },
  {
    method: "DELETE",
    path: "/admin/v1/console/decisions/:decision_id",
    auth: "admin",
    handler: deleteDecision,
    doc: { summary: "Expire one decision (cscli decisions delete --id); 404 if absent" },
  },
];

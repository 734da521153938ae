import { listUsageMetrics, type MetricsSender, storeUsageMetrics } from "../../db/usage-metrics";
import { decodeAs, type FieldSpec, parseGoJson, t } from "../../shared/go-json";
import { AUTHENTICATED_BODY_LIMIT, readBodyText } from "../body";
import type { AppContext } from "../context";
import { ApiError, emptyResponse, jsonResponse } from "../errors";
import type { RouteDef } from "../route-def";

/**
 * POST /v1/usage-metrics (CrowdSec 1.6.3+ pkg/apiserver/controllers/v1/usagemetrics.go). Field
 * lists follow the go-swagger models in Go's validation order (alphabetical), which decides the
 * one missing field CrowdSec names per top-level key.
 */

const osVersion = t.struct("models.OSversion", {
  family: { type: t.string },
  name: { type: t.string, required: true },
  version: { type: t.string, required: true },
});

const detailedMetrics = t.struct("models.DetailedMetrics", {
  items: {
    type: t.array(
      t.struct("models.MetricsDetailItem", {
        labels: { type: t.map(t.string) },
        name: { type: t.string, required: true },
        unit: { type: t.string, required: true },
        value: { type: t.float64, required: true },
      }),
    ),
    required: true,
  },
  meta: {
    type: t.struct("models.MetricsMeta", {
      utc_now_timestamp: { type: t.int64, required: true },
      window_size_seconds: { type: t.int64, required: true },
    }),
    required: true,
  },
});

const baseMetrics: Record<string, FieldSpec> = {
  feature_flags: { type: t.array(t.string) },
  metrics: { type: t.array(detailedMetrics) },
  os: { type: osVersion },
  utc_startup_timestamp: { type: t.int64, required: true },
  version: { type: t.string, required: true },
};

const hubItem = t.struct("models.HubItem", {
  name: { type: t.string },
  status: { type: t.string },
  version: { type: t.string },
});

/** models.AllMetrics: top-level keys in the order CrowdSec validates them. */
export const allMetricsType = t.struct("models.AllMetrics", {
  lapi: {
    type: t.struct("models.LapiMetrics", {
      ...baseMetrics,
      console_options: { type: t.array(t.string) },
    }),
  },
  log_processors: {
    type: t.array(
      t.struct("models.LogProcessorsMetrics", {
        ...baseMetrics,
        datasources: { type: t.map(t.int64), required: true },
        hub_items: { type: t.map(t.array(hubItem)), required: true },
        last_push: { type: t.int64 },
        last_update: { type: t.int64 },
        name: { type: t.string },
      }),
    ),
  },
  remediation_components: {
    type: t.array(
      t.struct("models.RemediationComponentsMetrics", {
        ...baseMetrics,
        last_pull: { type: t.int64 },
        name: { type: t.string },
        type: { type: t.string },
      }),
    ),
  },
});

const TOP_KEYS = ["lapi", "log_processors", "remediation_components"] as const;

interface Base {
  feature_flags?: Array<string | undefined>;
  metrics?: Array<{ meta?: { utc_now_timestamp?: number } } | undefined>;
  os?: { name?: string; version?: string };
  version?: string;
}
interface Lp extends Base {
  datasources?: Record<string, number | undefined>;
  hub_items?: Record<
    string,
    Array<{ name?: string; status?: string; version?: string } | undefined> | undefined
  >;
}
interface Rc extends Base {
  type?: string;
}
interface AllMetrics {
  log_processors?: Array<Lp | undefined>;
  remediation_components?: Array<Rc | undefined>;
}

/**
 * go-swagger's generated validators return, per top-level key, only the first failing field
 * (errors.As digs the first *Validation out of nested composites); CrowdSec then collapses the
 * repeated "validation failure list:" prefix. `lines` are ours in the same traversal order.
 */
function goSwaggerMessage(lines: string[]): string {
  const kept = TOP_KEYS.map((k) => lines.find((l) => l.startsWith(`${k}.`))).filter(
    (l): l is string => l !== undefined,
  );
  return `validation failure list:\n${kept.join("\n")}`;
}

async function decodeMetrics(c: AppContext): Promise<AllMetrics> {
  const text = await readBodyText(c, AUTHENTICATED_BODY_LIMIT);
  const parsed = parseGoJson(text);
  if (!parsed.ok) throw new ApiError("badRequest", parsed.message);
  const decoded = decodeAs<AllMetrics | undefined>(
    parsed.value,
    allMetricsType,
    "models.AllMetrics",
  );
  if (!decoded.ok) {
    if (decoded.kind !== "validation") throw new ApiError("badRequest", decoded.message);
    const lines = decoded.message.split("\n").slice(1);
    throw new ApiError("unprocessable", goSwaggerMessage(lines));
  }
  const body = decoded.value ?? {};
  // A JSON null item passes go-swagger's validation (nil is skipped) and then crashes
  // CrowdSec's handler; we name it as missing instead.
  for (const key of ["log_processors", "remediation_components"] as const) {
    const at = body[key]?.indexOf(undefined) ?? -1;
    if (at !== -1) {
      throw new ApiError(
        "unprocessable",
        `validation failure list:\n${key}.${at} in body is required`,
      );
    }
  }
  return body;
}

/** Go `time.Unix(s, 0)` of the first window, else now (CrowdSec MachineUpdateBaseMetrics). */
function heartbeatOf(base: Base, now: number): number {
  const s = base.metrics?.[0]?.meta?.utc_now_timestamp;
  return typeof s === "number" ? s * 1000 : now;
}

function baseUpdate(base: Base) {
  return {
    version: base.version,
    osName: base.os?.name ?? "",
    osVersion: base.os?.version ?? "",
    featureflags: (base.feature_flags ?? []).map((f) => f ?? "").join(","),
  };
}

/** Go marshals a nil slice as null; our decoded arrays drop unknown keys like Go's structs. */
function metricsJson(base: Base): unknown {
  return base.metrics === undefined ? null : base.metrics.map((m) => m ?? null);
}

async function postUsageMetrics(c: AppContext): Promise<Response> {
  const input = await decodeMetrics(c);
  const bouncer = c.get("bouncer");
  const machineId = c.get("machineId");
  const now = c.var.startedAt;
  const lps = input.log_processors ?? [];
  const rcs = input.remediation_components ?? [];

  let payload: Record<string, unknown> = {};
  let base: Base = {};
  let lp: Lp | undefined;
  if (lps.length === 0 && machineId) throw new ApiError("badRequest", "Missing log processor data");
  if (lps.length > 1) throw new ApiError("badRequest", "Payload has more than one log processor");
  if (lps.length === 1) {
    lp = lps[0]!;
    payload = { metrics: metricsJson(lp) };
    base = lp;
  }
  if (rcs.length === 0 && bouncer) {
    throw new ApiError("badRequest", "Missing remediation component data");
  }
  if (rcs.length > 1) {
    throw new ApiError("badRequest", "Payload has more than one remediation component");
  }
  if (rcs.length === 1) {
    const rc = rcs[0]!;
    payload = { metrics: metricsJson(rc), type: rc.type ?? "" };
    base = rc;
  }

  let sender: MetricsSender;
  if (machineId) {
    const hubState: Record<string, unknown[]> = {};
    for (const [kind, items] of Object.entries(lp?.hub_items ?? {})) {
      hubState[kind] = (items ?? []).map((i) => ({
        name: i?.name ?? "",
        status: i?.status ?? "",
        version: i?.version ?? "",
      }));
    }
    sender = {
      kind: "LP",
      machineId,
      update: {
        ...baseUpdate(base),
        hubstate: JSON.stringify(hubState),
        datasources: JSON.stringify(lp?.datasources ?? {}),
        lastHeartbeat: heartbeatOf(base, now),
      },
    };
  } else if (bouncer) {
    sender = { kind: "RC", bouncerId: bouncer.id, name: bouncer.name, update: baseUpdate(base) };
  } else {
    // Unreachable behind the jwtOrApiKey middleware; CrowdSec answers the same.
    throw new ApiError(
      "serverError",
      "No machineID or bouncer in request context after authentication",
    );
  }
  await storeUsageMetrics(c.var.db, sender, now, JSON.stringify(payload));
  return emptyResponse(201);
}

const MAX_LISTED = 1000;

/** GET /admin/v1/usage-metrics[?generated_by=&type=RC|LP&limit=]: stored payloads, newest first. */
async function getUsageMetrics(c: AppContext): Promise<Response> {
  const type = c.req.query("type");
  if (type !== undefined && type !== "RC" && type !== "LP") {
    throw new ApiError("badRequest", "type must be RC or LP");
  }
  const limitText = c.req.query("limit") ?? "100";
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_LISTED) {
    throw new ApiError("badRequest", `limit must be an integer from 1 to ${MAX_LISTED}`);
  }
  const rows = await listUsageMetrics(c.var.db, {
    generatedBy: c.req.query("generated_by"),
    generatedType: type,
    limit,
  });
  return jsonResponse(
    rows.map((r) => ({
      generated_type: r.generatedType,
      generated_by: r.generatedBy,
      received_at: new Date(r.receivedAt).toISOString(),
      payload: JSON.parse(r.payload) as unknown,
    })),
  );
}

export const usageMetricsRoutes: RouteDef[] = [
  {
    method: "POST",
    path: "/v1/usage-metrics",
    auth: "jwtOrApiKey",
    handler: postUsageMetrics,
    doc: {
      summary:
        "Usage metrics of a bouncer (one remediation component) or agent (one log processor)",
      goBody: allMetricsType,
      success: { status: 201, description: "Stored (empty body)" },
    },
  },
  {
    method: "GET",
    path: "/admin/v1/usage-metrics",
    auth: "admin",
    handler: getUsageMetrics,
    doc: {
      summary:
        "Stored usage metrics, newest first, filtered by generated_by and type (RC|LP); what " +
        "cscli metrics reads from CrowdSec's database",
    },
  },
];

import bcrypt from "bcryptjs";
import { z } from "zod";
import {
  createCapiWatcher,
  findCapiWatcher,
  insertSignals,
  recordCapiLogin,
  recordCapiPull,
  storeWatcherMetrics,
} from "../../db/capi-server";
import { t } from "../../shared/go-json";
import { inAnyRange } from "../../shared/ip-range";
import { requireCapiServer } from "../auth/capi-auth";
import { issueToken } from "../auth/jwt";
import { spendRateLimit } from "../auth/rate-limit";
import { splitUserAgent } from "../auth/user-agent";
import {
  AUTHENTICATED_BODY_LIMIT,
  readBodyText,
  readJson,
  UNAUTHENTICATED_BODY_LIMIT,
} from "../body";
import { v2StreamBody, v3StreamBody } from "../capi/community-stream";
import { applyConsensus, communityDelta } from "../capi/publish";
import { consensusSignals, signalsBody } from "../capi/signals";
import type { AppContext } from "../context";
import { ApiError, jsonResponse } from "../errors";
import type { RouteDef } from "../route-def";

/**
 * The Central API server (CrowdSec's api.crowdsec.net as its LAPIs use it: pkg/apiclient,
 * pkg/apiserver/apic.go): watcher registration and login, signal pushes, the community blocklist
 * stream and metrics. Off unless `CAPI_SERVER=on`; see docs/central-api.md.
 */

const BCRYPT_COST = 10;
const WRONG_CREDENTIALS = "incorrect Username or Password";
const OK = { message: "OK" };

const registration = t.struct("models.WatcherRegistrationRequest", {
  machine_id: { type: t.string, required: true },
  password: { type: t.string, required: true },
});

const authRequest = t.struct("models.WatcherAuthRequest", {
  machine_id: { type: t.string, required: true },
  password: { type: t.string, required: true },
  scenarios: { type: t.array(t.string) },
});

/** POST /v2/watchers: what `cscli capi register` sends; the watcher may log in at once. */
async function register(c: AppContext): Promise<Response> {
  requireCapiServer(c);
  const { config, clientIp } = c.var;
  if (!inAnyRange(clientIp, config.capi.registrationRanges)) {
    throw new ApiError("forbidden", "registration is not allowed from this address");
  }
  await spendRateLimit(c.env.REGISTER_RATE_LIMIT, "capi-register", clientIp);
  const body = await readJson<{ machine_id: string; password: string }>(c, registration, {
    goName: "models.WatcherRegistrationRequest",
    limit: UNAUTHENTICATED_BODY_LIMIT,
    validationCode: "unprocessable",
  });
  if (body.machine_id === "" || body.machine_id.length > 255) {
    throw new ApiError("unprocessable", "machine_id must be 1 to 255 characters long");
  }
  if (body.password === "" || new TextEncoder().encode(body.password).length > 72) {
    throw new ApiError("unprocessable", "password must be 1 to 72 bytes long");
  }
  const created = await createCapiWatcher(c.var.db, {
    machineId: body.machine_id,
    passwordHash: await bcrypt.hash(body.password, BCRYPT_COST),
    ipAddress: clientIp,
  });
  if (created === "duplicate") {
    throw new ApiError("forbidden", `watcher '${body.machine_id}' already exists`);
  }
  return jsonResponse(OK);
}

/** POST /v2/watchers/login → models.WatcherAuthResponse `{code, expire, token}`. */
async function login(c: AppContext): Promise<Response> {
  requireCapiServer(c);
  const { clientIp, startedAt, config } = c.var;
  const failures = c.var.caches.loginFailures;
  failures.check(clientIp, startedAt);
  const body = await readJson<{ machine_id: string; password: string; scenarios?: string[] }>(
    c,
    authRequest,
    {
      goName: "models.WatcherAuthRequest",
      limit: UNAUTHENTICATED_BODY_LIMIT,
      validationCode: "unprocessable",
    },
  );
  const watcher = await findCapiWatcher(c.var.db, body.machine_id);
  if (!watcher || !(await bcrypt.compare(body.password, watcher.password))) {
    await failures.failed(c.env.LOGIN_FAILURE_RATE_LIMIT, clientIp, startedAt);
    throw new ApiError("forbidden", WRONG_CREDENTIALS);
  }
  const ua = splitUserAgent(c.req.header("User-Agent"));
  await recordCapiLogin(
    c.var.db,
    watcher.id,
    {
      ...(body.scenarios?.length ? { scenarios: body.scenarios.join(",") } : {}),
      ipAddress: clientIp,
      version: ua?.version ?? "",
    },
    startedAt,
  );
  const { token, expire } = await issueToken(config.capi.jwtSecret, watcher.machineId, startedAt);
  return jsonResponse({ code: 200, expire, token });
}

/** POST /v2/signals: stored for the consensus, which is re-evaluated for the values pushed. */
async function signals(c: AppContext): Promise<Response> {
  const items = parseBody(await readBodyText(c, AUTHENTICATED_BODY_LIMIT), signalsBody, "signals");
  const { db, startedAt, capiWatcher, config } = c.var;
  const kept = consensusSignals(items);
  await insertSignals(db, capiWatcher.id, kept, startedAt);
  await applyConsensus(
    db,
    config.capi,
    kept.map((s) => s.value),
    startedAt,
  );
  return jsonResponse("OK");
}

function streamRoute(body: typeof v2StreamBody | typeof v3StreamBody) {
  return async (c: AppContext): Promise<Response> => {
    const { db, startedAt, capiWatcher } = c.var;
    const startup = c.req.query("startup") === "true" || capiWatcher.lastPull === null;
    const delta = await communityDelta(db, startedAt, startup ? null : capiWatcher.lastPull);
    await recordCapiPull(db, capiWatcher.id, startedAt);
    return jsonResponse(body(delta, startedAt));
  };
}

/** CrowdSec 1.4.x models.Metrics: `apil_version`, `bouncers`, `machines` are required. */
const lapiMetrics = z
  .object({
    apil_version: z.string(),
    bouncers: z.array(z.unknown()),
    machines: z.array(z.unknown()),
  })
  .passthrough();

/** CrowdSec 1.6+ models.AllMetrics: at least one of its three parts. */
const usageMetrics = z
  .object({
    lapi: z.object({}).passthrough().optional(),
    log_processors: z.array(z.unknown()).optional(),
    remediation_components: z.array(z.unknown()).optional(),
  })
  .passthrough()
  .refine((m) => m.lapi ?? m.log_processors ?? m.remediation_components, {
    message: "one of lapi, log_processors, remediation_components is required",
  });

/** POST /v2/metrics and /v2/usage-metrics: validated, then kept as received. */
function metricsRoute(shape: z.ZodTypeAny, name: string) {
  return async (c: AppContext): Promise<Response> => {
    const text = await readBodyText(c, UNAUTHENTICATED_BODY_LIMIT);
    parseBody(text, shape, name);
    await storeWatcherMetrics(c.var.db, c.var.capiWatcher.machineId, text, c.var.startedAt);
    return jsonResponse(OK);
  };
}

/** JSON.parse + zod, failures as a 400 naming the first problem. */
function parseBody<T extends z.ZodTypeAny>(text: string, shape: T, name: string): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError("badRequest", `${name}: body is not JSON`);
  }
  const parsed = shape.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new ApiError("badRequest", `${name}: ${at}${issue.message}`);
  }
  return parsed.data;
}

export const capiRoutes: RouteDef[] = [
  {
    method: "POST",
    path: "/v2/watchers",
    auth: "none",
    handler: register,
    doc: { summary: "Central API: register a watcher (cscli capi register)" },
  },
  {
    method: "POST",
    path: "/v2/watchers/login",
    auth: "none",
    handler: login,
    doc: { summary: "Central API: watcher login, returns a bearer token" },
  },
  {
    method: "POST",
    path: "/v2/signals",
    auth: "capi",
    handler: signals,
    doc: { summary: "Central API: push signals (alerts shared by a LAPI)" },
  },
  {
    method: "GET",
    path: "/v2/decisions/stream",
    auth: "capi",
    handler: streamRoute(v2StreamBody),
    doc: { summary: "Central API: community blocklist stream (CrowdSec 1.4.x)" },
  },
  {
    method: "GET",
    path: "/v3/decisions/stream",
    auth: "capi",
    handler: streamRoute(v3StreamBody),
    doc: { summary: "Central API: community blocklist stream with links.blocklists (1.5+)" },
  },
  {
    method: "POST",
    path: "/v2/metrics",
    auth: "capi",
    handler: metricsRoute(lapiMetrics, "metrics"),
    doc: { summary: "Central API: LAPI metrics (CrowdSec 1.4.x)" },
  },
  {
    method: "POST",
    path: "/v2/usage-metrics",
    auth: "capi",
    handler: metricsRoute(usageMetrics, "usage-metrics"),
    doc: { summary: "Central API: usage metrics (CrowdSec 1.6+)" },
  },
];

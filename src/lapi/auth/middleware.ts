import type { MiddlewareHandler } from "hono";
import {
  type Bouncer,
  createBouncer,
  findBouncerByName,
  findBouncersByHash,
  updateBouncer,
} from "../../db/bouncers";
import { findMachine } from "../../db/machines";
import type { AppContext, AppEnv } from "../context";
import { ApiError } from "../errors";
import { baseBouncerName, generateApiKey, hashApiKey } from "./api-key";
import { CSRF_HEADER, readSessionCookie, verifySession } from "./console-session";
import { constantTimeEqual } from "./constant-time";
import { findToken, verifyToken } from "./jwt";
import { ouAllowed } from "./tls";
import { splitUserAgent } from "./user-agent";

const FORBIDDEN = "access forbidden";

/**
 * Machine routes: a valid HS256 JWT of a machine that still exists and is validated; failures
 * are 401 `{"code":401,"message":…}` (400 for a token without `exp`, as gin-jwt).
 */
export const machineAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = findToken(c.req.raw);
  if (!token) throw new ApiError("jwtUnauthorized", "cookie token is empty");
  const r = await verifyToken(c.var.config.jwtSecret, token, c.var.startedAt);
  if (!r.ok) throw new ApiError(r.status ? "jwtBadRequest" : "jwtUnauthorized", r.message);
  await requireLiveMachine(c, r.machineId);
  c.set("machineId", r.machineId);
  await next();
};

/**
 * A signed token only says who logged in, once: a machine deleted or un-validated since then
 * must lose access (and `GET /v1/refresh_token` must not renew it), so every use checks the row,
 * through the isolate's {@link MachineCache}.
 */
export async function requireLiveMachine(c: AppContext, machineId: string): Promise<void> {
  const cache = c.var.caches.machines;
  let state = cache.get(machineId, c.var.startedAt);
  if (!state) {
    const row = await findMachine(c.var.primaryDb, machineId);
    state = !row ? "missing" : row.isValidated ? "validated" : "pending";
    cache.set(machineId, state, c.var.startedAt);
  }
  if (state === "missing") throw new ApiError("jwtUnauthorized", "ent: machine not found");
  if (state === "pending") {
    throw new ApiError("jwtUnauthorized", `machine ${machineId} not validated`);
  }
}

/** Bouncer routes: `X-Api-Key` or a bouncer client certificate; failures are 403. */
export const bouncerAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const bouncer = await authenticateBouncer(c);
  // The row itself (possibly the isolate's cached copy), so last_pull updates stay visible.
  c.set("bouncer", bouncer);
  await next();
};

/**
 * POST /v1/usage-metrics accepts either credential (CrowdSec controller.go): an API key header
 * selects the bouncer path, an Authorization header or a `crowdsec/` UA the machine path.
 */
export const eitherAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header("X-Api-Key")) return bouncerAuth(c, next);
  const ua = c.req.header("User-Agent") ?? "";
  if (c.req.header("Authorization") || ua.startsWith("crowdsec/")) return machineAuth(c, next);
  return bouncerAuth(c, next);
};

/**
 * Admin API: `Authorization: Bearer <ADMIN_TOKEN>`, a client cert with an admin OU, or a console
 * session cookie (plus its CSRF header on writes).
 */
export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("Authorization") ?? "";
  const expected = c.var.config.adminToken;
  if (expected && header.startsWith("Bearer ")) {
    if (await constantTimeEqual(header.slice(7), expected)) return next();
    throw new ApiError("forbidden", FORBIDDEN);
  }
  const cert = c.var.clientCert;
  if (cert.kind === "ok" && ouAllowed(cert.identity, c.var.config.adminAllowedOu)) return next();
  const cookie = readSessionCookie(c.req.header("Cookie"));
  if (expected && cookie) {
    const session = await verifySession(c.var.config.jwtSecret, expected, cookie, c.var.startedAt);
    if (session) {
      // A cookie rides along on any request the browser makes: writes must also prove they come
      // from the console's own page (console-session.ts).
      if (!SAFE_METHODS.has(c.req.method)) {
        const sent = c.req.header(CSRF_HEADER) ?? "";
        if (!sent || !(await constantTimeEqual(sent, session.csrf))) {
          throw new ApiError("forbidden", `missing or wrong CSRF token (${CSRF_HEADER})`);
        }
      }
      return next();
    }
  }
  throw new ApiError("unauthorized", "admin token or admin client certificate required");
};

/**
 * `/metrics`: the admin credentials, or `Authorization: Bearer <METRICS_TOKEN>` when that
 * scrape-only secret is set (it opens nothing else). Anonymous: 401; a wrong token: 403.
 */
export const scrapeAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("Authorization") ?? "";
  const scrapeToken = c.var.config.metricsToken;
  if (scrapeToken && header.startsWith("Bearer ")) {
    if (await constantTimeEqual(header.slice(7), scrapeToken)) return next();
  }
  return adminAuth(c, next);
};

const SAFE_METHODS = new Set(["GET", "HEAD"]);

async function authenticateBouncer(c: AppContext): Promise<Bouncer> {
  const db = c.var.primaryDb;
  const key = c.req.header("X-Api-Key");
  const ip = c.var.clientIp;
  let bouncer: Bouncer;
  if (key) {
    bouncer = await bouncerForKey(c, await hashApiKey(key));
  } else {
    const cert = c.var.clientCert;
    if (cert.kind !== "ok" || !ouAllowed(cert.identity, c.var.config.bouncersAllowedOu)) {
      throw new ApiError("forbidden", FORBIDDEN);
    }
    const name = `${cert.identity.cn}@${ip}`;
    const existing = (await findBouncerByName(db, name)) ?? null;
    if (existing && existing.authType !== "tls") throw new ApiError("forbidden", FORBIDDEN);
    if (existing) bouncer = existing;
    else {
      const created = await createBouncer(db, {
        name,
        apiKeyHash: await hashApiKey(generateApiKey()),
        authType: "tls",
        ipAddress: ip,
      });
      if (created === "duplicate") throw new ApiError("forbidden", FORBIDDEN);
      bouncer = created;
    }
  }
  if (c.req.method !== "HEAD") await refreshBouncerRow(c, bouncer);
  return bouncer;
}

/**
 * API-key lookup with CrowdSec 1.6.4+ per-IP rows: the row for (key, ip) if any; else the only
 * row when it has never been used; else a new auto-created `<name>@<ip>` row sharing the key, so
 * each host gets its own `last_pull` and stream deltas.
 */
async function bouncerForKey(c: AppContext, hash: string): Promise<Bouncer> {
  const db = c.var.primaryDb;
  const cache = c.var.caches.bouncerKeys;
  let rows = cache.get(hash, c.var.startedAt);
  if (!rows) {
    rows = await findBouncersByHash(db, hash);
    if (rows.length > 0) cache.set(hash, rows, c.var.startedAt);
  }
  const first = rows[0];
  if (!first) throw new ApiError("forbidden", FORBIDDEN);
  if (rows.some((r) => r.authType !== "api-key")) throw new ApiError("forbidden", FORBIDDEN);
  // The HEAD method (AppSec key validation) only checks that the key exists.
  if (c.req.method === "HEAD") return first;
  const ip = c.var.clientIp;
  const own = rows.find((r) => r.ipAddress === ip);
  if (own) return own;
  if (rows.length === 1 && first.ipAddress === "") return first;
  const name = `${baseBouncerName(first.name)}@${ip}`;
  const created = await createBouncer(db, {
    name,
    apiKeyHash: hash,
    authType: "api-key",
    ipAddress: ip,
    autoCreated: true,
  });
  cache.clear();
  if (created !== "duplicate") return created;
  const again = (await findBouncersByHash(db, hash)).find((r) => r.name === name);
  if (!again) throw new ApiError("forbidden", FORBIDDEN);
  return again;
}

/** First contact sets the IP; the User-Agent gives type/version (rows updated when different). */
async function refreshBouncerRow(c: AppContext, b: Bouncer): Promise<void> {
  const ua = c.req.header("User-Agent") ?? "";
  const split = splitUserAgent(ua) ?? { type: ua, version: "N/A" };
  const fields: Parameters<typeof updateBouncer>[2] = {};
  if (b.ipAddress === "") fields.ipAddress = c.var.clientIp;
  if (b.type !== split.type) fields.type = split.type;
  if (b.version !== split.version) fields.version = split.version;
  if (Object.keys(fields).length > 0) {
    await updateBouncer(c.var.primaryDb, b.id, fields);
    // `b` may be the cached row: keep it in step so the update is not repeated.
    Object.assign(b, fields);
  }
}

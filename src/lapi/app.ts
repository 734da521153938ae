import { Hono, type MiddlewareHandler } from "hono";
import { openDb } from "../db/client";
import { BouncerKeyCache } from "./auth/bouncer-key-cache";
import { capiAuth } from "./auth/capi-auth";
import { localFrontRefusal } from "./auth/local-front";
import { MachineCache } from "./auth/machine-cache";
import { adminAuth, bouncerAuth, eitherAuth, machineAuth, scrapeAuth } from "./auth/middleware";
import { UNTRUSTED_CERT_HEADERS } from "./auth/proxy-cert";
import { LOGIN_FAILURE_PERIOD_MS, LoginFailureLimiter } from "./auth/rate-limit";
import { clientCertOf } from "./auth/tls";
import { clientIpOf } from "./client-ip";
import { type Config, loadConfig } from "./config";
import { isConsolePath, serveConsoleAsset } from "./console-assets";
import type { AppEnv, Caches } from "./context";
import { DecisionCache } from "./decision-cache";
import type { Env } from "./env";
import { ApiError, onError } from "./errors";
import { metricsObject } from "./metrics/metrics-object";
import { MetricsRecorder } from "./metrics/metrics-recorder";
import { recordRequest } from "./metrics/request-metrics";
import { ProfileCache } from "./profiles/profile-cache";
import type { AuthKind, RouteDef } from "./route-def";
import { routes as defaultRoutes } from "./routes";

const AUTH: Record<AuthKind, MiddlewareHandler<AppEnv> | null> = {
  none: null,
  refresh: null,
  jwt: machineAuth,
  apiKey: bouncerAuth,
  jwtOrApiKey: eitherAuth,
  admin: adminAuth,
  scrape: scrapeAuth,
  capi: capiAuth,
};

interface CompiledPath {
  path: string;
  re: RegExp;
  methods: Set<string>;
}

function compilePaths(table: readonly RouteDef[]): CompiledPath[] {
  const byPath = new Map<string, Set<string>>();
  for (const r of table) {
    const set = byPath.get(r.path) ?? new Set<string>();
    set.add(r.method);
    byPath.set(r.path, set);
  }
  return [...byPath].map(([path, methods]) => ({
    path,
    re: new RegExp(`^${path.replace(/:[a-z_]+/g, "[^/]+")}$`),
    methods,
  }));
}

/**
 * Builds the LAPI: one Hono app whose routes come from the route table. gin's behaviour for
 * unknown paths (404, empty body), known paths with another method (405, empty body) and a
 * trailing slash (301/307 redirect) is reproduced before routing.
 */
export function createApp(table: readonly RouteDef[] = defaultRoutes): Hono<AppEnv> {
  const configs = new WeakMap<Env, Config>();
  let caches: Caches | null = null;
  const metrics = new MetricsRecorder();
  const paths = compilePaths(table);
  const app = new Hono<AppEnv>();
  app.onError(onError);

  app.use("*", async (c, next) => {
    const refused = await localFrontRefusal(c.req.raw.headers, c.env.LOCAL_FRONT_TOKEN);
    if (refused) throw new ApiError("forbidden", refused);
    const path = c.req.path;
    if (isConsolePath(path)) return serveConsoleAsset(c.req.raw, c.env);
    const method = c.req.method;
    // A path may match several patterns (`/v1/allowlists/check` and `/v1/allowlists/:name`):
    // gin answers 405 only when none of them has the method.
    const matching = paths.filter((p) => p.re.test(path));
    if (matching.length === 0) {
      const stripped = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : null;
      if (stripped && paths.some((p) => p.re.test(stripped))) {
        const url = new URL(c.req.url);
        url.pathname = stripped;
        return c.redirect(url.toString(), method === "GET" ? 301 : 307);
      }
      return c.body(null, 404);
    }
    const matched = matching.find((p) => p.methods.has(method));
    if (!matched) return c.body(null, 405);
    let config = configs.get(c.env);
    if (!config) {
      config = loadConfig(c.env);
      configs.set(c.env, config);
    }
    c.set("config", config);
    c.set("startedAt", Date.now());
    const clientIp = clientIpOf(c.req.raw.headers, config.trustedProxies);
    if (clientIp === null) throw new ApiError("badRequest", "client address is not an IP address");
    c.set("clientIp", clientIp);
    const clientCert = clientCertOf(c.req.raw, config.trustedProxies);
    // Someone other than the configured TLS front speaking for a certificate: refused outright.
    if (clientCert.kind === "rejected" && clientCert.reason === UNTRUSTED_CERT_HEADERS) {
      throw new ApiError("forbidden", UNTRUSTED_CERT_HEADERS);
    }
    c.set("clientCert", clientCert);
    const db = openDb(c.env.DB);
    c.set("db", db);
    c.set("primaryDb", db);
    caches ??= {
      decisions: new DecisionCache(config.decisionCache),
      bouncerKeys: new BouncerKeyCache(config.decisionCache.refreshMs),
      machines: new MachineCache(config.decisionCache.refreshMs),
      loginFailures: new LoginFailureLimiter(LOGIN_FAILURE_PERIOD_MS),
      profiles: new ProfileCache(),
    };
    c.set("caches", caches);
    c.set("metrics", metrics);
    await next();
    recordRequest(metrics, c, matched.path);
    // Off the request path: the batch goes to the metrics object after the answer is out.
    if (c.env.METRICS) {
      const object = metricsObject(c.env.METRICS);
      c.executionCtx.waitUntil(metrics.flush((d) => object.add(d)));
    }
    // Any write may change decisions or credentials: the next lookup in this isolate re-syncs.
    if (method !== "GET" && method !== "HEAD") {
      caches.decisions.markStale();
      caches.bouncerKeys.clear();
      caches.machines.clear();
    }
  });

  for (const route of table) {
    // Hono serves HEAD through the GET handler (which sees c.req.method === "HEAD"); HEAD rows
    // only feed the 405 check above.
    if (route.method === "HEAD") continue;
    const handlers: MiddlewareHandler<AppEnv>[] = [];
    if (route.replicaReads) {
      handlers.push(async (c, next) => {
        const session = c.env.DB.withSession(
          c.req.header("X-D1-Bookmark") || "first-unconstrained",
        );
        c.set("db", openDb(session));
        await next();
        const bookmark = session.getBookmark();
        if (bookmark) c.header("X-D1-Bookmark", bookmark);
      });
    }
    const auth = AUTH[route.auth];
    if (auth) handlers.push(auth);
    handlers.push(async (c) => route.handler(c));
    (app.on as (m: string, p: string, ...h: MiddlewareHandler<AppEnv>[]) => Hono<AppEnv>)(
      route.method,
      route.path,
      ...handlers,
    );
  }
  return app;
}

import { bearerMatches } from "./bearer-token";
import { type BouncerConfig, loadBouncerConfig } from "./config";
import { TURNSTILE_STAND_IN_JS } from "./dev/turnstile-stand-in";
import type { Env } from "./env";
import { type FallbackPath, type Outcome, RequestCounters } from "./metrics/request-counters";
import { cookieKey, hasValidCaptchaCookie } from "./remediation/captcha-cookie";
import {
  DEFAULT_BAN_TEMPLATE,
  htmlResponse,
  renderTemplate,
  UNAVAILABLE_PAGE,
} from "./remediation/pages";
import { remediationFor } from "./remediation/remediation-rules";
import { captchaPaths, challengePage, handleCaptchaSubmission } from "./remediation/turnstile";
import { clientOf } from "./request-context";
import { canonicalPath, forwardUrl } from "./request-path";
import { SnapshotReplica } from "./sync/snapshot-replica";

/** How long a new isolate's first request waits for the snapshot before falling back. */
export const FIRST_LOAD_TIMEOUT_MS = 5_000;

/** Name of the single DecisionStore object of a deployment. */
export const STORE_NAME = "decisions";

/** Per-isolate state, created on the first request from the Worker's env. */
interface Runtime {
  env: Env;
  config: BouncerConfig;
  replica: SnapshotReplica;
  counters: RequestCounters;
  key: Promise<CryptoKey> | null;
  lastUsageFlush: number;
}

export interface BouncerOptions {
  now?: () => number;
  /** Overrides {@link FIRST_LOAD_TIMEOUT_MS} (tests). */
  firstLoadTimeoutMs?: number;
}

type Verdict = { kind: "forward" } | { kind: "respond"; response: Response };
const FORWARD: Verdict = { kind: "forward" };

/**
 * The bouncer Worker: `fetch` decides per request from the isolate's snapshot and either answers
 * (ban page, challenge, fail-closed page) or forwards the untouched request — body included, it is
 * never read — to the origin; `scheduled` keeps the Durable Object's sync loop alive.
 */
export function createBouncerWorker(options: BouncerOptions = {}) {
  const now = options.now ?? Date.now;
  const firstLoadTimeoutMs = options.firstLoadTimeoutMs ?? FIRST_LOAD_TIMEOUT_MS;
  let runtime: Runtime | null = null;

  const runtimeFor = (env: Env): Runtime => {
    if (runtime && runtime.env === env) return runtime;
    const config = loadBouncerConfig(env);
    const store = () => env.DECISIONS.getByName(STORE_NAME);
    runtime = {
      env,
      config,
      replica: new SnapshotReplica(store, { refreshMs: config.refreshIntervalMs, now }),
      counters: new RequestCounters(),
      key: config.cookie.secret ? cookieKey(config.cookie.secret) : null,
      lastUsageFlush: now(),
    };
    return runtime;
  };

  async function fetchHandler(
    request: Request,
    env: Env,
    ctx: ExecutionContext,
  ): Promise<Response> {
    let rt: Runtime;
    try {
      rt = runtimeFor(env);
    } catch (e) {
      // A bad configuration cannot tell us its own fail mode reliably: read the raw variable.
      console.error(`bouncer configuration error: ${(e as Error).message}`);
      return env.FAIL_MODE === "closed"
        ? htmlResponse(UNAVAILABLE_PAGE, 503)
        : forward(request, env.ORIGIN_URL ?? null, env.ORIGIN);
    }
    const url = new URL(request.url);
    const cp = rt.config.controlPath;
    if (url.pathname === cp || url.pathname.startsWith(`${cp}/`))
      return control(rt, request, url, ctx);
    // Rules and the origin both see this one form of the path (request-path.ts).
    const path = canonicalPath(url.pathname);

    let verdict: Verdict;
    try {
      verdict = await decide(rt, request, url, path, ctx);
    } catch (e) {
      console.error(`bouncer error: ${(e as Error).stack ?? e}`);
      verdict = fallback(rt, "exception");
    }
    flushUsage(rt, ctx);
    if (verdict.kind === "respond") return verdict.response;
    return forward(request, rt.config.originUrl, rt.env.ORIGIN, path);
  }

  async function decide(
    rt: Runtime,
    request: Request,
    url: URL,
    path: string,
    ctx: ExecutionContext,
  ): Promise<Verdict> {
    const { config } = rt;
    const client = clientOf(request, config);
    if (!client) return fallback(rt, "no_client_ip");
    let matcher = rt.replica.matcher;
    if (matcher) {
      const refresh = rt.replica.refreshIfStale();
      if (refresh) ctx.waitUntil(refresh);
    } else {
      // A new isolate waits for its first load, but not forever: past the timeout the
      // request takes the fallback and the load goes on for the requests after it.
      const loading = rt.replica.ready().catch((e: Error) => {
        console.error(`decision snapshot unavailable: ${e.message}`);
        return null;
      });
      ctx.waitUntil(loading);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), firstLoadTimeoutMs);
      });
      matcher = await Promise.race([loading, timeout]);
      if (timer !== undefined) clearTimeout(timer);
      if (!matcher) return fallback(rt, "snapshot_unavailable");
    }
    const decision = matcher.match(client, now());
    const remediation = decision
      ? remediationFor(config.remediations, url.hostname, path, decision.type)
      : "none";
    if (!decision || remediation === "none") {
      record(rt, "passed", url);
      return FORWARD;
    }
    if (config.logOnly) {
      console.log(
        `log_only: would ${remediation} ${client.ipText} (${decision.type} from ${decision.origin})`,
      );
      record(rt, "logged", url, decision.origin, remediation);
      return FORWARD;
    }
    if (remediation === "ban") {
      record(rt, "blocked", url, decision.origin, "ban");
      const html = renderTemplate(config.banTemplate ?? DEFAULT_BAN_TEMPLATE, {
        ip: client.ipText,
        host: url.hostname,
        type: decision.type,
        origin: decision.origin,
      });
      return {
        kind: "respond",
        response: htmlResponse(html, 403, { "X-Rampart-Remediation": "ban" }),
      };
    }
    if (!rt.key || !config.turnstile.siteKey || !config.turnstile.secretKey)
      return fallback(rt, "captcha_unconfigured");
    if (await hasValidCaptchaCookie(request, await rt.key, client.ipText, url.hostname, now())) {
      record(rt, "passed", url, decision.origin, "captcha");
      return FORWARD;
    }
    record(rt, "challenged", url, decision.origin, "captcha");
    return { kind: "respond", response: challengePage(config, url, client.ipText) };
  }

  /** Applies FAIL_MODE for one fallback path and counts it. */
  function fallback(rt: Runtime, path: FallbackPath): Verdict {
    rt.counters.fallback(path);
    writePoint(rt, "fallback", "", "", path, "");
    if (rt.config.failMode === "open") return FORWARD;
    return {
      kind: "respond",
      response: htmlResponse(UNAVAILABLE_PAGE, 503, { "Retry-After": "5" }),
    };
  }

  function record(rt: Runtime, outcome: Outcome, url: URL, origin = "", remediation = "") {
    rt.counters.count(outcome, origin, remediation);
    writePoint(rt, outcome, origin, remediation, "", url.hostname);
  }

  /** One Analytics Engine data point per request; the binding buffers and sends asynchronously. */
  function writePoint(
    rt: Runtime,
    outcome: string,
    origin: string,
    remediation: string,
    path: string,
    host: string,
  ) {
    try {
      rt.env.ANALYTICS?.writeDataPoint({
        blobs: [outcome, origin, remediation, path, host],
        doubles: [1],
        indexes: [host || "-"],
      });
    } catch {
      // Metrics must never affect the request.
    }
  }

  /** Hands the isolate's counters to the Durable Object, off the request path, once per refresh interval. */
  function flushUsage(rt: Runtime, ctx: ExecutionContext) {
    if (!rt.counters.hasPending || now() - rt.lastUsageFlush < rt.config.refreshIntervalMs) return;
    rt.lastUsageFlush = now();
    const delta = rt.counters.drain();
    ctx.waitUntil(
      rt.env.DECISIONS.getByName(STORE_NAME)
        .recordUsage(delta)
        .catch(() => rt.counters.restore(delta)),
    );
  }

  async function control(
    rt: Runtime,
    request: Request,
    url: URL,
    ctx: ExecutionContext,
  ): Promise<Response> {
    const { config } = rt;
    const paths = captchaPaths(config);
    if (url.pathname === paths.action) {
      const client = clientOf(request, config);
      if (!client || !rt.key || !config.turnstile.secretKey)
        return new Response(null, { status: 404 });
      const { response, outcome } = await handleCaptchaSubmission(
        request,
        config,
        await rt.key,
        client.ipText,
        now(),
      );
      if (outcome === "siteverify_error_open" || outcome === "siteverify_error_closed") {
        rt.counters.fallback("siteverify_error");
      }
      rt.counters.count(outcome === "solved" ? "passed" : "challenged", "", `captcha_${outcome}`);
      flushUsage(rt, ctx);
      return response;
    }
    if (url.pathname === paths.devScript && config.devMode) {
      return new Response(TURNSTILE_STAND_IN_JS, {
        headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store" },
      });
    }
    if (
      !config.controlToken ||
      !(await bearerMatches(request.headers.get("Authorization"), config.controlToken))
    ) {
      return new Response(null, { status: 404 });
    }
    const store = rt.env.DECISIONS.getByName(STORE_NAME);
    const action = url.pathname.slice(config.controlPath.length);
    if (action === "/sync" && request.method === "POST") {
      const report = await store.sync();
      await rt.replica.refresh().catch(() => undefined);
      return Response.json({ ...report, version: rt.replica.version, seq: rt.replica.seq });
    }
    if (action === "/status" && request.method === "GET") {
      return Response.json({
        isolate: {
          version: rt.replica.version,
          seq: rt.replica.seq,
          overlay: rt.replica.matcher?.overlaySize ?? 0,
          decisions: rt.replica.matcher?.base.decisions ?? 0,
          loads: rt.replica.loads,
          refreshes: rt.replica.refreshes,
          lastLoadMs: rt.replica.lastLoadMs,
          counters: rt.counters.totalsView(),
        },
        store: await store.status(),
      });
    }
    if (action === "/usage-metrics" && request.method === "POST") {
      if (rt.counters.hasPending) await store.recordUsage(rt.counters.drain());
      return Response.json({ lapiStatus: await store.pushUsage() });
    }
    return new Response(null, { status: 404 });
  }

  return {
    fetch: fetchHandler,
    async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext) {
      const store = env.DECISIONS.getByName(STORE_NAME);
      ctx.waitUntil(Promise.all([store.ensureScheduled(), store.sync()]));
    },
    /** For tests: this isolate's runtime (null before the first request). */
    runtime: () => runtime,
  };
}

/**
 * Forwards the request — to the ORIGIN service binding or ORIGIN_URL when set, else to its own
 * URL (on a route, that reaches the origin behind the Worker) — with the canonical path the rules
 * judged, on the configured host only (`forwardUrl`). A failing origin is a 502.
 */
async function forward(
  request: Request,
  originUrl: string | null,
  origin: Fetcher | undefined,
  path?: string,
): Promise<Response> {
  const url = new URL(request.url);
  const target = new Request(
    forwardUrl(url, path ?? canonicalPath(url.pathname), originUrl),
    request,
  );
  try {
    return await (origin ? origin.fetch(target) : fetch(target));
  } catch (e) {
    console.error(`origin unreachable: ${(e as Error).message}`);
    return new Response("Bad gateway", { status: 502 });
  }
}

/**
 * The agent's LAPI session: watcher login with the credentials file (CrowdSec's
 * `local_api_credentials.yaml`, login/password or a client certificate), the JWT kept and renewed
 * before it expires (and once more on a 401, as 1.4.6's `JWTTransport` does), the hub registered
 * after every login, and the calls the agent makes: event batches (gzip), heartbeat, usage
 * metrics. Every failure is a `LapiError` telling the caller whether to keep the batch and retry.
 */

import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { Agent, type Dispatcher, fetch } from "undici";
import {
  EVENTS_PATH,
  type EventBatch,
  type EventBatchResult,
  HUB_PATH,
  type HubRegistration,
} from "../../src/shared/ingest-wire.js";
import type { LapiCredentials } from "../config/credentials.js";
import { LapiError } from "./lapi-error.js";

const gzipAsync = promisify(gzip);

/** The LAPI calls of a running agent (the shared ingestion design's interface). */
export interface LapiSession {
  /** Logs in (POST /v1/watchers/login with the installed scenario names) if needed, registers the hub once per login. */
  ensureLoggedIn(): Promise<void>;
  /** POST /v1/rampart/events, gzip; re-logs in once on 401, re-registers the hub once on 409. */
  postEvents(batch: EventBatch): Promise<EventBatchResult>;
  /** GET /v1/heartbeat. */
  heartbeat(): Promise<void>;
  /** POST /v1/usage-metrics (log processor form). */
  pushUsageMetrics(body: unknown): Promise<void>;
}

/** A session that owns sockets: `close` releases them so a one-shot run can exit. */
export interface ClosableLapiSession extends LapiSession {
  close(): Promise<void>;
}

/** Options of {@link createLapiSession}. */
export interface LapiSessionOptions {
  credentials: LapiCredentials;
  /** Overrides the credentials' `url` (agent config `lapi.url`). */
  url?: string | null;
  /** Names of the installed scenarios, sent at login as CrowdSec agents do. */
  scenarios: readonly string[];
  /** The hub to register after each login. */
  registration: HubRegistration;
  /** `User-Agent`; the LAPI (like CrowdSec) refuses a login whose UA is not `name/version`. */
  userAgent?: string;
  /** Skip TLS certificate verification of the LAPI (agent config `insecure_skip_verify`). */
  insecureSkipVerify?: boolean;
  /** Per-request timeout; an event batch is answered only after its alerts are stored. */
  timeoutMs?: number;
  /** Renew the token this long before it expires (default 60 s). */
  renewBeforeMs?: number;
  /** Wall clock (ms), injected for tests. */
  now?: () => number;
}

/** Default `User-Agent` of the agent. */
export const AGENT_USER_AGENT = "rampart-agent/0.1.0";

interface Token {
  token: string;
  expiresAt: number;
}

/** A TLS-capable dispatcher: the CA, client certificate and verification choices of the config. */
async function createDispatcher(options: LapiSessionOptions): Promise<Dispatcher> {
  const { credentials } = options;
  const connect: Record<string, unknown> = {};
  if (credentials.caCertPath) connect.ca = await readFile(credentials.caCertPath);
  if (credentials.auth.kind === "certificate") {
    connect.cert = await readFile(credentials.auth.certPath);
    connect.key = await readFile(credentials.auth.keyPath);
  }
  if (options.insecureSkipVerify) connect.rejectUnauthorized = false;
  return new Agent({ connect, keepAliveTimeout: 10_000 });
}

async function errorMessage(res: { text(): Promise<string> }): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === "string") return message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 300);
}

/**
 * Creates a session. Nothing is sent until the first call; the certificate files are read then
 * too, so a missing file fails the first call with a clear `LapiError`.
 */
export function createLapiSession(options: LapiSessionOptions): ClosableLapiSession {
  const base = new URL(options.url ?? options.credentials.url);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  const now = options.now ?? Date.now;
  const renewBefore = options.renewBeforeMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const userAgent = options.userAgent ?? AGENT_USER_AGENT;
  let dispatcher: Promise<Dispatcher> | null = null;
  let token: Token | null = null;
  let hubRegistered = false;
  let loggingIn: Promise<void> | null = null;

  const endpoint = (path: string) => new URL(path.replace(/^\//, ""), base);

  /** One HTTP exchange; network failures become retryable `LapiError`s. */
  async function send(
    method: string,
    path: string,
    init: { body?: Uint8Array | string; headers?: Record<string, string>; auth?: boolean },
  ) {
    dispatcher ??= createDispatcher(options);
    let d: Dispatcher;
    try {
      d = await dispatcher;
    } catch (error) {
      dispatcher = null;
      throw new LapiError(
        `cannot read TLS files of ${options.credentials.url}: ${(error as Error).message}`,
        null,
        { cause: error, retryable: false },
      );
    }
    const headers: Record<string, string> = { "User-Agent": userAgent, ...init.headers };
    if (init.auth && token) headers.Authorization = `Bearer ${token.token}`;
    try {
      return await fetch(endpoint(path), {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        dispatcher: d,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new LapiError(
        `${method} ${path}: ${(error as Error).message}${cause ? ` (${cause})` : ""}`,
        null,
        { cause: error },
      );
    }
  }

  async function fail(method: string, path: string, res: Awaited<ReturnType<typeof send>>) {
    return new LapiError(`${method} ${path}: ${res.status} ${await errorMessage(res)}`, res.status);
  }

  async function login(): Promise<void> {
    const path = "/v1/watchers/login";
    const body =
      options.credentials.auth.kind === "password"
        ? {
            machine_id: options.credentials.auth.login,
            password: options.credentials.auth.password,
            scenarios: [...options.scenarios],
          }
        : { scenarios: [...options.scenarios] };
    const res = await send("POST", path, {
      body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" },
    });
    if (!res.ok) throw await fail("POST", path, res);
    const answer = (await res.json()) as { token?: unknown; expire?: unknown };
    if (typeof answer.token !== "string" || answer.token === "") {
      throw new LapiError(`POST ${path}: no token in the answer`, res.status);
    }
    const expire = typeof answer.expire === "string" ? Date.parse(answer.expire) : Number.NaN;
    // Without a readable expiry, renew after a short while rather than trusting it forever.
    token = { token: answer.token, expiresAt: Number.isNaN(expire) ? now() + 5 * 60_000 : expire };
    hubRegistered = false;
  }

  async function registerHub(): Promise<void> {
    const res = await send("POST", HUB_PATH, {
      body: JSON.stringify(options.registration),
      headers: { "Content-Type": "application/json" },
      auth: true,
    });
    if (!res.ok) throw await fail("POST", HUB_PATH, res);
    await res.body?.cancel();
    hubRegistered = true;
  }

  const tokenFresh = () => token !== null && token.expiresAt - renewBefore > now();

  async function ensureLoggedIn(): Promise<void> {
    if (tokenFresh() && hubRegistered) return;
    // Concurrent callers share one login.
    loggingIn ??= (async () => {
      try {
        if (!tokenFresh()) await login();
        if (!hubRegistered) await registerHub();
      } finally {
        loggingIn = null;
      }
    })();
    await loggingIn;
  }

  /** An authenticated call, logged in again once if the LAPI says the token is no longer good. */
  async function authed(
    method: string,
    path: string,
    init: { body?: Uint8Array | string; headers?: Record<string, string> } = {},
  ) {
    await ensureLoggedIn();
    let res = await send(method, path, { ...init, auth: true });
    if (res.status === 401) {
      await res.body?.cancel();
      token = null;
      await ensureLoggedIn();
      res = await send(method, path, { ...init, auth: true });
    }
    return res;
  }

  return {
    ensureLoggedIn,
    async postEvents(batch) {
      const body = await gzipAsync(JSON.stringify(batch));
      const init = {
        body,
        headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" },
      };
      let res = await authed("POST", EVENTS_PATH, init);
      if (res.status === 409) {
        // A scenario the LAPI does not know (or knows with another hash): register, retry once.
        await res.body?.cancel();
        await registerHub();
        res = await authed("POST", EVENTS_PATH, init);
      }
      if (!res.ok) throw await fail("POST", EVENTS_PATH, res);
      return (await res.json()) as EventBatchResult;
    },
    async heartbeat() {
      const res = await authed("GET", "/v1/heartbeat");
      if (!res.ok) throw await fail("GET", "/v1/heartbeat", res);
      await res.body?.cancel();
    },
    async pushUsageMetrics(body) {
      const res = await authed("POST", "/v1/usage-metrics", {
        body: JSON.stringify(body),
        headers: { "Content-Type": "application/json" },
      });
      if (!res.ok) throw await fail("POST", "/v1/usage-metrics", res);
      await res.body?.cancel();
    },
    async close() {
      const d = dispatcher;
      dispatcher = null;
      if (d) await (await d.catch(() => null))?.close();
    },
  };
}

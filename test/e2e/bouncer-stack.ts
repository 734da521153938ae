/**
 * The local edge stack for bouncer end-to-end tests: a plain HTTP origin, a simulated Turnstile
 * siteverify endpoint, and the bouncer Worker under `wrangler dev` (its own persist dir and env
 * file) in front of the origin, syncing from a given LAPI over HTTP.
 */

import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { makeTempDir, removeDir, repoRoot } from "../oracle/crowdsec-config.js";
import { randomSecret } from "../oracle/lapi-target.js";
import { freePort, startProcess, waitFor } from "../oracle/processes.js";

/** Turnstile's documented always-pass test keys; only the simulator below accepts the dummy token. */
export const TEST_SITE_KEY = "1x00000000000000000000AA";
export const TEST_SECRET_KEY = "1x0000000000000000000000000000000AA";
export const DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";

/** A small HTTP server on a free loopback port. */
export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

async function serve(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<LocalServer> {
  const port = await freePort();
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => {
      body += d;
    });
    req.on("end", () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The protected site: answers every request with a page naming the path. */
export function startOrigin(): Promise<LocalServer & { hits: () => number }> {
  let hits = 0;
  return serve((req, _body, res) => {
    hits++;
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(
      `<!doctype html><title>Origin</title><h1>Welcome to the origin</h1><p id="path">${req.method} ${req.url}</p>`,
    );
  }).then((s) => ({ ...s, hits: () => hits }));
}

/**
 * Simulated siteverify: accepts the dummy token under the test secret, once (replays get
 * `timeout-or-duplicate` like the real service); records every form it receives.
 */
export function startSiteverify(): Promise<LocalServer & { calls: () => URLSearchParams[] }> {
  const calls: URLSearchParams[] = [];
  const used = new Set<string>();
  return serve((_req, body, res) => {
    const form = new URLSearchParams(body);
    calls.push(form);
    const key = `${form.get("response")}|${form.get("remoteip")}|${calls.length}`;
    const ok =
      form.get("secret") === TEST_SECRET_KEY &&
      form.get("response") === DUMMY_TOKEN &&
      !used.has(key);
    used.add(key);
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(
      JSON.stringify({
        success: ok,
        "error-codes": ok ? [] : ["invalid-input-response"],
        challenge_ts: new Date().toISOString(),
        hostname: "127.0.0.1",
        action: "rampart-captcha",
      }),
    );
  }).then((s) => ({ ...s, calls: () => calls }));
}

/** A running bouncer under `wrangler dev`. */
export interface BouncerDev {
  url: string;
  /** Chrome DevTools inspector of the bouncer's workerd (heap measurements in the bench). */
  inspectorPort: number;
  controlToken: string;
  /** GET through the bouncer as client `ip`. */
  visit(path: string, ip: string, init?: RequestInit): Promise<Response>;
  status(): Promise<{ isolate: Record<string, unknown>; store: Record<string, unknown> }>;
  logs(): string;
  stop(): Promise<void>;
}

export interface BouncerDevOptions {
  lapiUrl: string;
  lapiKey: string;
  originUrl: string;
  siteverifyUrl: string;
  vars?: Record<string, string>;
}

/** Starts the bouncer and waits until its control endpoint answers. */
export async function startBouncerDev(options: BouncerDevOptions): Promise<BouncerDev> {
  const cwd = repoRoot();
  const dir = makeTempDir("rampart-bouncer");
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}/`;
  const controlToken = randomSecret(32);
  const vars: Record<string, string> = {
    LAPI_URL: options.lapiUrl,
    LAPI_KEY: options.lapiKey,
    ORIGIN_URL: options.originUrl,
    SYNC_INTERVAL: "1s",
    REFRESH_INTERVAL: "500ms",
    METRICS_INTERVAL: "1h",
    CONTROL_TOKEN: controlToken,
    DEV_MODE: "true",
    TURNSTILE_SITE_KEY: TEST_SITE_KEY,
    TURNSTILE_SECRET_KEY: TEST_SECRET_KEY,
    TURNSTILE_VERIFY_URL: options.siteverifyUrl,
    CAPTCHA_COOKIE_SECRET: randomSecret(48),
    ...options.vars,
  };
  const envFile = join(dir, "bouncer.env");
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
  );
  const wrangler = join(cwd, "node_modules", ".bin", "wrangler");
  const server = startProcess(
    wrangler,
    [
      "dev",
      "-c",
      "src/bouncer/wrangler.toml",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      join(dir, "state"),
      "--env-file",
      envFile,
      "--show-interactive-dev-session=false",
      "--log-level",
      "info",
    ],
    { cwd, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "1" } },
  );
  const auth = { Authorization: `Bearer ${controlToken}` };
  const status = async () => {
    const res = await fetch(`${url}.rampart/status`, { headers: auth });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    return (await res.json()) as {
      isolate: Record<string, unknown>;
      store: Record<string, unknown>;
    };
  };
  try {
    await waitFor(
      "the bouncer under wrangler dev",
      async () => {
        if (server.exited()) throw new Error(`wrangler dev exited:\n${server.output()}`);
        await status();
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 500, diagnostics: server.output },
    );
  } catch (error) {
    await server.stop();
    removeDir(dir);
    throw error;
  }
  return {
    url,
    inspectorPort,
    controlToken,
    visit(path, ip, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("CF-Connecting-IP", ip);
      return fetch(new URL(path.replace(/^\//, ""), url), { redirect: "manual", ...init, headers });
    },
    status,
    logs: server.output,
    async stop() {
      await server.stop();
      removeDir(dir);
    },
  };
}

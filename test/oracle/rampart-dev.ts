/**
 * Starts Rampart's LAPI Worker under `wrangler dev` on a free loopback port with its own local D1
 * (migrated first with `wrangler d1 migrations apply --local`), and drives its admin API. The
 * Worker is bundled once (`wrangler deploy --dry-run`) so the run tests one fixed build.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { startLocalFront } from "../../scripts/local-front.mjs";
import { LOCAL_FRONT_HEADER } from "../../src/lapi/auth/local-front.js";
import { makeTempDir, removeDir, repoRoot } from "./crowdsec-config.js";
import { type LapiTarget, randomSecret } from "./lapi-target.js";
import { freePort, runCommand, startProcess, waitFor } from "./processes.js";

/** A running Rampart LAPI. */
export interface RampartDev extends LapiTarget {
  readonly kind: "rampart";
  readonly adminToken: string;
  readonly jwtSecret: string;
  /** Calls the admin API; returns the status and the parsed JSON body (or `null`). */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** The V8 inspector of the Worker's isolate (`--inspector-port`): profilers attach here. */
  readonly inspectorPort: number;
  /** The local D1/Durable Object state directory (`--persist-to`). */
  readonly persistDir: string;
  /** Process group of the running `wrangler dev` (its `workerd` runs inside it). */
  processGroup(): number | undefined;
  /** Stops the Worker but keeps its state and port (a LAPI outage); see `resume`. */
  pause(): Promise<void>;
  /** Starts the Worker again on the same port and state after `pause`. */
  resume(): Promise<void>;
}

/** Options of {@link startRampartDev}. */
export interface RampartDevOptions {
  /** Repository root holding `wrangler.toml` (default: this checkout). */
  cwd?: string;
  /** Extra variables for the Worker (e.g. `TRUSTED_IPS`). */
  vars?: Record<string, string>;
  /** Serves `/cdn-cgi/handler/scheduled` (`wrangler dev --test-scheduled`): tests fire the cron. */
  testScheduled?: boolean;
  /** How long to wait for `/health` (bundling + miniflare start; default 120 s). */
  startTimeoutMs?: number;
  /**
   * The address `wrangler dev` listens on (default 127.0.0.1): a test's own veth address when
   * clients in network namespaces must reach it.
   */
  ip?: string;
  /**
   * Serve clients through the `npm start` front proxy (scripts/local-front.mjs) listening on this
   * address, as a self-hosted deployment does: `wrangler dev` then stays on loopback and refuses
   * requests without the proxy's token, and `url` is the proxy's.
   */
  frontIp?: string;
}

/** Starts `wrangler dev` and waits for `GET /health` → 200 `{"status":"up"}`. */
export async function startRampartDev(options: RampartDevOptions = {}): Promise<RampartDev> {
  const cwd = options.cwd ?? repoRoot();
  const dir = makeTempDir("rampart-dev");
  const persist = join(dir, "state");
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const ip = options.frontIp ? "127.0.0.1" : (options.ip ?? "127.0.0.1");
  const workerUrl = `http://${ip}:${port}/`;
  const frontPort = options.frontIp ? await freePort() : null;
  const url = options.frontIp ? `http://${options.frontIp}:${frontPort}/` : workerUrl;
  const frontToken = options.frontIp ? randomSecret(48) : null;
  const jwtSecret = randomSecret(96);
  const adminToken = randomSecret(48);
  // An explicit env file keeps wrangler away from the developer's own `.dev.vars`.
  const envFile = join(dir, "test.env");
  const vars = {
    JWT_SECRET: jwtSecret,
    ADMIN_TOKEN: adminToken,
    ...(frontToken ? { LOCAL_FRONT_TOKEN: frontToken } : {}),
    ...options.vars,
  };
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
  );
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "1" };
  const wrangler = join(cwd, "node_modules", ".bin", "wrangler");

  const migrate = await runCommand(
    wrangler,
    ["d1", "migrations", "apply", "rampart", "--local", "--persist-to", persist],
    { cwd, env, timeoutMs: 180_000 },
  );
  if (migrate.code !== 0) {
    removeDir(dir);
    throw new Error(`wrangler d1 migrations apply failed:\n${migrate.stdout}\n${migrate.stderr}`);
  }
  // Bundle once and serve that snapshot: `wrangler dev` rebuilds on every source change, and
  // other developers edit `src/` while tests run, which would swap the Worker mid-test.
  const bundleDir = join(dir, "bundle");
  const bundle = await runCommand(wrangler, ["deploy", "--dry-run", "--outdir", bundleDir], {
    cwd,
    env,
    timeoutMs: 180_000,
  });
  if (bundle.code !== 0) {
    removeDir(dir);
    throw new Error(`wrangler deploy --dry-run failed:\n${bundle.stdout}\n${bundle.stderr}`);
  }
  const serverArgs = [
    "dev",
    join(bundleDir, "index.js"),
    "--config",
    options.testScheduled ? configWithoutAssets(cwd, dir) : join(cwd, "wrangler.toml"),
    "--no-bundle",
    "--port",
    String(port),
    "--ip",
    ip,
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persist,
    "--env-file",
    envFile,
    "--show-interactive-dev-session=false",
    ...(options.testScheduled ? ["--test-scheduled"] : []),
    "--log-level",
    "info",
  ];
  /** Starts `wrangler dev` and waits for its health check; the process is stopped on failure. */
  const serve = async () => {
    const started = startProcess(wrangler, serverArgs, { cwd, env });
    try {
      await waitFor(
        "Rampart /health",
        async () => {
          if (started.exited()) throw new Error(`wrangler dev exited:\n${started.output()}`);
          const res = await fetch(`${workerUrl}health`, {
            headers: frontToken ? { [LOCAL_FRONT_HEADER]: frontToken } : {},
          });
          const body = (await res.json()) as { status?: string };
          return res.status === 200 && body.status === "up";
        },
        {
          timeoutMs: options.startTimeoutMs ?? 120_000,
          intervalMs: 500,
          diagnostics: started.output,
        },
      );
    } catch (error) {
      await started.stop();
      throw error;
    }
    return started;
  };
  let server: ReturnType<typeof startProcess>;
  let front: Server | null = null;
  try {
    server = await serve();
  } catch (error) {
    removeDir(dir);
    throw error;
  }
  if (options.frontIp && frontPort !== null && frontToken) {
    try {
      front = (await startLocalFront({
        host: options.frontIp,
        port: frontPort,
        upstreamHost: ip,
        upstreamPort: port,
        token: frontToken,
      })) as Server;
    } catch (error) {
      await server.stop();
      removeDir(dir);
      throw error;
    }
  }
  let earlierLogs = "";

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(new URL(path.replace(/^\//, ""), url), {
      method,
      headers: {
        Authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  // The contract fixes 201 for creations and 200 for validation; deletions only need success.
  const mustAdmin = async (
    method: string,
    path: string,
    expected: number | "2xx",
    body?: unknown,
  ) => {
    const res = await admin(method, path, body);
    const ok = expected === "2xx" ? res.status >= 200 && res.status < 300 : res.status === expected;
    if (!ok) {
      throw new Error(
        `admin ${method} ${path} → ${res.status} (expected ${expected}): ${JSON.stringify(res.body)}`,
      );
    }
    return res.body;
  };
  const name = encodeURIComponent;
  return {
    kind: "rampart",
    url,
    inspectorPort,
    adminToken,
    jwtSecret,
    admin,
    async addMachine(machineId, password) {
      await mustAdmin("POST", "/admin/v1/machines", 201, { machine_id: machineId, password });
    },
    async validateMachine(machineId) {
      await mustAdmin("POST", `/admin/v1/machines/${name(machineId)}/validate`, 200);
    },
    async listMachines() {
      const rows = (await mustAdmin("GET", "/admin/v1/machines", 200)) as unknown;
      return machineRows(rows);
    },
    async deleteMachine(machineId) {
      await mustAdmin("DELETE", `/admin/v1/machines/${name(machineId)}`, "2xx");
    },
    async addBouncer(bouncer, key) {
      const body = (await mustAdmin("POST", "/admin/v1/bouncers", 201, {
        name: bouncer,
        ...(key ? { key } : {}),
      })) as { api_key?: string };
      if (typeof body.api_key !== "string") throw new Error("admin bouncers add: no api_key");
      return body.api_key;
    },
    async deleteBouncer(bouncer) {
      await mustAdmin("DELETE", `/admin/v1/bouncers/${name(bouncer)}`, "2xx");
    },
    logs: () => earlierLogs + server.output(),
    persistDir: persist,
    processGroup: () => server.child.pid,
    async pause() {
      await server.stop();
      earlierLogs += server.output();
    },
    async resume() {
      if (!server.exited()) return;
      server = await serve();
    },
    async stop() {
      if (front) {
        const closed = new Promise((done) => front!.close(done));
        front.closeAllConnections();
        await closed;
      }
      await server.stop();
      removeDir(dir);
    },
  };
}

/**
 * wrangler 4.86's `dev` answers `/cdn-cgi/handler/scheduled` with a bare 500 "exception" once the
 * Worker has `[assets]` (the console): the request never reaches the Worker's `scheduled`. A cron
 * test serves the same bundle with a copy of the config that leaves out the console's `[assets]`
 * and `[build]` tables (the bundle path is given on the command line, so `main` is not read).
 */
function configWithoutAssets(cwd: string, dir: string): string {
  const kept: string[] = [];
  let skipping = false;
  for (const line of readFileSync(join(cwd, "wrangler.toml"), "utf8").split("\n")) {
    if (/^\[/.test(line)) skipping = /^\[(assets|build)\]\s*$/.test(line);
    if (!skipping) kept.push(line);
  }
  const path = join(dir, "wrangler.scheduled.toml");
  writeFileSync(path, kept.join("\n"));
  return path;
}

/** `GET /admin/v1/machines` rows (cscli-like field names). */
function machineRows(body: unknown): { machineId: string; isValidated: boolean }[] {
  if (!Array.isArray(body))
    throw new Error(`admin machines list: not an array: ${JSON.stringify(body)}`);
  return body.map((raw) => {
    const row = raw as { machineId: string; isValidated?: boolean };
    return { machineId: row.machineId, isValidated: row.isValidated === true };
  });
}

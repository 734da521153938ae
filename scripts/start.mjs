#!/usr/bin/env node
// `npm start`: the whole stack locally — local D1 migrated, dev secrets generated on first start,
// LAPI on http://127.0.0.1:$PORT (default 8080). Clients reach the local front proxy
// (scripts/local-front.mjs) there, never `wrangler dev` itself, which listens on another loopback
// port and refuses requests without the proxy's per-start token (SECURITY.md, "npm start").
// The banner is printed only once our own wrangler child answers /health through the proxy: the
// port is checked free before it starts, and the child must still be running, so another server
// on that port is never taken for Rampart.
//
// Environment: PORT; RAMPART_DEV_VARS (secrets file, default .dev.vars); RAMPART_STATE_DIR
// (local D1 and Durable Object state, default .wrangler/state).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startLocalFront } from "./local-front.mjs";

// The local D1 holds bcrypt hashes and API key hashes: every file this process and its children
// create is the user's alone (files 0600, directories 0700).
process.umask(0o077);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const devVars = path.resolve(root, process.env.RAMPART_DEV_VARS ?? ".dev.vars");
const stateDir = path.resolve(root, process.env.RAMPART_STATE_DIR ?? ".wrangler/state");
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");

/** Makes an existing state tree private too (created before the umask, or by an older start). */
function makePrivate(dir) {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) makePrivate(full);
    else if (entry.isFile()) chmodSync(full, 0o600);
  }
}

function readVars(file) {
  if (!existsSync(file)) return {};
  const vars = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

const host = "127.0.0.1";
const port = Number(process.env.PORT ?? "8080");
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`rampart: PORT=${process.env.PORT} is not a TCP port (1-65535)`);
  process.exit(2);
}
const base = `http://${host}:${port}`;

/** Resolves when nothing listens on host:port (we could bind it), rejects with the bind error. */
function checkPortFree() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

async function requirePortFree() {
  try {
    await checkPortFree();
  } catch (error) {
    const why = error.code === "EADDRINUSE" ? "is in use" : `cannot be bound (${error.code})`;
    const other = port === 8787 ? 8788 : 8787;
    console.error(
      `rampart: port ${port} ${why} on ${host}; set PORT=… to a free one, e.g. PORT=${other} npm start`,
    );
    process.exit(1);
  }
}

await requirePortFree();

const vars = readVars(devVars);
let generated = false;
if (!vars.JWT_SECRET) {
  vars.JWT_SECRET = randomBytes(64).toString("hex");
  generated = true;
}
if (!vars.ADMIN_TOKEN) {
  vars.ADMIN_TOKEN = randomBytes(24).toString("base64url");
  generated = true;
}
if (generated) {
  const text = Object.entries(vars)
    .map(([k, v]) => `${k}="${v}"`)
    .join("\n");
  writeFileSync(devVars, `${text}\n`, { mode: 0o600 });
}

mkdirSync(stateDir, { recursive: true });
makePrivate(stateDir);
const migrateArgs = ["d1", "migrations", "apply", "rampart", "--local", "--persist-to", stateDir];
const migrate = spawnSync(wrangler, migrateArgs, {
  cwd: root,
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...process.env, CI: "true" },
  encoding: "utf8",
});
if (migrate.status !== 0) {
  process.stderr.write(migrate.stdout + migrate.stderr);
  console.error("rampart: applying the local D1 migrations failed");
  process.exit(1);
}
makePrivate(stateDir);

/** A loopback port nothing listens on (the kernel's pick), for wrangler behind the proxy. */
function freeLoopbackPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host, port: 0 }, () => {
      const { port: picked } = server.address();
      server.close(() => resolve(picked));
    });
  });
}

// Checked again right before wrangler starts: the migrations take a few seconds.
await requirePortFree();

// The proxy's token reaches the Worker through an env file only this user can read (never the
// command line, which every local user sees in `ps`).
const token = randomBytes(32).toString("base64url");
const runDir = mkdtempSync(path.join(tmpdir(), "rampart-start-"));
const envFile = path.join(runDir, "worker.env");
const workerVars = { ...vars, LOCAL_FRONT_TOKEN: token };
writeFileSync(
  envFile,
  Object.entries(workerVars)
    .map(([k, v]) => `${k}="${v}"\n`)
    .join(""),
  { mode: 0o600 },
);
const workerPort = await freeLoopbackPort();
const child = spawn(
  wrangler,
  [
    "dev",
    "--ip",
    host,
    "--port",
    String(workerPort),
    "--persist-to",
    stateDir,
    "--env-file",
    envFile,
  ],
  { cwd: root, stdio: "inherit", env: { WRANGLER_SEND_METRICS: "false", ...process.env } },
);
const front = await startLocalFront({
  host,
  port,
  upstreamHost: host,
  upstreamPort: workerPort,
  token,
});
process.on("exit", () => rmSync(runDir, { recursive: true, force: true }));
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => child.kill(signal));
}
// Before the banner this is wrangler failing (its error is on stderr); after it, the stop.
child.on("exit", (code, signal) => {
  front.close();
  process.exit(code ?? (signal ? 1 : 0));
});

/** Whether `GET /health` answers Rampart's `{"status":"up"}`. */
async function healthy() {
  try {
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(30_000) });
    const body = await res.json();
    return res.status === 200 && body?.status === "up";
  } catch {
    return false;
  }
}

// The port was free just before the child started and the child is still running, so the
// server answering is ours (the exit handler above ends this process if wrangler dies).
while (!(await healthy()) || child.exitCode !== null || child.signalCode !== null) {
  await sleep(250);
}

console.log(`
Rampart LAPI  ${base}   (health: ${base}/health)
Worker        http://${host}:${workerPort}   (wrangler dev; answers the front proxy only)
Admin token   ${vars.ADMIN_TOKEN}   (in .dev.vars as ADMIN_TOKEN${generated ? ", generated now" : ""})
Admin API     curl -H "Authorization: Bearer $ADMIN_TOKEN" ${base}/admin/v1/machines
OpenAPI       ${base}/admin/v1/openapi.json
`);

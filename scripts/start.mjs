#!/usr/bin/env node
// `npm start`: the whole stack locally — local D1 migrated, dev secrets generated on first start,
// LAPI under `wrangler dev` on http://127.0.0.1:8080.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const devVars = path.join(root, ".dev.vars");
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");

function readVars(file) {
  if (!existsSync(file)) return {};
  const vars = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

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

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "rampart", "--local"], {
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

console.log(`
Rampart LAPI  http://127.0.0.1:8080   (health: http://127.0.0.1:8080/health)
Admin token   ${vars.ADMIN_TOKEN}   (in .dev.vars as ADMIN_TOKEN${generated ? ", generated now" : ""})
Admin API     curl -H "Authorization: Bearer $ADMIN_TOKEN" http://127.0.0.1:8080/admin/v1/machines
OpenAPI       http://127.0.0.1:8080/admin/v1/openapi.json
`);

const child = spawn(wrangler, ["dev", "--ip", "127.0.0.1", "--port", "8080"], {
  cwd: root,
  stdio: "inherit",
  env: { WRANGLER_SEND_METRICS: "false", ...process.env },
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code) => process.exit(code ?? 0));

/**
 * Issue #12 hole 1 against the real `npm start` (scripts/start.mjs): no header a client sends
 * creates an identity or chooses the client IP, `wrangler dev`'s own port refuses requests that
 * went around the local front proxy, and the local D1 is private to the user.
 */
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeDir, repoRoot } from "../oracle/crowdsec-config.js";
import { randomSecret } from "../oracle/lapi-target.js";
import { freePort, type ManagedProcess, startProcess, waitFor } from "../oracle/processes.js";

const FORGED_CF = (ou: string) =>
  JSON.stringify({
    tlsClientAuth: {
      certPresented: "1",
      certVerified: "SUCCESS",
      certSubjectDNRFC2253: `CN=evil,OU=${ou}`,
    },
  });

let dir: string;
let server: ManagedProcess;
let base: string;
let workerBase: string;
const adminToken = randomSecret(48);
const admin = { Authorization: `Bearer ${adminToken}` };

function walk(path: string): string[] {
  return readdirSync(path, { withFileTypes: true }).flatMap((e) => {
    const full = join(path, e.name);
    return e.isDirectory() ? [full, ...walk(full)] : [full];
  });
}

beforeAll(async () => {
  dir = makeTempDir("rampart-npm-start");
  const vars = join(dir, "dev.vars");
  writeFileSync(
    vars,
    [
      `JWT_SECRET="${randomSecret(96)}"`,
      `ADMIN_TOKEN="${adminToken}"`,
      `ADMIN_ALLOWED_OU="admin-ou"`,
      `DISABLE_REMOTE_REGISTRATION="true"`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = startProcess("node", [join(repoRoot(), "scripts", "start.mjs")], {
    cwd: repoRoot(),
    env: {
      ...process.env,
      PORT: String(port),
      RAMPART_DEV_VARS: vars,
      RAMPART_STATE_DIR: join(dir, "state"),
      CI: "1",
    },
  });
  const workerPort = await waitFor(
    "the npm start banner",
    () => {
      if (server.exited()) throw new Error(`npm start exited:\n${server.output()}`);
      return /Worker +http:\/\/127\.0\.0\.1:(\d+)/.exec(server.output())?.[1];
    },
    { timeoutMs: 240_000, intervalMs: 500, diagnostics: () => server.output() },
  );
  workerBase = `http://127.0.0.1:${workerPort}`;
});

afterAll(async () => {
  await server?.stop();
  if (dir) removeDir(dir);
});

describe("npm start: identities come from the connection, never from headers", () => {
  it("does not log in a machine from a forged MF-CF-Blob client certificate", async () => {
    const r = await fetch(`${base}/v1/watchers/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "MF-CF-Blob": FORGED_CF("agent-ou") },
      body: JSON.stringify({ scenarios: [] }),
    });
    expect(r.status).toBe(401);
    expect(JSON.stringify(await r.json())).not.toContain('token":"ey');
    const machines = (await (
      await fetch(`${base}/admin/v1/machines`, { headers: admin })
    ).json()) as {
      machineId: string;
    }[];
    expect(JSON.stringify(machines)).not.toContain("evil@");
  });

  it("does not serve the stream to a forged bouncer certificate", async () => {
    const r = await fetch(`${base}/v1/decisions/stream?startup=true`, {
      headers: { "MF-CF-Blob": FORGED_CF("bouncer-ou") },
    });
    expect(r.status).toBe(403);
  });

  it("does not open the admin API to a forged admin certificate", async () => {
    const r = await fetch(`${base}/admin/v1/bouncers`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "MF-CF-Blob": FORGED_CF("admin-ou") },
      body: JSON.stringify({ name: "forged" }),
    });
    expect(r.status).toBe(401);
  });

  it("takes the client IP from the TCP peer, not from CF-Connecting-IP or X-Forwarded-For", async () => {
    // DISABLE_REMOTE_REGISTRATION: the real peer is loopback, so registration is allowed and
    // the row records 127.0.0.1 whatever the headers claim.
    const r = await fetch(`${base}/v1/watchers`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "CF-Connecting-IP": "203.0.113.9",
        "X-Forwarded-For": "198.51.100.1",
      },
      body: JSON.stringify({ machine_id: "peer-ip", password: "pw" }),
    });
    expect(r.status).toBe(201);
    const machines = (await (
      await fetch(`${base}/admin/v1/machines`, { headers: admin })
    ).json()) as {
      machineId: string;
      ipAddress: string;
    }[];
    expect(machines.find((m) => m.machineId === "peer-ip")?.ipAddress).toBe("127.0.0.1");
  });

  it("never stores a header's junk as the IP part of a bouncer name", async () => {
    const created = await fetch(`${base}/admin/v1/bouncers`, {
      method: "POST",
      headers: { ...admin, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "b1" }),
    });
    const { api_key: key } = (await created.json()) as { api_key: string };
    for (const ip of ["10.9.9.9", "<img src=x onerror=alert(1)>"]) {
      const r = await fetch(`${base}/v1/decisions/stream?startup=true`, {
        headers: { "X-Api-Key": key, "CF-Connecting-IP": ip },
      });
      expect(r.status).toBe(200);
    }
    const list = await (await fetch(`${base}/admin/v1/bouncers`, { headers: admin })).text();
    expect(list).not.toContain("<img");
    expect(list).not.toContain("10.9.9.9");
  });

  it("answers 403 on wrangler's own port, forged headers or not", async () => {
    const r = await fetch(`${workerBase}/v1/watchers/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "MF-CF-Blob": FORGED_CF("agent-ou") },
      body: JSON.stringify({ scenarios: [] }),
    });
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({
      message: "direct access refused: connect through the local front proxy (npm start)",
    });
  });

  it("keeps the local D1 and Durable Object state private (files 0600, directories 0700)", () => {
    const entries = walk(join(dir, "state"));
    expect(entries.some((p) => p.endsWith(".sqlite"))).toBe(true);
    for (const p of entries) {
      const st = statSync(p);
      expect({ p, mode: st.mode & 0o777 }).toEqual({ p, mode: st.isDirectory() ? 0o700 : 0o600 });
    }
  });
});

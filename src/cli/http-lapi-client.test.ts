import { type AddressInfo, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import type { MachineCredentials, MachineStore } from "./cli-machine.js";
import { createHttpLapiClient } from "./http-lapi-client.js";
import type { RawResponse, RawSender } from "./http-transport.js";
import { makeSender } from "./http-transport.js";
import { testConfig } from "./testing/run-cli.js";

type Seen = { method: string; path: string; auth?: string; body?: unknown; query?: unknown };

function memoryStore(): MachineStore & { data: Map<string, MachineCredentials> } {
  const data = new Map<string, MachineCredentials>();
  return { data, get: (u) => data.get(u), set: (u, c) => (c ? data.set(u, c) : data.delete(u)) };
}

/** A scripted LAPI: `handler` answers each request; every request is recorded. */
function scripted(handler: (r: Seen) => RawResponse): { send: RawSender; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    send: async (_base, req) => {
      const r = {
        method: req.method,
        path: req.path,
        auth: req.headers.Authorization,
        body: req.body,
        query: req.query,
      };
      seen.push(r);
      return handler(r);
    },
  };
}

const future = new Date(Date.now() + 3_600_000).toISOString();

describe("createHttpLapiClient", () => {
  it("logs in once with the machine credentials and sends the JWT", async () => {
    const { send, seen } = scripted((r) =>
      r.path === "/v1/watchers/login"
        ? { status: 200, text: JSON.stringify({ code: 200, token: "jwt1", expire: future }) }
        : { status: 200, text: "null" },
    );
    const client = createHttpLapiClient({
      config: testConfig({ machineId: "m", password: "p" }),
      send,
      machines: memoryStore(),
    });
    expect(await client.listAlerts({ limit: "1" })).toEqual([]);
    await client.listAlerts({});
    expect(seen.map((s) => `${s.method} ${s.path} ${s.auth ?? ""}`)).toEqual([
      "POST /v1/watchers/login ",
      "GET /v1/alerts Bearer jwt1",
      "GET /v1/alerts Bearer jwt1",
    ]);
    expect(seen[0]!.body).toEqual({ machine_id: "m", password: "p" });
  });

  it("creates a CLI machine through the admin API when it only has an admin token, and reuses it", async () => {
    const { send, seen } = scripted((r) => {
      if (r.path === "/admin/v1/machines") return { status: 201, text: "{}" };
      if (r.path === "/v1/watchers/login")
        return { status: 200, text: JSON.stringify({ token: "jwt", expire: future }) };
      return { status: 200, text: "[]" };
    });
    const store = memoryStore();
    const created: string[] = [];
    const client = createHttpLapiClient({
      config: testConfig(),
      send,
      machines: store,
      onMachineCreated: (login) => created.push(login),
    });
    const login = await client.machineLogin();
    expect(login).toMatch(/^rampart-cli-[0-9a-f]{8}$/);
    expect(created).toEqual([login]);
    expect(seen[0]).toMatchObject({
      method: "POST",
      path: "/admin/v1/machines",
      auth: "Bearer test-admin",
    });
    expect(seen[0]!.body).toMatchObject({ validated: true });
    const again = createHttpLapiClient({ config: testConfig(), send, machines: store });
    await again.machineLogin();
    expect(seen.filter((s) => s.path === "/admin/v1/machines")).toHaveLength(1);
  });

  it("recreates a remembered CLI machine the LAPI no longer knows", async () => {
    let logins = 0;
    const { send, seen } = scripted((r) => {
      if (r.path === "/admin/v1/machines") return { status: 201, text: "{}" };
      logins++;
      return logins === 1
        ? { status: 401, text: '{"code":401,"message":"ent: machine not found"}' }
        : { status: 200, text: JSON.stringify({ token: "jwt", expire: future }) };
    });
    const store = memoryStore();
    store.set("http://lapi.test/", { login: "rampart-cli-gone", password: "x" });
    const client = createHttpLapiClient({ config: testConfig(), send, machines: store });
    const login = await client.machineLogin();
    expect(login).not.toBe("rampart-cli-gone");
    expect(store.get("http://lapi.test/")!.login).toBe(login);
    expect(seen.map((s) => s.path)).toEqual([
      "/v1/watchers/login",
      "/admin/v1/machines",
      "/v1/watchers/login",
    ]);
  });

  it("turns a wrong admin token into one access-denied line", async () => {
    const { send } = scripted(() => ({ status: 401, text: '{"message":"invalid admin token"}' }));
    const client = createHttpLapiClient({
      config: testConfig({ adminToken: "wrong" }),
      send,
      machines: memoryStore(),
    });
    await expect(client.listBouncers()).rejects.toMatchObject({
      message: "GET /admin/v1/bouncers: access denied (401): invalid admin token",
      exitCode: 3,
    });
  });

  it("says which setting is missing when there is no admin token", async () => {
    const { send } = scripted(() => ({ status: 200, text: "[]" }));
    const client = createHttpLapiClient({
      config: testConfig({ adminToken: undefined }),
      send,
      machines: memoryStore(),
    });
    await expect(client.listMachines()).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining("RAMPART_ADMIN_TOKEN"),
    });
    await expect(client.listAlerts({})).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining("RAMPART_MACHINE_ID"),
    });
  });

  it("joins a multi-line LAPI message into one line", async () => {
    const { send } = scripted((r) =>
      r.path === "/v1/watchers/login"
        ? { status: 200, text: JSON.stringify({ token: "t", expire: future }) }
        : {
            status: 500,
            text: '{"message":"validation failure list:\\n0.scenario in body is required"}',
          },
    );
    const client = createHttpLapiClient({
      config: testConfig({ machineId: "m", password: "p" }),
      send,
      machines: memoryStore(),
    });
    await expect(client.addAlerts([])).rejects.toThrow(
      "POST /v1/alerts: API error (500): validation failure list:; 0.scenario in body is required",
    );
  });
});

describe("makeSender", () => {
  it("reports an unreachable LAPI with exit code 4", async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as AddressInfo).port;
    await new Promise((done) => server.close(done));
    const send = makeSender({}, 2000);
    const url = `http://127.0.0.1:${port}/`;
    await expect(send(url, { method: "GET", path: "/health", headers: {} })).rejects.toMatchObject({
      message: `cannot reach the LAPI at ${url} (ECONNREFUSED)`,
      exitCode: 4,
    });
  });
});

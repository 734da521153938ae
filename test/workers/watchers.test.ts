import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/lapi/app";
import type { Env } from "../../src/lapi/env";
import { ADMIN, AGENT_UA, BASE, bouncerKey, call, jsonInit } from "./helpers";

/** Calls a fresh app with overridden vars (configuration is compiled per env object). */
async function callWith(vars: Partial<Env>, path: string, init: RequestInit = {}) {
  const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} };
  return createApp().fetch(new Request(`${BASE}${path}`, init), { ...env, ...vars }, ctx as never);
}

const login = (machine_id: string, password: string, headers: Record<string, string> = AGENT_UA) =>
  call("/v1/watchers/login", jsonInit("POST", { machine_id, password }, headers));

describe("POST /v1/watchers (register)", () => {
  it("creates an unvalidated machine and refuses a second registration of the same id", async () => {
    const body = { machine_id: "reg-1", password: "pw" };
    const first = await call("/v1/watchers", jsonInit("POST", body));
    expect(first.status).toBe(201);
    expect(await first.text()).toBe("");
    const again = await call("/v1/watchers", jsonInit("POST", body));
    expect(again.status).toBe(403);
    expect(await again.json()).toEqual({ message: "user 'reg-1': user already exist" });
  });

  it("lists missing fields, rejects bad JSON and over-long passwords", async () => {
    const missing = await call("/v1/watchers", jsonInit("POST", {}));
    expect(missing.status).toBe(422);
    expect(await missing.json()).toEqual({
      message:
        "validation failure list:\nmachine_id in body is required\npassword in body is required",
    });
    const bad = await call("/v1/watchers", jsonInit("POST", "x"));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      message: "invalid character 'x' looking for beginning of value",
    });
    const long = await call(
      "/v1/watchers",
      jsonInit("POST", { machine_id: "l", password: "p".repeat(73) }),
    );
    expect(long.status).toBe(400);
    expect(await long.json()).toEqual({ message: "unable to hash" });
  });

  it("auto-registers with the right token from an allowed range (202), refuses otherwise", async () => {
    const on = {
      AUTO_REGISTRATION_ENABLED: "true",
      AUTO_REGISTRATION_ALLOWED_RANGES: "10.0.0.0/8",
    };
    const from = (ip: string, token: string, id: string) =>
      callWith(on, "/v1/watchers", {
        ...jsonInit("POST", { machine_id: id, password: "pw", registration_token: token }),
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip },
      });
    const ok = await from("10.1.1.1", "a".repeat(32), "auto-1");
    expect(ok.status).toBe(202);
    expect((await login("auto-1", "pw")).status).toBe(200);
    const wrong = await from("10.1.1.1", "b".repeat(32), "auto-2");
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ message: "invalid token for auto registration" });
    const outside = await from("192.0.2.1", "a".repeat(32), "auto-3");
    expect(await outside.json()).toEqual({
      message: "IP not in allowed range for auto registration",
    });
    const short = await from("10.1.1.1", "short", "auto-4");
    expect(short.status).toBe(422);
    expect(await short.json()).toEqual({
      message:
        "validation failure list:\nregistration_token in body should be at least 32 chars long",
    });
  });

  it("refuses remote registration when it is disabled, but not from loopback", async () => {
    const vars = { DISABLE_REMOTE_REGISTRATION: "true" };
    const remote = await callWith(vars, "/v1/watchers", {
      ...jsonInit("POST", { machine_id: "rem-1", password: "pw" }),
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": "203.0.113.7" },
    });
    expect(remote.status).toBe(403);
    expect(await remote.json()).toEqual({ message: "access forbidden" });
    const local = await callWith(
      vars,
      "/v1/watchers",
      jsonInit("POST", { machine_id: "rem-2", password: "pw" }),
    );
    expect(local.status).toBe(201);
  });
});

describe("POST /v1/watchers/login", () => {
  it("answers each refusal with CrowdSec's 401 message", async () => {
    await call(
      "/admin/v1/machines",
      jsonInit("POST", { machine_id: "log-1", password: "right" }, ADMIN),
    );
    const cases: Array<[Promise<Response>, string]> = [
      [login("log-1", "wrong"), "incorrect Username or Password"],
      [login("nobody", "x"), "ent: machine not found"],
      [
        login("log-1", "right", {
          "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
        }),
        "incorrect Username or Password",
      ],
      [call("/v1/watchers/login", jsonInit("POST", "")), "missing: EOF"],
    ];
    for (const [pending, message] of cases) {
      const r = await pending;
      expect(r.status).toBe(401);
      expect(await r.json()).toEqual({ code: 401, message });
    }
  });

  it("records scenarios, IP and version at login, and the heartbeat", async () => {
    await call(
      "/admin/v1/machines",
      jsonInit("POST", { machine_id: "log-2", password: "pw" }, ADMIN),
    );
    const r = await call("/v1/watchers/login", {
      ...jsonInit("POST", { machine_id: "log-2", password: "pw", scenarios: ["a/b", "c/d"] }),
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "crowdsec/v1.4.6-debian",
        "CF-Connecting-IP": "198.51.100.9",
      },
    });
    const { token } = (await r.json()) as { token: string };
    expect(
      (await call("/v1/heartbeat", { headers: { Authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    const row = await env.DB.prepare(
      "SELECT scenarios, ip_address, version, last_heartbeat FROM machines WHERE machine_id = 'log-2'",
    ).first<Record<string, unknown>>();
    expect(row).toMatchObject({
      scenarios: "a/b,c/d",
      ip_address: "198.51.100.9",
      version: "v1.4.6-debian",
    });
    expect(row!.last_heartbeat).toBeGreaterThan(0);
  });

  it("refreshes a token and lets a machine delete itself", async () => {
    await call(
      "/admin/v1/machines",
      jsonInit("POST", { machine_id: "log-3", password: "pw" }, ADMIN),
    );
    const { token } = (await (await login("log-3", "pw")).json()) as { token: string };
    const auth = { Authorization: `Bearer ${token}` };
    const refreshed = await call("/v1/refresh_token", { headers: auth });
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).toMatchObject({ code: 200 });
    expect((await call("/v1/watchers/self", { method: "DELETE", headers: auth })).status).toBe(204);
    // CrowdSec answers a second delete 500 `'log-3' does not exist`; Rampart refuses the deleted
    // machine's token first (docs/compatibility.md, "Security hardening: LAPI identity").
    const gone = await call("/v1/watchers/self", { method: "DELETE", headers: auth });
    expect(gone.status).toBe(401);
    expect(await gone.json()).toEqual({ code: 401, message: "ent: machine not found" });
  });
});

describe("client IP and shared bouncer keys", () => {
  it("believes X-Forwarded-For only from a trusted proxy", async () => {
    const vars = { TRUSTED_PROXIES: "10.0.0.1" };
    await callWith(vars, "/v1/watchers", {
      ...jsonInit("POST", { machine_id: "ip-1", password: "pw" }),
      headers: {
        "Content-Type": "application/json",
        "CF-Connecting-IP": "10.0.0.1",
        "X-Forwarded-For": "203.0.113.50, 10.0.0.1",
      },
    });
    await callWith(vars, "/v1/watchers", {
      ...jsonInit("POST", { machine_id: "ip-2", password: "pw" }),
      headers: {
        "Content-Type": "application/json",
        "CF-Connecting-IP": "192.0.2.3",
        "X-Forwarded-For": "203.0.113.51",
      },
    });
    const rows = await env.DB.prepare(
      "SELECT machine_id, ip_address FROM machines WHERE machine_id IN ('ip-1', 'ip-2') ORDER BY machine_id",
    ).all();
    expect(rows.results).toEqual([
      { machine_id: "ip-1", ip_address: "203.0.113.50" },
      { machine_id: "ip-2", ip_address: "192.0.2.3" },
    ]);
  });

  it("gives each IP sharing a key its own auto-created bouncer row (gotcha 16, 17)", async () => {
    const key = await bouncerKey("shared");
    const pull = (ip: string) =>
      call("/v1/decisions/stream?startup=true", {
        headers: {
          "X-Api-Key": key,
          "CF-Connecting-IP": ip,
          "User-Agent": "cs-firewall-bouncer/v0.0.25",
        },
      });
    // last_pull is written once the whole stream body has been produced: read it.
    for (const ip of ["127.0.0.1", "::1"]) {
      const r = await pull(ip);
      expect(r.status).toBe(200);
      await r.text();
    }
    const rows = await env.DB.prepare(
      "SELECT name, ip_address, type, version, auto_created, last_pull FROM bouncers WHERE name LIKE 'shared%' ORDER BY id",
    ).all<Record<string, unknown>>();
    expect(rows.results.map((r) => [r.name, r.ip_address, r.auto_created])).toEqual([
      ["shared", "127.0.0.1", 0],
      ["shared@::1", "::1", 1],
    ]);
    expect(rows.results[0]).toMatchObject({ type: "cs-firewall-bouncer", version: "v0.0.25" });
    expect(rows.results.every((r) => typeof r.last_pull === "number")).toBe(true);
  });
});

describe("configuration", () => {
  it("refuses to serve with a JWT secret under 64 bytes, naming the setting", async () => {
    const r = await callWith({ JWT_SECRET: "short" }, "/health");
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({
      message: "server misconfigured: JWT_SECRET not strong enough (must be at least 64 bytes)",
    });
  });
});

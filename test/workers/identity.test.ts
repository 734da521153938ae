import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/lapi/app";
import type { Env } from "../../src/lapi/env";
import { ADMIN, BASE, bouncerKey, call, jsonInit, machineToken } from "./helpers";

async function callWith(vars: Partial<Env>, path: string, init: RequestInit = {}) {
  const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} };
  return createApp().fetch(new Request(`${BASE}${path}`, init), { ...env, ...vars }, ctx as never);
}

const FORGED_AGENT = {
  tlsClientAuth: {
    certPresented: "1",
    certVerified: "SUCCESS",
    certSubjectDNRFC2253: "CN=evil,OU=agent-ou",
  },
};

describe("client identity", () => {
  it("refuses a client address that is not an IP with 400 and stores no bouncer row", async () => {
    const key = await bouncerKey("junk-ip");
    const junk = "<img src=x onerror=alert(1)>";
    const r = await call("/v1/decisions/stream?startup=true", {
      headers: { "X-Api-Key": key, "CF-Connecting-IP": junk },
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ message: "client address is not an IP address" });
    const rows = await env.DB.prepare("SELECT name FROM bouncers WHERE name LIKE 'junk-ip%'").all();
    expect(rows.results.map((row) => row.name)).toEqual(["junk-ip"]);
  });

  it("stores the canonical form of the client address in bouncer names", async () => {
    const key = await bouncerKey("canon");
    await call("/v1/decisions/stream?startup=true", {
      headers: { "X-Api-Key": key, "CF-Connecting-IP": "10.0.0.1" },
    });
    const r = await call("/v1/decisions/stream?startup=true", {
      headers: { "X-Api-Key": key, "CF-Connecting-IP": "::FFFF:10.0.0.2" },
    });
    expect(r.status).toBe(200);
    const rows = await env.DB.prepare(
      "SELECT name FROM bouncers WHERE name LIKE 'canon%' ORDER BY name",
    ).all();
    expect(rows.results.map((row) => row.name)).toEqual(["canon", "canon@10.0.0.2"]);
  });
});

describe("LOCAL_FRONT_TOKEN (npm start)", () => {
  const vars = { LOCAL_FRONT_TOKEN: "front-token-0123456789" };

  it("refuses with 403 a forged client certificate that did not come through the proxy", async () => {
    const r = await callWith(vars, "/v1/watchers/login", {
      ...jsonInit("POST", { scenarios: [] }),
      cf: FORGED_AGENT,
    } as RequestInit);
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({
      message: "direct access refused: connect through the local front proxy (npm start)",
    });
    const row = await env.DB.prepare(
      "SELECT machine_id FROM machines WHERE machine_id LIKE 'evil@%'",
    ).first();
    expect(row).toBeNull();
  });

  it("refuses a wrong token and serves the proxy's requests", async () => {
    const wrong = await callWith(vars, "/admin/v1/machines", {
      headers: { ...ADMIN, "X-Rampart-Local-Front": "front-token-0123456788" },
    });
    expect(wrong.status).toBe(403);
    const ok = await callWith(vars, "/admin/v1/machines", {
      headers: { ...ADMIN, "X-Rampart-Local-Front": vars.LOCAL_FRONT_TOKEN },
    });
    expect(ok.status).toBe(200);
  });
});

describe("machine tokens", () => {
  const auth = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

  it("stops accepting and renewing the token of a deleted machine", async () => {
    const token = await machineToken("doomed");
    expect((await call("/v1/heartbeat", auth(token))).status).toBe(200);
    const del = await call("/admin/v1/machines/doomed", { method: "DELETE", headers: ADMIN });
    expect(del.status).toBe(200);
    const after = await call("/v1/heartbeat", auth(token));
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ code: 401, message: "ent: machine not found" });
    const renewed = await call("/v1/refresh_token", auth(token));
    expect(renewed.status).toBe(401);
    expect(await renewed.json()).toEqual({ code: 401, message: "ent: machine not found" });
  });

  it("refuses the token of a machine that is no longer validated", async () => {
    const token = await machineToken("demoted");
    await env.DB.prepare("UPDATE machines SET is_validated = 0 WHERE machine_id = 'demoted'").run();
    const r = await call("/v1/alerts", auth(token));
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ code: 401, message: "machine demoted not validated" });
  });

  it("refuses a signed token without exp with gin-jwt's 400", async () => {
    await machineToken("no-exp");
    const token = await new SignJWT({ id: "no-exp", orig_iat: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode(env.JWT_SECRET));
    for (const path of ["/v1/heartbeat", "/v1/refresh_token"]) {
      const r = await call(path, auth(token));
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual({ code: 400, message: "missing exp field" });
    }
  });
});

describe("admin and filter input is text, never SQL", () => {
  it("deletes only the named bouncer: `%`, `_` and case in a name match nothing else", async () => {
    const key = await bouncerKey("likeb");
    for (const ip of ["10.0.0.1", "10.0.0.2"]) {
      await call("/v1/decisions/stream?startup=true", {
        headers: { "X-Api-Key": key, "CF-Connecting-IP": ip },
      });
    }
    const names = async () =>
      (
        await env.DB.prepare(
          "SELECT name FROM bouncers WHERE name LIKE 'likeb%' ORDER BY name",
        ).all()
      ).results.map((row) => row.name);
    expect(await names()).toEqual(["likeb", "likeb@10.0.0.2"]);
    for (const name of ["%25", "lik_b", "LIKEB", "likeb%25"]) {
      const r = await call(`/admin/v1/bouncers/${name}`, { method: "DELETE", headers: ADMIN });
      expect(r.status).toBe(404);
    }
    expect(await names()).toEqual(["likeb", "likeb@10.0.0.2"]);
    const r = await call("/admin/v1/bouncers/likeb", { method: "DELETE", headers: ADMIN });
    expect(await r.json()).toEqual({ deleted: "likeb", count: 2 });
  });

  it("answers a filter with hundreds of values without a 500", async () => {
    const key = await bouncerKey("many-values");
    const many = Array.from({ length: 300 }, (_, i) => `v${i}`).join(",");
    for (const q of [
      `origins=${many}`,
      `scopes=${many}`,
      `scenarios_containing=${many}`,
      `scenarios_not_containing=${many}`,
    ]) {
      for (const path of ["/v1/decisions?", "/v1/decisions/stream?startup=true&"]) {
        const r = await call(`${path}${q}`, { headers: { "X-Api-Key": key } });
        expect({ q: q.slice(0, 12), path, status: r.status }).toEqual({
          q: q.slice(0, 12),
          path,
          status: 200,
        });
      }
    }
  });
});

describe("registration and login floods", () => {
  const strict = () => ({
    REGISTER_RATE_LIMIT: env.STRICT_RATE_LIMIT,
    LOGIN_FAILURE_RATE_LIMIT: env.STRICT_RATE_LIMIT,
  });
  const from = (ip: string, body: unknown) => ({
    ...jsonInit("POST", body),
    headers: {
      "Content-Type": "application/json",
      "User-Agent": "crowdsec/v1.7.0",
      "CF-Connecting-IP": ip,
    },
  });

  it("answers 429 once one address spent its failed logins, even to the right password", async () => {
    await machineToken("flooded", "right-pw");
    const app = createApp();
    const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} };
    const send = (ip: string, password: string) =>
      app.fetch(
        new Request(`${BASE}/v1/watchers/login`, from(ip, { machine_id: "flooded", password })),
        { ...env, ...strict() },
        ctx as never,
      );
    // Successes spend nothing: cscli logs in on every command.
    for (let i = 0; i < 5; i++) expect((await send("192.0.2.60", "right-pw")).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await send("192.0.2.60", "wrong")).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const blocked = await send("192.0.2.60", "right-pw");
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toEqual({ message: "too many requests" });
    expect((await send("192.0.2.61", "right-pw")).status).toBe(200);
  });

  it("answers 429 to a registration flood from one address and stores nothing more", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await callWith(
        strict(),
        "/v1/watchers",
        from("192.0.2.70", { machine_id: `flood-${i}`, password: "pw" }),
      );
      statuses.push(r.status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    const row = await env.DB.prepare(
      "SELECT machine_id FROM machines WHERE machine_id = 'flood-3'",
    ).first();
    expect(row).toBeNull();
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/lapi/app";
import type { Env } from "../../src/lapi/env";
import { ADMIN, BASE, bouncerKey, call, jsonInit } from "./helpers";

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

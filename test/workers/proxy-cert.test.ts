import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { createApp } from "../../src/lapi/app";
import { readProxyCert } from "../../src/lapi/auth/proxy-cert";
import type { Env } from "../../src/lapi/env";
import { ADMIN, AGENT_UA, BASE, jsonInit } from "./helpers";

declare module "vitest" {
  export interface ProvidedContext {
    /** Client certificates by name: agent, bouncer, wrongOu, noCn (vitest.workers.config.ts). */
    proxyCerts: Record<"agent" | "bouncer" | "wrongOu" | "noCn", string>;
  }
}

const CERTS = inject("proxyCerts");
const FRONT = "192.0.2.10";
const CLIENT = "198.51.100.7";
const TRUSTED = { TRUSTED_PROXIES: "192.0.2.0/28" };

/** Headers nginx sets (`$ssl_client_escaped_cert`, `$ssl_client_verify`), from peer `from`. */
function fromFront(pem: string | null, verify = "SUCCESS", from = FRONT): Record<string, string> {
  const headers: Record<string, string> = {
    "CF-Connecting-IP": from,
    "X-Forwarded-For": CLIENT,
    "X-Client-Verify": verify,
  };
  if (pem !== null) headers["X-Client-Cert"] = encodeURIComponent(pem);
  return headers;
}

async function callWith(vars: Partial<Env>, path: string, init: RequestInit = {}) {
  const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} };
  return createApp().fetch(new Request(`${BASE}${path}`, init), { ...env, ...vars }, ctx as never);
}

async function listed(kind: "machines" | "bouncers"): Promise<Record<string, unknown>[]> {
  const r = await callWith({}, `/admin/v1/${kind}`, { headers: ADMIN });
  return (await r.json()) as Record<string, unknown>[];
}

function login(vars: Partial<Env>, headers: Record<string, string>) {
  return callWith(vars, "/v1/watchers/login", jsonInit("POST", { scenarios: [] }, headers));
}

describe("client certificates from a trusted TLS front", () => {
  it("logs an agent in as <CN>@<client ip> with auth type tls", async () => {
    const r = await login(TRUSTED, { ...AGENT_UA, ...fromFront(CERTS.agent) });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { code: number }).code).toBe(200);
    const row = (await listed("machines")).find((m) => m.machineId === `agent-1@${CLIENT}`);
    expect(row).toMatchObject({ auth_type: "tls", isValidated: true, ipAddress: CLIENT });
  });

  it("serves decisions to a key-less bouncer and names its row <CN>@<client ip>", async () => {
    const r = await callWith(TRUSTED, "/v1/decisions", { headers: fromFront(CERTS.bouncer) });
    expect(r.status).toBe(200);
    const row = (await listed("bouncers")).find((b) => b.name === `bouncer-1@${CLIENT}`);
    expect(row).toMatchObject({ auth_type: "tls", ip_address: CLIENT });
  });

  it("answers a bouncer's DELETE /v1/decisions with 401 cookie token is empty", async () => {
    const r = await callWith(TRUSTED, "/v1/decisions", {
      method: "DELETE",
      headers: fromFront(CERTS.bouncer),
    });
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ code: 401, message: "cookie token is empty" });
  });

  it("refuses a certificate whose OU is not allowed, or the other role's", async () => {
    const wrong = await callWith(TRUSTED, "/v1/decisions", { headers: fromFront(CERTS.wrongOu) });
    expect(wrong.status).toBe(403);
    const agentAsBouncer = await callWith(TRUSTED, "/v1/decisions", {
      headers: fromFront(CERTS.agent),
    });
    expect(agentAsBouncer.status).toBe(403);
    const bouncerAsAgent = await login(TRUSTED, { ...AGENT_UA, ...fromFront(CERTS.bouncer) });
    expect(bouncerAsAgent.status).toBe(401);
    const names = (await listed("machines")).map((m) => m.machineId);
    expect(names).not.toContain(`bouncer-1@${CLIENT}`);
    expect(names).not.toContain(`intruder@${CLIENT}`);
  });

  it("refuses a certificate the front did not verify, and one without a common name", async () => {
    for (const headers of [
      fromFront(CERTS.bouncer, "FAILED:certificate has expired"),
      fromFront(CERTS.bouncer, "FAILED:unable to get local issuer certificate"),
      fromFront(CERTS.bouncer, "NONE"),
      fromFront(CERTS.noCn),
      fromFront("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
      fromFront(null),
    ]) {
      const r = await callWith(TRUSTED, "/v1/decisions", { headers });
      expect(r.status, JSON.stringify(headers["X-Client-Verify"])).toBe(403);
    }
  });

  it("refuses with 403 certificate headers from a peer outside TRUSTED_PROXIES", async () => {
    const cases: [Partial<Env>, string][] = [
      [TRUSTED, "203.0.113.5"],
      [{ TRUSTED_PROXIES: "" }, FRONT],
    ];
    for (const [vars, peer] of cases) {
      const r = await login(vars, { ...AGENT_UA, ...fromFront(CERTS.agent, "SUCCESS", peer) });
      expect(r.status).toBe(403);
      expect(await r.json()).toEqual({
        message: "client certificate headers from an untrusted peer",
      });
      const b = await callWith(vars, "/v1/decisions", {
        headers: fromFront(CERTS.bouncer, "SUCCESS", peer),
      });
      expect(b.status).toBe(403);
    }
    const machines = (await listed("machines")).map((m) => m.machineId);
    expect(machines).not.toContain("agent-1@203.0.113.5");
    expect(machines).not.toContain(`agent-1@${FRONT}`);
  });

  it("ignores an empty report (nginx sends NONE and no certificate when none was presented)", async () => {
    const r = await callWith({}, "/v1/decisions", {
      headers: { "X-Client-Verify": "NONE", "X-Client-Cert": "", "X-Api-Key": "nope" },
    });
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ message: "access forbidden" });
  });
});

describe("readProxyCert", () => {
  const headers = (cert: string) =>
    new Headers({ "X-Client-Cert": cert, "X-Client-Verify": "SUCCESS" });
  const der = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, "");

  it("reads URL-escaped PEM and bare base64 DER (Traefik, HAProxy) alike", () => {
    const expected = { kind: "ok", identity: { cn: "agent-1", ous: ["agent-ou"] } };
    const now = new Date();
    expect(readProxyCert(headers(encodeURIComponent(CERTS.agent)), true, now)).toEqual(expected);
    expect(readProxyCert(headers(der(CERTS.agent)), true, now)).toEqual(expected);
  });

  it("refuses a certificate outside its validity period and a chain of several", () => {
    const later = new Date(Date.now() + 10 * 86_400_000);
    expect(readProxyCert(headers(encodeURIComponent(CERTS.agent)), true, later)).toEqual({
      kind: "rejected",
      reason: "certificate outside its validity period",
    });
    const chain = encodeURIComponent(CERTS.agent + CERTS.bouncer);
    expect(readProxyCert(headers(chain), true, new Date())).toEqual({
      kind: "rejected",
      reason: "certificate header holds more than one certificate",
    });
  });
});

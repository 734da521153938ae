import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/lapi/config";
import type { Env } from "../../src/lapi/env";
import { ADMIN, AGENT_UA, call, capiToken, jsonInit } from "./helpers";

/**
 * The Central API server (src/lapi/routes/capi.ts): registration, login, signals, consensus and
 * the community stream as a CrowdSec LAPI uses them (pkg/apiclient, pkg/apiserver/apic.go).
 */

const auth = (token: string) => ({ Authorization: `Bearer ${token}`, ...AGENT_UA });

function signal(ip: string, scenario = "crowdsecurity/ssh-bf", scope = "Ip") {
  // What CrowdSec 1.4.6 `alertToSignal` sends: no alert_id, no decisions.
  return {
    message: `Ip ${ip} performed '${scenario}' (6 events over 2s)`,
    scenario,
    scenario_hash: "4441dcff07020f6690d998b7101e642359ba405c2abb83565bbbdcee36de280f",
    scenario_version: "0.1",
    scenario_trust: "certified",
    source: { scope, value: ip, ip, range: "", as_name: "", cn: "" },
    start_at: "2026-12-08T02:00:00Z",
    stop_at: "2026-12-08T02:00:02Z",
    created_at: "2026-12-08T02:00:03Z",
    machine_id: "agent",
  };
}

async function push(token: string, items: unknown[]) {
  const r = await call("/v2/signals", jsonInit("POST", items, auth(token)));
  return { status: r.status, body: await r.json() };
}

interface V2Decision {
  origin: string;
  scenario: string;
  scope: string;
  type: string;
  value: string;
  duration: string;
}

async function pullV2(token: string, startup: boolean) {
  const r = await call(`/v2/decisions/stream?startup=${startup}`, { headers: auth(token) });
  expect(r.status).toBe(200);
  return (await r.json()) as { new: V2Decision[]; deleted: V2Decision[] };
}

const values = (list: { value: string }[]) => list.map((d) => d.value).sort();

describe("watcher registration and login", () => {
  it("registers once, logs in with the password, refuses a duplicate and a wrong password", async () => {
    const reg = await call(
      "/v2/watchers",
      jsonInit("POST", { machine_id: "w-reg", password: "pw" }),
    );
    expect(reg.status).toBe(200);
    expect(await reg.json()).toEqual({ message: "OK" });
    const dup = await call(
      "/v2/watchers",
      jsonInit("POST", { machine_id: "w-reg", password: "x" }),
    );
    expect(dup.status).toBe(403);
    const ok = await call(
      "/v2/watchers/login",
      jsonInit("POST", { machine_id: "w-reg", password: "pw", scenarios: ["a/b"] }, AGENT_UA),
    );
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { code: number; expire: string; token: string };
    expect(body.code).toBe(200);
    expect(body.expire).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const row = await env.DB.prepare(
      "SELECT scenarios, version FROM capi_watchers WHERE machine_id = ?",
    )
      .bind("w-reg")
      .first();
    expect(row).toEqual({ scenarios: "a/b", version: "v1.4.6-test" });
    const bad = await call(
      "/v2/watchers/login",
      jsonInit("POST", { machine_id: "w-reg", password: "nope" }, AGENT_UA),
    );
    expect(bad.status).toBe(403);
    expect(await bad.json()).toEqual({ message: "incorrect Username or Password" });
  });

  it("keeps watchers apart from LAPI machines: a watcher token is no machine token", async () => {
    const token = await capiToken("w-apart");
    const r = await call("/v1/alerts", { headers: auth(token) });
    expect(r.status).toBe(401);
    const row = await env.DB.prepare("SELECT 1 FROM machines WHERE machine_id = 'w-apart'").first();
    expect(row).toBeNull();
  });
});

describe("consensus and the community stream", () => {
  it("never bans on one reporter, bans once a second one agrees, as origin CAPI", async () => {
    const a = await capiToken("w-cons-a");
    const b = await capiToken("w-cons-b");
    const c = await capiToken("w-cons-c");
    expect((await pullV2(c, true)).new.filter((d) => d.value === "203.0.113.10")).toEqual([]);
    for (let i = 0; i < 5; i++) {
      expect(await push(a, [signal("203.0.113.10")])).toEqual({ status: 200, body: "OK" });
    }
    expect(values((await pullV2(c, false)).new)).not.toContain("203.0.113.10");
    await push(b, [signal("203.0.113.10", "crowdsecurity/ssh-slow-bf")]);
    const delta = await pullV2(c, false);
    const got = delta.new.find((d) => d.value === "203.0.113.10");
    expect(got).toMatchObject({ origin: "CAPI", scope: "Ip", type: "ban" });
    expect(["crowdsecurity/ssh-bf", "crowdsecurity/ssh-slow-bf"]).toContain(got!.scenario);
    expect(got!.duration).toMatch(/^2[34]h\d+m\d+s$/);
    // The next delta is empty for this watcher; a startup pull carries it again.
    expect(values((await pullV2(c, false)).new)).not.toContain("203.0.113.10");
    expect(values((await pullV2(c, true)).new)).toContain("203.0.113.10");
  });

  it("serves v3 groups by scenario and scope, with links.blocklists", async () => {
    const a = await capiToken("w-v3-a");
    const b = await capiToken("w-v3-b");
    for (const t of [a, b]) await push(t, [signal("2001:db8::77", "crowdsecurity/http-probing")]);
    const r = await call("/v3/decisions/stream?startup=true", { headers: auth(a) });
    const body = (await r.json()) as {
      new: { scenario: string; scope: string; decisions: { value: string; duration: string }[] }[];
      deleted: unknown[];
      links: { blocklists: unknown[] };
    };
    const group = body.new.find((g) => g.scenario === "crowdsecurity/http-probing");
    expect(group?.scope).toBe("Ip");
    expect(group?.decisions.map((d) => d.value)).toContain("2001:db8::77");
    expect(body.links).toEqual({ blocklists: [] });
  });

  it("ignores ranges and other scopes, and canonicalises addresses", async () => {
    const a = await capiToken("w-scope-a");
    const b = await capiToken("w-scope-b");
    for (const t of [a, b]) {
      await push(t, [
        signal("198.51.100.0/24", "x/y", "Range"),
        signal("AS64500", "x/y", "AS"),
        signal("2001:DB8:0:0::99", "x/y", "ip"),
      ]);
    }
    const got = values((await pullV2(a, true)).new);
    const listed = await call("/admin/v1/capi/watchers", { headers: ADMIN });
    const rows = (await listed.json()) as { machine_id: string; signals_in_window: number }[];
    // Three signals sent by each, one of which (the Ip) the consensus keeps.
    expect(rows.find((w) => w.machine_id === "w-scope-a")?.signals_in_window).toBe(1);
    expect(got).not.toContain("198.51.100.0/24");
    expect(got).not.toContain("AS64500");
    expect(got).toContain("2001:db8::99");
  });

  it("lets allow-lists win: never published, and retracted once allow-listed", async () => {
    const a = await capiToken("w-allow-a");
    const b = await capiToken("w-allow-b");
    const list = await call("/admin/v1/allowlists", jsonInit("POST", { name: "capi-al" }, ADMIN));
    expect(list.status).toBe(201);
    const add = (v: string) =>
      call("/admin/v1/allowlists/capi-al/items", jsonInit("POST", { values: [v] }, ADMIN));
    expect((await add("192.0.2.0/28")).status).toBeLessThan(300);
    for (const t of [a, b]) await push(t, [signal("192.0.2.5"), signal("192.0.2.200")]);
    const first = values((await pullV2(a, true)).new);
    expect(first).not.toContain("192.0.2.5");
    expect(first).toContain("192.0.2.200");
    expect((await add("192.0.2.200")).status).toBeLessThan(300);
    const next = await pullV2(b, false);
    expect(values(next.new)).not.toContain("192.0.2.200");
    expect(values(next.deleted)).toContain("192.0.2.200");
    expect(values((await pullV2(a, false)).deleted)).toContain("192.0.2.200");
  });

  it("refuses malformed signals with 400 and stores nothing", async () => {
    const a = await capiToken("w-bad");
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM capi_signals").first();
    for (const body of [[{ scenario: "" }], [{ ...signal("192.0.2.9"), source: null }], {}]) {
      const r = await push(a, body as unknown[]);
      expect(r.status).toBe(400);
      expect((r.body as { message: string }).message).toMatch(/^signals: /);
    }
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM capi_signals").first()).toEqual(before);
  });

  it("stores 1.4.6 metrics and refuses a body of another shape", async () => {
    const a = await capiToken("w-metrics");
    const ok = await call(
      "/v2/metrics",
      jsonInit("POST", { apil_version: "v1.4.6", bouncers: [], machines: [] }, auth(a)),
    );
    expect(ok.status).toBe(200);
    const bad = await call("/v2/metrics", jsonInit("POST", { machines: 1 }, auth(a)));
    expect(bad.status).toBe(400);
  });
});

describe("configuration", () => {
  const base = { ...env, CAPI_SERVER: "on" } as unknown as Env;
  it("refuses a rule that lets one reporter ban, or an unknown mode", () => {
    expect(() => loadConfig({ ...base, CAPI_CONSENSUS_MIN_REPORTERS: "1" })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, CAPI_CONSENSUS_MIN_REPORTERS: "1" })).toThrow(
      /one reporter/,
    );
    expect(() => loadConfig({ ...base, CAPI_SERVER: "yes" })).toThrow(/CAPI_SERVER/);
    expect(loadConfig({ ...base, CAPI_CONSENSUS_MIN_REPORTERS: "3" }).capi.consensus).toEqual({
      minReporters: 3,
      windowMs: 86_400_000,
    });
  });
});

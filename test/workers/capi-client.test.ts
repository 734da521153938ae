import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import {
  type CapiClientDeps,
  capiClientConfig,
  runCapiClient,
} from "../../src/lapi/capi-client/sync";
import type { Env } from "../../src/lapi/env";
import { alert, auth, decision, mustPost } from "./alerts-fixtures";
import { AGENT_UA, BASE, call, capiToken, jsonInit } from "./helpers";

/**
 * The Central API client (src/lapi/capi-client) against this same Worker's Central API server:
 * register, share by CrowdSec's rules, pull the consensus as origin CAPI, no duplicates when a
 * pull is repeated (a restart), deletions propagate.
 */

const worker = (exports as unknown as { default: Fetcher }).default;
const HASH = "4441dcff07020f6690d998b7101e642359ba405c2abb83565bbbdcee36de280f";

function deps(): CapiClientDeps {
  return {
    db: openDb(env.DB),
    fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
      worker.fetch(new Request(input, init))) as typeof fetch,
    config: { url: `${BASE}/`, sharing: { shareManual: false }, pullIntervalMs: 0 },
    userAgent: "crowdsec/v1.4.6-rampart",
  };
}

async function capiDecisions(value: string) {
  const r = await env.DB.prepare(
    "SELECT value, scenario, origin FROM decisions WHERE origin = 'CAPI' AND value = ? AND until > ?",
  )
    .bind(value, Date.now())
    .all();
  return r.results;
}

async function signalsOf(value: string) {
  const r = await env.DB.prepare("SELECT COUNT(*) AS n FROM capi_signals WHERE value = ?")
    .bind(value)
    .first<{ n: number }>();
  return r!.n;
}

describe("Central API client", () => {
  it("registers, shares hub alerts only, pulls CAPI decisions once, and expires retracted ones", async () => {
    const headers = await auth("capi-client-agent");
    const hub = { scenario: "crowdsecurity/ssh-bf", scenario_hash: HASH, scenario_version: "0.1" };
    await mustPost(headers, [
      alert({ ...hub, source: { scope: "Ip", value: "203.0.113.77" } }),
      alert({ scenario: "my/custom", source: { scope: "Ip", value: "203.0.113.78" } }),
      alert({
        ...hub,
        source: { scope: "Ip", value: "203.0.113.79" },
        decisions: [decision({ value: "203.0.113.79" })],
      }),
      alert({ ...hub, scenario_version: "?", source: { scope: "Ip", value: "203.0.113.80" } }),
    ]);

    const first = await runCapiClient(deps(), Date.now());
    expect(first).toMatchObject({ registered: true, pushed: 1, added: 0 });
    expect(await signalsOf("203.0.113.77")).toBe(1);
    for (const v of ["203.0.113.78", "203.0.113.79", "203.0.113.80"]) {
      expect(await signalsOf(v), v).toBe(0);
    }
    // Nothing new to push on the next run.
    expect((await runCapiClient(deps(), Date.now())).pushed).toBe(0);

    const peer = await capiToken("capi-client-peer");
    const pushed = await call(
      "/v2/signals",
      jsonInit(
        "POST",
        [{ scenario: "crowdsecurity/ssh-bf", source: { scope: "Ip", value: "203.0.113.77" } }],
        { Authorization: `Bearer ${peer}`, ...AGENT_UA },
      ),
    );
    expect(pushed.status).toBe(200);

    const second = await runCapiClient(deps(), Date.now());
    expect(second).toMatchObject({ registered: false, added: 1 });
    expect(await capiDecisions("203.0.113.77")).toEqual([
      { value: "203.0.113.77", scenario: "crowdsecurity/ssh-bf", origin: "CAPI" },
    ]);

    // A restart that forgets the pull position asks for a startup pull: nothing is stored twice.
    await env.DB.prepare("UPDATE capi_client_state SET last_pull = NULL").run();
    expect((await runCapiClient(deps(), Date.now())).added).toBe(0);
    expect(await capiDecisions("203.0.113.77")).toHaveLength(1);

    // The central API retracts it (what an allow-list there does; adding one here would also
    // clear the local copy, the two sharing one database), after this watcher's last pull: the
    // next pull expires the local copy.
    await env.DB.prepare(
      `UPDATE capi_community_decisions SET deleted_at = (SELECT MAX(last_pull) FROM capi_watchers) + 1
       WHERE value = '203.0.113.77'`,
    ).run();
    const third = await runCapiClient(deps(), Date.now());
    expect(third.expired).toBe(1);
    expect(await capiDecisions("203.0.113.77")).toEqual([]);
  });

  it("is off by default and refuses a bad URL", () => {
    const base = env as unknown as Env;
    expect(capiClientConfig({ ...base, CAPI_CLIENT: "off" })).toBeNull();
    expect(capiClientConfig({ ...base, CAPI_CLIENT: "on" })?.url).toBe("https://api.crowdsec.net/");
    expect(() => capiClientConfig({ ...base, CAPI_CLIENT: "on", CAPI_CLIENT_URL: "nope" })).toThrow(
      /CAPI_CLIENT_URL/,
    );
  });
});

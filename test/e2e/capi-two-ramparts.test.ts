/**
 * Issue 14 acceptance (Central API client): two Rampart LAPIs under `wrangler dev`, the second
 * (`CAPI_CLIENT=on`) using the first (`CAPI_SERVER=on`) as its central API. The client's cron
 * (fired through `--test-scheduled`) registers, pushes the signal of a local hub-scenario alert,
 * and once a second reporter agrees pulls the community decision as origin `CAPI`; a restart
 * stores nothing twice, and a retraction on the central side propagates.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oracleFor } from "../oracle/crowdsec-config.js";
import { machineLogin } from "../oracle/lapi-client.js";
import { waitFor } from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";

// Needs no CrowdSec binary, but runs where the other LAPI e2e suites run (the same prerequisites).
const { skip } = oracleFor("Central API client e2e (two Rampart deployments)");
const ATTACKER = "203.0.113.91";
const HASH = "4441dcff07020f6690d998b7101e642359ba405c2abb83565bbbdcee36de280f";
const UA = { "User-Agent": "crowdsec/v1.4.6-e2e" };

describe.skipIf(skip)("a Rampart deployment using another as its Central API", () => {
  let central: RampartDev;
  let client: RampartDev;
  let bouncerKey: string;

  beforeAll(async () => {
    central = await startRampartDev({ vars: { CAPI_SERVER: "on" } });
    client = await startRampartDev({
      testScheduled: true,
      vars: { CAPI_CLIENT: "on", CAPI_CLIENT_URL: central.url, CAPI_CLIENT_PULL_INTERVAL: "0s" },
    });
  }, 400_000);

  afterAll(async () => {
    await client?.stop();
    await central?.stop();
  });

  const diagnostics = () =>
    [central, client]
      .map(
        (r, i) =>
          `--- rampart ${i}\n${r
            .logs()
            .split("\n")
            .filter((l) => !l.includes("/admin/v1/"))
            .join("\n")
            .slice(-3000)}`,
      )
      .join("\n");
  const watchers = async () =>
    (await central.admin("GET", "/admin/v1/capi/watchers")).body as {
      machine_id: string;
      signals_in_window: number;
      last_pull: string | null;
    }[];
  const capiDecisions = async () => {
    const res = await fetch(new URL(`v1/decisions?ip=${ATTACKER}`, client.url), {
      headers: { "X-Api-Key": bouncerKey },
    });
    const body = ((await res.json()) as { origin: string; value: string }[] | null) ?? [];
    return body.filter((d) => d.origin === "CAPI");
  };
  /** Fires the client's cron and waits until its central API saw a pull that started later. */
  async function cron() {
    const before = Date.now();
    const res = await fetch(new URL("cdn-cgi/handler/scheduled", client.url));
    expect(res.status).toBe(200);
    await waitFor(
      "the client's pull",
      async () => {
        const w = (await watchers())[0];
        return w?.last_pull && Date.parse(w.last_pull) >= before - 1000 ? w : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, diagnostics },
    );
  }

  it("pushes signals up, brings the community list down, no duplicates, deletions propagate", async () => {
    await client.addMachine("agent", "agent-password-0123456789");
    bouncerKey = await client.addBouncer("bouncer");
    const token = await machineLogin(client.url, "agent", "agent-password-0123456789");
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const alert = {
      capacity: 5,
      events: [],
      events_count: 6,
      leakspeed: "10s",
      message: `Ip ${ATTACKER} performed 'crowdsecurity/ssh-bf' (6 events over 5s)`,
      scenario: "crowdsecurity/ssh-bf",
      scenario_hash: HASH,
      scenario_version: "0.1",
      simulated: false,
      source: { scope: "Ip", value: ATTACKER, ip: ATTACKER },
      start_at: now,
      stop_at: now,
    };
    const posted = await fetch(new URL("v1/alerts", client.url), {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...UA },
      body: JSON.stringify([alert]),
    });
    expect(posted.status).toBe(201);

    await cron();
    const [me] = await watchers();
    expect(me!.signals_in_window).toBe(1);
    expect(await capiDecisions()).toEqual([]);

    // A second reporter agrees (straight through the central API's /v2 routes).
    const reg = await fetch(new URL("v2/watchers", central.url), {
      method: "POST",
      headers: { "Content-Type": "application/json", ...UA },
      body: JSON.stringify({ machine_id: "peer", password: "peer-password-0123" }),
    });
    expect(reg.status).toBe(200);
    const login = await fetch(new URL("v2/watchers/login", central.url), {
      method: "POST",
      headers: { "Content-Type": "application/json", ...UA },
      body: JSON.stringify({ machine_id: "peer", password: "peer-password-0123", scenarios: [] }),
    });
    const peer = ((await login.json()) as { token: string }).token;
    const signal = await fetch(new URL("v2/signals", central.url), {
      method: "POST",
      headers: { Authorization: `Bearer ${peer}`, "Content-Type": "application/json", ...UA },
      body: JSON.stringify([{ ...alert, source: { scope: "Ip", value: ATTACKER } }]),
    });
    expect(signal.status).toBe(200);

    await cron();
    const pulled = await capiDecisions();
    expect(pulled.map((d) => d.value)).toEqual([ATTACKER]);

    // A restart of the client, then another run: still one CAPI decision.
    await client.pause();
    await client.resume();
    await cron();
    expect(await capiDecisions()).toHaveLength(1);

    // The central operator allow-lists the address: the retraction reaches the client.
    expect((await central.admin("POST", "/admin/v1/allowlists", { name: "ops" })).status).toBe(201);
    const item = await central.admin("POST", "/admin/v1/allowlists/ops/items", {
      values: [ATTACKER],
    });
    expect(item.status).toBeLessThan(300);
    await cron();
    expect(await capiDecisions()).toEqual([]);
    expect(client.logs()).not.toMatch(/capi client:/);
  }, 600_000);
});

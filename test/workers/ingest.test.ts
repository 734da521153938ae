import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import type { CompiledScenario } from "../../src/engine/buckets";
import { ExpectMode } from "../../src/engine/event";
import { runHousekeeping } from "../../src/lapi/housekeeping";
import { deliverOverflows } from "../../src/lapi/ingest/deliver";
import { HubCache } from "../../src/lapi/ingest/hub-cache";
import { loadIngestConfig } from "../../src/lapi/ingest/ingest-config";
import { routeEvents, targetsOf } from "../../src/lapi/ingest/ingest-flow";
import { bucketObject } from "../../src/lapi/ingest/pour-rpc";
import type { WireEvent } from "../../src/shared/ingest-wire";
import { ADMIN, call, jsonInit, machineToken } from "./helpers";
import {
  alertsOf,
  bearer,
  compileFiles,
  HUB,
  hubFile,
  item,
  postEvents,
  postOk,
  register,
  resolved,
  sshFailure,
  wire,
} from "./ingest-support";

const SSH_BF = "hub/scenarios/crowdsecurity/ssh-bf.yaml";
const CDN_WHITELIST = "hub/postoverflows/s01-whitelist/crowdsecurity/cdn-whitelist.yaml";
const T0 = Date.UTC(2023, 2, 1, 10, 0, 0);

/** Reprocess pair written for this test: a trigger whose overflow feeds a second trigger. */
const REPROCESS_A = `type: trigger
name: test/reprocess-a
description: "first stage"
filter: "evt.Meta.log_type == 'test_reprocess'"
groupby: evt.Meta.source_ip
reprocess: true
labels:
  remediation: true
`;
const REPROCESS_B = `type: trigger
name: test/reprocess-b
description: "fed by the overflows of test/reprocess-a"
filter: "evt.Overflow.Alert.Scenario == 'test/reprocess-a'"
groupby: evt.Overflow.Alert.Source.IP
labels:
  remediation: true
`;

async function ingestStats(machineId?: string) {
  const q = machineId ? `?machine_id=${machineId}` : "";
  const r = await call(`/admin/v1/ingest/stats${q}`, { headers: ADMIN });
  expect(r.status).toBe(200);
  return (await r.json()) as { events: number; pours: number; duplicates: number };
}

/** `n` failures from `ip`, 1 s apart from `start`, ids `<prefix>/<i>`. */
function failures(prefix: string, ip: string, n: number, start = T0, mode?: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}/${i}`,
    time: start + i * 1000,
    event: sshFailure(ip, start + i * 1000, mode === undefined ? {} : { mode }),
  }));
}

describe.skipIf(!HUB)("POST /v1/rampart/events with the Debian ssh-bf scenarios", () => {
  let token: string;
  let scenarios: CompiledScenario[];

  /** The hub every machine of this file registers (each machine's registry is its own). */
  const hub = async () => ({
    scenarios: [
      await item("crowdsecurity/ssh-bf", hubFile(SSH_BF)),
      await item("test/reprocess-a", REPROCESS_A),
      await item("test/reprocess-b", REPROCESS_B),
    ],
    postoverflows: [
      await item("crowdsecurity/cdn-whitelist", hubFile(CDN_WHITELIST), {
        stage: "s01-whitelist",
      }),
    ],
    data: { "cloudflare_ips.txt": hubFile("data/cloudflare_ips.txt") },
  });

  beforeAll(async () => {
    token = await machineToken("ingest-agent");
    const r = await register(token, await hub());
    expect(r.status).toBe(200);
    scenarios = await compileFiles([
      { name: "crowdsecurity/ssh-bf", content: hubFile(SSH_BF) },
      { name: "test/reprocess-a", content: REPROCESS_A },
      { name: "test/reprocess-b", content: REPROCESS_B },
    ]);
  });

  it("raises one ssh-bf alert on the 6th failure, stored with the posting machine", async () => {
    const ip = "198.51.100.7";
    const result = await postOk(token, wire(scenarios, failures("ingest-agent/r/a", ip, 6)));
    expect(result).toMatchObject({ accepted: 6, duplicates: 0, overflows: 1 });
    expect(result.alerts).toHaveLength(1);
    const alerts = await alertsOf("crowdsecurity/ssh-bf");
    expect(alerts.filter((a) => a.source_value === ip)).toEqual([
      expect.objectContaining({
        id: Number(result.alerts[0]),
        machine_id: "ingest-agent",
        source_scope: "Ip",
        source_value: ip,
        events_count: 6,
        start_at: "2023-03-01T10:00:00Z",
        stop_at: "2023-03-01T10:00:05Z",
      }),
    ]);
    // storeAlerts applied the (default) profiles: remediation alert on an Ip → ban.
    const decisions = await env.DB.prepare(
      "SELECT type, scope, value FROM decisions WHERE alert_id = ?",
    )
      .bind(Number(result.alerts[0]))
      .all();
    expect(decisions.results).toEqual([{ type: "ban", scope: "Ip", value: ip }]);
  });

  it("pours a gzip body like a plain one", async () => {
    const ip = "198.51.100.8";
    const r = await postEvents(token, wire(scenarios, failures("ingest-agent/r/gz", ip, 6)), {
      gzip: true,
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ accepted: 6, overflows: 1 });
    expect((await alertsOf("crowdsecurity/ssh-bf")).some((a) => a.source_value === ip)).toBe(true);
  });

  it("answers 409 for a scenario hash that is not registered, pouring nothing", async () => {
    const before = await ingestStats();
    const events = wire(scenarios, failures("ingest-agent/r/stale", "198.51.100.9", 2));
    const stale = events.map((e) => ({
      ...e,
      buckets: e.buckets.map((b) => ({ ...b, hash: "0".repeat(64) })),
    }));
    const r = await postEvents(token, [...events, ...stale]);
    expect(r.status).toBe(409);
    expect(await r.json()).toEqual({
      message: `unknown scenario crowdsecurity/ssh-bf (hash ${"0".repeat(64)}): register the hub first`,
    });
    expect(await ingestStats()).toEqual(before);
  });

  it("refuses a batch with a malformed event with 400 and pours none of its events", async () => {
    const before = await ingestStats();
    const events = wire(scenarios, failures("ingest-agent/r/bad", "198.51.100.10", 3));
    const broken = { ...events[2]!, event: { ...events[2]!.event, Meta: { source_ip: 7 } } };
    const r = await postEvents(token, [events[0]!, events[1]!, broken]);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toMatch(/^events\.2\.event\.Meta/);
    const notJson = await call("/v1/rampart/events", jsonInit("POST", "{not json", bearer(token)));
    expect(notJson.status).toBe(400);
    const noTargets = await postEvents(token, [{ ...events[0]!, buckets: [] }]);
    expect(noTargets.status).toBe(400);
    expect(await ingestStats()).toEqual(before);
  });

  it("never pours an (event, bucket) twice when the agent retries a batch", async () => {
    const ip = "198.51.100.11";
    const batch = wire(scenarios, failures("ingest-agent/r/retry", ip, 6));
    const first = await postOk(token, batch);
    const before = await ingestStats("ingest-agent");
    const again = await postOk(token, batch);
    expect(first).toMatchObject({ accepted: 6, duplicates: 0, overflows: 1 });
    expect(again).toEqual({ accepted: 0, duplicates: 6, overflows: 0, alerts: [] });
    const after = await ingestStats("ingest-agent");
    // ssh-bf and ssh-bf_user-enum: two partitions per event.
    expect(after.pours - before.pours).toBe(0);
    expect(after.duplicates - before.duplicates).toBe(12);
    expect(after.events).toBe(before.events);
    expect(
      (await alertsOf("crowdsecurity/ssh-bf")).filter((a) => a.source_value === ip),
    ).toHaveLength(1);
  });

  it("completes a batch whose first attempt died after some objects poured", async () => {
    const config = loadIngestConfig(env);
    const ipA = "198.51.100.12";
    const ipB = "203.0.113.12";
    const batch = wire(scenarios, [
      ...failures("ingest-agent/r/died", ipA, 6),
      ...failures("ingest-agent/r/died-b", ipB, 6),
    ]);
    const routed = routeEvents(
      await resolved("ingest-agent", batch),
      "ingest-agent",
      new Map(),
      config.shards,
    );
    const [firstObject, request] = [...routed.requests][0]!;
    // The first attempt reached one object (which poured and queued its overflow), then died.
    const partial = await bucketObject(env.BUCKETS, firstObject).pour(request);
    expect(partial.outbox).toHaveLength(1);
    const retry = await postOk(token, batch);
    expect(retry.overflows).toBe(2);
    expect(retry.alerts).toHaveLength(2);
    const alerts = await alertsOf("crowdsecurity/ssh-bf");
    expect(alerts.filter((a) => a.source_value === ipA)).toHaveLength(1);
    expect(alerts.filter((a) => a.source_value === ipB)).toHaveLength(1);
  });

  it("drops an overflow a postoverflow whitelists (cdn-whitelist): no alert", async () => {
    const ip = "173.245.48.10";
    const result = await postOk(token, wire(scenarios, failures("ingest-agent/r/cdn", ip, 6)));
    expect(result).toMatchObject({ accepted: 6, overflows: 1, alerts: [] });
    expect((await alertsOf("crowdsecurity/ssh-bf")).some((a) => a.source_value === ip)).toBe(false);
  });

  it("pours the overflow of a reprocess scenario again (its overflow raises a second alert)", async () => {
    const ip = "198.51.100.13";
    const evt = sshFailure(ip, T0);
    evt.Meta.log_type = "test_reprocess";
    const result = await postOk(
      token,
      wire(scenarios, [{ id: "ingest-agent/r/reprocess/0", time: T0, event: evt }]),
    );
    expect(result.overflows).toBe(2);
    expect(result.alerts).toHaveLength(2);
    expect((await alertsOf("test/reprocess-a")).map((a) => a.source_value)).toContain(ip);
    expect((await alertsOf("test/reprocess-b")).map((a) => a.source_value)).toContain(ip);
  });

  it("stores a reprocess chain once when its first delivery died after re-pouring", async () => {
    const config = loadIngestConfig(env);
    const ip = "198.51.100.18";
    const evt = sshFailure(ip, T0);
    evt.Meta.log_type = "test_reprocess";
    const batch = wire(scenarios, [
      { id: "ingest-agent/r/reprocess-died/0", time: T0, event: evt },
    ]);
    const routed = routeEvents(
      await resolved("ingest-agent", batch),
      "ingest-agent",
      new Map(),
      32,
    );
    const [object, request] = [...routed.requests][0]!;
    const { outbox } = await bucketObject(env.BUCKETS, object).pour(request);
    expect(outbox).toHaveLength(1);
    // The first delivery re-poured the overflow event, then died before storing anything.
    const died = deliverOverflows(
      {
        db: openDb(env.DB),
        waitUntil: () => {},
        postoverflows: async () => null,
        now: Date.now(),
        beforeStore: async (reprocess) => {
          const hub = new HubCache();
          const own = await hub.machineScenarios(openDb(env.DB), "ingest-agent");
          const events = reprocess.map(({ entry, event }) => ({
            id: `${entry.id}/reprocess`,
            time: entry.time,
            event,
            buckets: targetsOf(own, event),
          }));
          const again = routeEvents(events, "ingest-agent", new Map(), config.shards);
          for (const [name, r] of again.requests) await bucketObject(env.BUCKETS, name).pour(r);
          throw new Error("the Worker died");
        },
      },
      outbox,
    );
    await expect(died).rejects.toThrow("the Worker died");
    const retry = await postOk(token, batch);
    expect(retry).toMatchObject({ accepted: 0, duplicates: 1, overflows: 2 });
    expect(retry.alerts).toHaveLength(2);
    const count = async (scenario: string) =>
      (await alertsOf(scenario)).filter((a) => a.source_value === ip).length;
    expect({ a: await count("test/reprocess-a"), b: await count("test/reprocess-b") }).toEqual({
      a: 1,
      b: 1,
    });
  });

  it("counts live events out of order: an older event still fills the bucket", async () => {
    // Two agents' events reach the LAPI in another order than they were read: the 6th pour
    // overflows whatever its time, and the older one gets no refill (Go's rate limiter).
    const ip = "198.51.100.14";
    const now = Date.now();
    const late = failures("ingest-agent/r/ooo", ip, 6, now - 10_000, ExpectMode.LIVE);
    const order = [1, 2, 3, 4, 5, 0].map((i) => late[i]!);
    const first = await postOk(token, wire(scenarios, order.slice(0, 5)));
    expect(first.overflows).toBe(0);
    const second = await postOk(token, wire(scenarios, order.slice(5)));
    expect(second.overflows).toBe(1);
    const alert = (await alertsOf("crowdsecurity/ssh-bf")).find((a) => a.source_value === ip);
    expect(alert?.events_count).toBe(6);
  });

  it("shares buckets across machines by default and keeps them apart per machine", async () => {
    const machines = ["ingest-m1", "ingest-m2", "ingest-m3"];
    const tokens = await Promise.all(machines.map((m) => machineToken(m)));
    for (const t of tokens) expect((await register(t, await hub())).status).toBe(200);
    const spread = async (ip: string, tag: string) => {
      const results = [];
      for (const [k, t] of tokens.entries()) {
        const evts = failures(`${machines[k]}/r/${tag}`, ip, 2, T0 + k * 2000);
        results.push(await postOk(t, wire(scenarios, evts)));
      }
      return results;
    };
    // Deployment-wide: 3 machines × 2 failures = 6 in one bucket → exactly one alert.
    const shared = await spread("198.51.100.15", "shared");
    expect(shared.map((r) => r.overflows)).toEqual([0, 0, 1]);
    const alerts = (await alertsOf("crowdsecurity/ssh-bf")).filter(
      (a) => a.source_value === "198.51.100.15",
    );
    expect(alerts).toEqual([expect.objectContaining({ machine_id: "ingest-m3", events_count: 6 })]);

    for (const name of ["ssh-bf", "ssh-bf_user-enum"]) {
      const r = await call(
        `/admin/v1/scenarios/crowdsecurity/${name}`,
        jsonInit("PUT", { buckets: "machine" }, ADMIN),
      );
      expect(r.status).toBe(200);
    }
    try {
      const apart = await spread("198.51.100.16", "apart");
      expect(apart.map((r) => r.overflows)).toEqual([0, 0, 0]);
      expect(
        (await alertsOf("crowdsecurity/ssh-bf")).some((a) => a.source_value === "198.51.100.16"),
      ).toBe(false);
    } finally {
      for (const name of ["ssh-bf", "ssh-bf_user-enum"]) {
        await call(
          `/admin/v1/scenarios/crowdsecurity/${name}`,
          jsonInit("PUT", { buckets: "deployment" }, ADMIN),
        );
      }
    }
  });

  it("reports ledger rows, pours and duplicates per machine", async () => {
    const stats = await call("/admin/v1/ingest/stats?machine_id=ingest-m1", { headers: ADMIN });
    expect(await stats.json()).toMatchObject({ events: 4, pours: 8, duplicates: 0 });
  });

  it("forgets ingested event ids and delivered overflow ids past the retention (housekeeping)", async () => {
    const count = async (table: string) =>
      (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())?.n ?? 0;
    expect(await count("ingested_events")).toBeGreaterThan(0);
    expect(await count("ingest_deliveries")).toBeGreaterThan(0);
    await runHousekeeping(env, Date.now() + 3_600_000);
    expect(await count("ingested_events")).toBeGreaterThan(0);
    const result = await runHousekeeping(env, Date.now() + 25 * 3_600_000);
    expect(result.ingestedEvents).toBeGreaterThan(0);
    expect(await count("ingested_events")).toBe(0);
    expect(await count("ingest_deliveries")).toBe(0);
  });

  it("rejects unauthenticated event batches with 401", async () => {
    const batch: WireEvent[] = wire(scenarios, failures("anon/r/x", "198.51.100.17", 1));
    const r = await call("/v1/rampart/events", jsonInit("POST", { events: batch }));
    expect(r.status).toBe(401);
  });
});

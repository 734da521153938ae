import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import type { CompiledScenario } from "../../src/engine/buckets";
import { ExpectMode } from "../../src/engine/event";
import type { BucketObject } from "../../src/lapi/buckets/bucket-object";
import { bucketObjectName, partitionKey } from "../../src/lapi/ingest/bucket-routing";
import { deliverOverflows } from "../../src/lapi/ingest/deliver";
import { loadIngestConfig } from "../../src/lapi/ingest/ingest-config";
import { routeEvents } from "../../src/lapi/ingest/ingest-flow";
import { bucketObject } from "../../src/lapi/ingest/pour-rpc";
import { metricsObject } from "../../src/lapi/metrics/metrics-object";
import { machineToken } from "./helpers";
import {
  alertsOf,
  compileFiles,
  contentKeyOf,
  HUB,
  hubFile,
  item,
  postOk,
  register,
  resolved,
  sshFailure,
  wire,
} from "./ingest-support";

const SSH_BF = "hub/scenarios/crowdsecurity/ssh-bf.yaml";
const T0 = Date.UTC(2023, 2, 1, 10, 0, 0);
const MACHINE = "bucket-agent";

/** A counter written for this test: counts a source's events for 10 s, then emits them. */
const COUNTER = `type: counter
name: test/counter
description: "counts events per source"
filter: "evt.Meta.log_type == 'test_counter'"
groupby: evt.Meta.source_ip
duration: 10s
capacity: -1
labels:
  remediation: false
`;

/** Content key of ssh-bf in the test machine's hub (set once registered). */
let sshKey = "";

/** The stub of the object holding `ip`'s deployment-wide partitions. */
function objectOf(ip: string) {
  const shards = loadIngestConfig(env).shards;
  const key = partitionKey("crowdsecurity/ssh-bf", ip, sshKey, "deployment", MACHINE);
  const name = bucketObjectName({ key, group: ip, mode: "deployment", machineId: MACHINE }, shards);
  return { name, stub: env.BUCKETS.getByName(name) as DurableObjectStub<BucketObject> };
}

function failures(
  prefix: string,
  ip: string,
  n: number,
  start: number,
  mode: number = ExpectMode.TIMEMACHINE,
) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}/${i}`,
    time: start + i * 1000,
    event: sshFailure(ip, start + i * 1000, { mode }),
  }));
}

function counted(ip: string, n: number, start: number, prefix: string) {
  return failures(prefix, ip, n, start, ExpectMode.LIVE).map((e) => {
    e.event.Meta.log_type = "test_counter";
    return e;
  });
}

/**
 * Moves the object's alarm an hour away, so that only the test's `runDurableObjectAlarm` runs it:
 * the object schedules it one second after a pour, and on a loaded machine that real alarm could
 * otherwise fire (and be aborted, or still be delivering) in the middle of the test.
 */
async function holdAlarm(stub: DurableObjectStub<BucketObject>): Promise<void> {
  await runInDurableObject(stub, (_, state) => state.storage.setAlarm(Date.now() + 3_600_000));
}

describe.skipIf(!HUB)("bucket objects", () => {
  let token: string;
  let scenarios: CompiledScenario[];

  beforeAll(async () => {
    token = await machineToken(MACHINE);
    const r = await register(token, {
      scenarios: [
        await item("crowdsecurity/ssh-bf", hubFile(SSH_BF)),
        await item("test/counter", COUNTER),
      ],
    });
    expect(r.status).toBe(200);
    sshKey = await contentKeyOf(MACHINE, "crowdsecurity/ssh-bf");
    scenarios = await compileFiles([
      { name: "crowdsecurity/ssh-bf", content: hubFile(SSH_BF) },
      { name: "test/counter", content: COUNTER },
    ]);
  });

  /** Posts the events one request each; returns the index of the event that overflowed. */
  async function overflowIndex(
    events: ReturnType<typeof failures>,
    between?: (i: number) => Promise<void>,
  ): Promise<number[]> {
    const at: number[] = [];
    for (const [i, e] of events.entries()) {
      await between?.(i);
      const r = await postOk(token, wire(scenarios, [e]));
      if (r.overflows > 0) at.push(i);
    }
    return at;
  }

  it("keeps a bucket's count across an eviction: it overflows at the same event", async () => {
    const plain = await overflowIndex(failures(`${MACHINE}/r/plain`, "198.51.100.30", 8, T0));
    const { stub } = objectOf("198.51.100.31");
    const evicted = await overflowIndex(
      failures(`${MACHINE}/r/evicted`, "198.51.100.31", 8, T0),
      async (i) => {
        if (i !== 3) return;
        await runInDurableObject(stub, (instance) => {
          (instance as unknown as { marker: number }).marker = 1;
        });
        // Drops every in-memory object; storage stays (what an eviction or a restart does).
        await abortAllDurableObjects();
        // A stub of the aborted instance is broken; a new stub reaches a fresh instance.
        const marker = await runInDurableObject(
          objectOf("198.51.100.31").stub,
          (instance) => (instance as unknown as { marker?: number }).marker,
        );
        expect(marker).toBeUndefined();
      },
    );
    expect(plain).toEqual([5]);
    expect(evicted).toEqual(plain);
    const alert = (await alertsOf("crowdsecurity/ssh-bf")).find(
      (a) => a.source_value === "198.51.100.31",
    );
    expect(alert?.events_count).toBe(6);
  });

  it("collects idle live instances and old dedup ids in its alarm", async () => {
    const ip = "198.51.100.32";
    const { stub } = objectOf(ip);
    const old = Date.now() - 5 * 60_000;
    await postOk(
      token,
      wire(scenarios, failures(`${MACHINE}/r/idle`, ip, 2, old, ExpectMode.LIVE)),
    );
    await holdAlarm(stub);
    const before = await bucketObject(env.BUCKETS, objectOf(ip).name).stats();
    expect(before.instances).toBeGreaterThanOrEqual(2);
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec(
        "INSERT INTO poured_events (event_id, at) VALUES ('ancient', ?)",
        Date.now() - 3 * 86_400_000,
      );
    });
    const metrics = metricsObject(env.METRICS);
    const sum = async (name: string) =>
      (await metrics.snapshot()).filter((d) => d.name === name).reduce((n, d) => n + d.value, 0);
    const [underflowedBefore, currentBefore] = [
      await sum("cs_bucket_underflowed_total"),
      await sum("cs_buckets"),
    ];
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    // The collected instances leaked out without overflowing: 1.4.6's "Expired", and gone from
    // the current count (at least this test's two; the object may hold other tests' idle ones).
    expect((await sum("cs_bucket_underflowed_total")) - underflowedBefore).toBeGreaterThanOrEqual(
      2,
    );
    expect((await sum("cs_buckets")) - currentBefore).toBeLessThanOrEqual(-2);
    const left = await runInDurableObject(stub, (_, state) => ({
      buckets: state.storage.sql
        .exec("SELECT key FROM buckets WHERE key LIKE ?", `%${ip}%`)
        .toArray().length,
      ancient: state.storage.sql
        .exec("SELECT 1 FROM poured_events WHERE event_id = 'ancient'")
        .toArray().length,
      recent: state.storage.sql
        .exec("SELECT 1 FROM poured_events WHERE event_id LIKE ?", `${MACHINE}/r/idle/%`)
        .toArray().length,
    }));
    // One dedup id per (event, object): both events' two partitions live in this object.
    expect(left).toEqual({ buckets: 0, ancient: 0, recent: 2 });
  });

  it("turns a live counter's timed overflow into an alert when the alarm collects it", async () => {
    const ip = "198.51.100.33";
    const { stub } = objectOf(ip);
    const start = Date.now() - 60_000;
    const r = await postOk(token, wire(scenarios, counted(ip, 3, start, `${MACHINE}/r/count`)));
    expect(r.overflows).toBe(0);
    await holdAlarm(stub);
    await runDurableObjectAlarm(stub);
    const alerts = (await alertsOf("test/counter")).filter((a) => a.source_value === ip);
    expect(alerts).toEqual([
      expect.objectContaining({ machine_id: MACHINE, events_count: 3, source_scope: "Ip" }),
    ]);
  });

  it("still emits a counter's timed overflow after its file was replaced by a new version", async () => {
    const ip = "198.51.100.37";
    const start = Date.now() - 60_000;
    await postOk(token, wire(scenarios, counted(ip, 2, start, `${MACHINE}/r/count-upgrade`)));
    await holdAlarm(objectOf(ip).stub);
    // The agent upgrades the file (another hash); the object restarts and forgot the old one.
    const upgraded = `# v2\n${COUNTER}`;
    const r = await register(token, { scenarios: [await item("test/counter", upgraded)] });
    expect(r.status).toBe(200);
    await abortAllDurableObjects();
    try {
      await runDurableObjectAlarm(objectOf(ip).stub);
      const alerts = (await alertsOf("test/counter")).filter((a) => a.source_value === ip);
      expect(alerts.map((a) => a.events_count)).toEqual([2]);
    } finally {
      await register(token, { scenarios: [await item("test/counter", COUNTER)] });
    }
  });

  it("emits a live counter's timed overflow before pouring a later event into it", async () => {
    const ip = "198.51.100.34";
    const { stub } = objectOf(ip);
    const start = Date.now() - 60_000;
    await postOk(token, wire(scenarios, counted(ip, 3, start, `${MACHINE}/r/count2`)));
    await runInDurableObject(stub, (_, state) => state.storage.deleteAlarm());
    const later = counted(ip, 1, Date.now(), `${MACHINE}/r/count2-later`);
    const r = await postOk(token, wire(scenarios, later));
    expect(r.overflows).toBe(1);
    const alerts = (await alertsOf("test/counter")).filter((a) => a.source_value === ip);
    expect(alerts.map((a) => a.events_count)).toEqual([3]);
  });

  it("stores an overflow once when the first delivery stored it but never acknowledged it", async () => {
    const ip = "198.51.100.35";
    const batch = wire(scenarios, failures(`${MACHINE}/r/noack`, ip, 6, T0));
    const routed = routeEvents(await resolved(MACHINE, batch), MACHINE, new Map(), 32);
    const [name, request] = [...routed.requests][0]!;
    const poured = await bucketObject(env.BUCKETS, name).pour(request);
    expect(poured.outbox).toHaveLength(1);
    // The first request stored the alert, then died before acknowledging it to the object.
    const first = await deliverOverflows(
      { db: openDb(env.DB), waitUntil: () => {}, postoverflows: async () => null, now: Date.now() },
      poured.outbox,
    );
    expect(first.alertIds).toHaveLength(1);
    const retry = await postOk(token, batch);
    expect(retry).toMatchObject({ accepted: 0, duplicates: 6, overflows: 1, alerts: [] });
    expect(
      (await alertsOf("crowdsecurity/ssh-bf")).filter((a) => a.source_value === ip),
    ).toHaveLength(1);
    expect((await bucketObject(env.BUCKETS, name).stats()).pendingOverflows).toBe(0);
  });

  it("delivers from its alarm an overflow whose request died before storing it", async () => {
    const ip = "198.51.100.36";
    const batch = wire(scenarios, failures(`${MACHINE}/r/orphan`, ip, 6, T0));
    const routed = routeEvents(await resolved(MACHINE, batch), MACHINE, new Map(), 32);
    const [name, request] = [...routed.requests][0]!;
    expect((await bucketObject(env.BUCKETS, name).pour(request)).outbox).toHaveLength(1);
    const stub = env.BUCKETS.getByName(name);
    // The lease of the dead request runs out.
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec("UPDATE outbox SET leased_until = 0");
    });
    await runDurableObjectAlarm(stub);
    const alerts = (await alertsOf("crowdsecurity/ssh-bf")).filter((a) => a.source_value === ip);
    expect(alerts).toEqual([expect.objectContaining({ machine_id: MACHINE, events_count: 6 })]);
    expect((await bucketObject(env.BUCKETS, name).stats()).pendingOverflows).toBe(0);
  });

  it("has a later request to the object deliver a dead request's overflow, without counting it", async () => {
    const ip = "198.51.100.38";
    const batch = wire(scenarios, failures(`${MACHINE}/r/orphan2`, ip, 6, T0));
    const routed = routeEvents(await resolved(MACHINE, batch), MACHINE, new Map(), 32);
    const [name, request] = [...routed.requests][0]!;
    expect((await bucketObject(env.BUCKETS, name).pour(request)).outbox).toHaveLength(1);
    await runInDurableObject(env.BUCKETS.getByName(name), (_, state) => {
      state.storage.sql.exec("UPDATE outbox SET leased_until = 0");
    });
    // Another event of the same source, a minute later: same object, no overflow of its own.
    const later = wire(scenarios, failures(`${MACHINE}/r/orphan2-later`, ip, 1, T0 + 60_000));
    const r = await postOk(token, later);
    expect(r).toMatchObject({ accepted: 1, overflows: 0, alerts: [] });
    let alerts: Awaited<ReturnType<typeof alertsOf>> = [];
    for (let i = 0; i < 50 && alerts.length === 0; i++) {
      alerts = (await alertsOf("crowdsecurity/ssh-bf")).filter((a) => a.source_value === ip);
      if (alerts.length === 0) await new Promise((done) => setTimeout(done, 100));
    }
    expect(alerts).toEqual([expect.objectContaining({ machine_id: MACHINE, events_count: 6 })]);
  });

  it("stores an overflow once when two deliverers race on it", async () => {
    const ip = "198.51.100.39";
    const batch = wire(scenarios, failures(`${MACHINE}/r/race`, ip, 6, T0));
    const routed = routeEvents(await resolved(MACHINE, batch), MACHINE, new Map(), 32);
    const [name, request] = [...routed.requests][0]!;
    const { outbox } = await bucketObject(env.BUCKETS, name).pour(request);
    expect(outbox).toHaveLength(1);
    const deps = {
      db: openDb(env.DB),
      waitUntil: () => {},
      postoverflows: async () => null,
      now: Date.now(),
    };
    const [a, b] = await Promise.all([
      deliverOverflows(deps, outbox),
      deliverOverflows(deps, outbox),
    ]);
    expect([...a.delivered, ...b.delivered]).toEqual([outbox[0]!.id, outbox[0]!.id]);
    expect(a.alertIds.length + b.alertIds.length).toBe(1);
    expect(
      (await alertsOf("crowdsecurity/ssh-bf")).filter((x) => x.source_value === ip),
    ).toHaveLength(1);
  });
});

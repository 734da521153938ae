import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/bouncer/env";
import { createBouncerWorker, STORE_NAME } from "../../src/bouncer/handler";
import { addDecisions, env, resetLapi, status, syncNow, visit } from "./helpers";

/** `n` distinct IPv4 addresses in 10.64.0.0/10 plus a few IPv6 ones. */
function many(n: number, offset = 0) {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    return {
      value:
        i % 10 === 9
          ? `2001:db8:5::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`
          : `10.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
    };
  });
}

describe("snapshot lifecycle in the Durable Object", () => {
  it("starts the sync loop from the cron trigger", async () => {
    await resetLapi();
    await addDecisions([{ value: "203.0.113.200" }]);
    const worker = createBouncerWorker();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env as Env, ctx);
    await waitOnExecutionContext(ctx);
    const store = env.DECISIONS.getByName(STORE_NAME);
    const s = await store.status();
    expect(s.version).toBeGreaterThan(0);
    expect(s.decisions).toBe(1);
    expect(s.syncs).toBeGreaterThanOrEqual(1);
    expect((await visit("http://site.test/", "203.0.113.200")).status).toBe(403);
  });

  it("serves a snapshot larger than one chunk to a new isolate", async () => {
    await resetLapi();
    await addDecisions(many(70_000));
    // The test LAPI forgot its last pull, so this delta lists every active decision.
    const report = await syncNow();
    expect(report.ok).toBe(true);
    const store = (await status()).store as { snapshotBytes?: number; decisions: number };
    expect(store.decisions).toBeGreaterThanOrEqual(70_000);
    expect(store.snapshotBytes).toBeGreaterThan(1 << 20);
    // A fresh isolate loads all chunks and enforces from them.
    const fresh = createBouncerWorker();
    const probe = async (ip: string) => {
      const ctx = createExecutionContext();
      const res = await fresh.fetch(
        new Request("http://site.test/", { headers: { "CF-Connecting-IP": ip } }),
        env as Env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res.status;
    };
    expect(await probe("10.64.0.5")).toBe(403);
    expect(await probe("10.65.17.29")).toBe(403);
    expect(await probe(many(1, 69_999)[0]!.value)).toBe(403);
    expect(fresh.runtime()!.replica.matcher!.base.decisions).toBe(store.decisions);
    expect(await probe("10.127.0.1")).toBe(200);
    expect(fresh.runtime()!.replica.loads).toBe(1);
  });

  it("folds a long change log into a new snapshot version that isolates pick up", async () => {
    const before = await status();
    await addDecisions(many(4_000, 100_000));
    const report = (await syncNow()) as { compacted?: boolean; added: number; version: number };
    expect(report.added).toBe(4_000);
    expect(report.compacted).toBe(true);
    const after = await status();
    expect(after.store.version).toBe(before.store.version + 1);
    expect(after.isolate.version).toBe(after.store.version);
    expect(after.isolate.overlay).toBe(0);
    const last = many(1, 103_999)[0]!.value;
    expect((await visit("http://site.test/", last)).status).toBe(403);
    expect((await visit("http://site.test/", "10.64.0.5")).status).toBe(403);
  });
});

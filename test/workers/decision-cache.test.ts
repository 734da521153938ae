import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import { DecisionCache } from "../../src/lapi/decision-cache";
import { parseBouncerFilter } from "../../src/lapi/routes/decisions-read";
import { parseIpOrRange } from "../../src/shared/ip-range";
import { seedDecisions } from "./seed";

const HOUR = 3_600_000;
const filter = parseBouncerFilter(new URLSearchParams(), false);

/** Runs a lookup, waiting for any background load it started. */
async function lookup(cache: DecisionCache, ip: string, now = Date.now()) {
  const pending: Promise<unknown>[] = [];
  const rows = await cache.lookup(openDb(env.DB), parseIpOrRange(ip)!, filter, now, (p) =>
    pending.push(p),
  );
  await Promise.all(pending);
  return rows?.map((r) => r.value) ?? null;
}

describe("isolate decision cache", () => {
  it("answers from memory once loaded and follows inserts, updates and hard deletes", async () => {
    const [single, range] = await seedDecisions([
      { value: "198.18.0.1", ttl: HOUR },
      { value: "198.18.0.0/15", scope: "Range", ttl: HOUR },
    ]);
    const cache = new DecisionCache({ refreshMs: 0, maxEntries: 1000 });
    expect(await lookup(cache, "198.18.0.1")).toBeNull();
    expect(await lookup(cache, "198.18.0.1")).toEqual(["198.18.0.1", "198.18.0.0/15"]);
    await seedDecisions([{ value: "198.18.0.2", ttl: HOUR }]);
    expect(await lookup(cache, "198.18.0.2")).toEqual(["198.18.0.0/15", "198.18.0.2"]);
    await env.DB.prepare("UPDATE decisions SET until = ? WHERE id = ?")
      .bind(Date.now() - 1, single)
      .run();
    expect(await lookup(cache, "198.18.0.1")).toEqual(["198.18.0.0/15"]);
    await env.DB.prepare("DELETE FROM decisions WHERE id = ?").bind(range).run();
    expect(await lookup(cache, "198.18.0.1")).toEqual([]);
  });

  it("waits for refreshMs before re-syncing unless marked stale by a write", async () => {
    const cache = new DecisionCache({ refreshMs: 60_000, maxEntries: 1000 });
    const now = Date.now();
    await lookup(cache, "198.19.0.1", now);
    expect(await lookup(cache, "198.19.0.1", now)).toEqual([]);
    await seedDecisions([{ value: "198.19.0.1", ttl: HOUR }]);
    expect(await lookup(cache, "198.19.0.1", now + 10)).toEqual([]);
    cache.markStale();
    expect(await lookup(cache, "198.19.0.1", now + 20)).toEqual(["198.19.0.1"]);
  });

  it("never serves a decision past its expiry, even without a re-sync", async () => {
    const cache = new DecisionCache({ refreshMs: 60_000, maxEntries: 1000 });
    await seedDecisions([{ value: "198.18.5.5", ttl: 5_000 }]);
    const now = Date.now();
    await lookup(cache, "198.18.5.5", now);
    expect(await lookup(cache, "198.18.5.5", now)).toEqual(["198.18.5.5"]);
    expect(await lookup(cache, "198.18.5.5", now + 10_000)).toEqual([]);
  });

  it("gives up caching above maxEntries and lets lookups go to D1", async () => {
    await seedDecisions(
      Array.from({ length: 20 }, (_, i) => ({ value: `198.18.9.${i}`, ttl: HOUR })),
    );
    const cache = new DecisionCache({ refreshMs: 0, maxEntries: 5 });
    await lookup(cache, "198.18.9.1");
    expect(await lookup(cache, "198.18.9.1")).toBeNull();
  });
});

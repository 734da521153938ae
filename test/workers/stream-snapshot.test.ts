import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import { queryStreamPage } from "../../src/db/decisions-read";
import { DecisionCache } from "../../src/lapi/decision-cache";
import { parseBouncerFilter } from "../../src/lapi/routes/decisions-read";
import { snapshotCanServe, streamNewFromSnapshot } from "../../src/lapi/stream-dedup";
import { seedDecisions } from "./seed";

const HOUR = 3_600_000;

describe("stream new list from the isolate snapshot", () => {
  it("equals the SQL answer for every filter and dedup combination", async () => {
    const now = Date.now();
    let seed = 3;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const rows = Array.from({ length: 300 }, () => ({
      value: rand(2) ? `198.51.${rand(3)}.${rand(6)}` : `2001:db8:5::${rand(6)}`,
      type: ["ban", "captcha"][rand(2)],
      origin: ["crowdsec", "cscli", "CAPI"][rand(3)],
      scenario: ["crowdsecurity/ssh-bf", "crowdsecurity/http-probing", "manual"][rand(3)],
      simulated: rand(5) === 0,
      ttl: (rand(10) - 2) * HOUR + rand(1000),
      createdAt: now - rand(4) * 1000,
    }));
    await seedDecisions(rows, now);
    const cache = new DecisionCache({ refreshMs: 0, maxEntries: 10_000 });
    const pending: Promise<unknown>[] = [];
    await cache.snapshot(openDb(env.DB), now, (p) => pending.push(p));
    await Promise.all(pending);
    const snapshot = await cache.snapshot(openDb(env.DB), now, () => {});
    expect(snapshot).not.toBeNull();
    const queries = [
      "",
      "origins=cscli,CAPI",
      "scenarios_containing=http",
      "scenarios_not_containing=ssh",
      "simulated=true",
      "scopes=ip",
      "dedup=false",
      "simulated=true&dedup=false",
    ];
    for (const q of queries) {
      const params = new URLSearchParams(q);
      const filter = parseBouncerFilter(params, true);
      expect(snapshotCanServe(filter)).toBe(true);
      const dedup = params.get("dedup") !== "false";
      for (const createdAfter of [undefined, now - 2500]) {
        const window = { kind: "new" as const, t0: now, createdAfter };
        const sql = await queryStreamPage(openDb(env.DB), filter, window, dedup, 0, 100_000);
        const seen = new Set<string>();
        const sqlIds = sql
          .filter((d) => {
            const k = `${d.value}|${d.type}|${d.scope}`;
            if (dedup && seen.has(k)) return false;
            seen.add(k);
            return true;
          })
          .map((d) => d.id);
        const mine = streamNewFromSnapshot(snapshot!, filter, now, createdAfter, dedup).map(
          (d) => d.id,
        );
        expect(mine, `${q} createdAfter=${createdAfter}`).toEqual(sqlIds);
      }
    }
  });

  it("is not used for scopes outside Ip/Range or for an ip filter", () => {
    const f = (q: string) => parseBouncerFilter(new URLSearchParams(q), true);
    expect(snapshotCanServe(f("scopes=ip,username"))).toBe(false);
    expect(snapshotCanServe(f("ip=1.2.3.4"))).toBe(false);
    expect(snapshotCanServe(f("scopes="))).toBe(false);
  });
});

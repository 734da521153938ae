import { describe, expect, it } from "vitest";
import { createEnrichers } from "../../src/engine/enrich/enrichers.js";
import { newLogEvent } from "../../src/engine/event.js";
import { createReverseDnsCache } from "./reverse-dns.js";

describe("reverse_dns enricher over a background PTR cache", () => {
  it("answers from the cache after the first lookup settles, with Go's trailing dot", async () => {
    let t = 0;
    const asked: string[] = [];
    const cache = createReverseDnsCache({
      now: () => t,
      ttlMs: 1000,
      resolve: async (ip) => {
        asked.push(ip);
        if (ip === "1.2.3.4") return ["host.example.net"];
        throw new Error("ENOTFOUND");
      },
    });
    const enrich = createEnrichers({ reverseDns: cache.reverseDns }).get("reverse_dns")!;
    const evt = newLogEvent({ Raw: "x" });
    expect(enrich("1.2.3.4", evt)).toBeNull();
    await cache.settled();
    expect(enrich("1.2.3.4", evt)).toEqual({ reverse_dns: "host.example.net." });
    expect(enrich("5.6.7.8", evt)).toBeNull();
    await cache.settled();
    expect(enrich("5.6.7.8", evt)).toBeNull();
    expect(asked).toEqual(["1.2.3.4", "5.6.7.8"]);
    t = 2000;
    enrich("1.2.3.4", evt);
    expect(asked).toEqual(["1.2.3.4", "5.6.7.8", "1.2.3.4"]);
  });

  it("is not registered unless a resolver is given", () => {
    expect(createEnrichers().has("reverse_dns")).toBe(false);
  });
});

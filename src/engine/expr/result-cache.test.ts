import { describe, expect, it } from "vitest";
import { CACHE_STRATEGIES, createResultCache } from "./result-cache.js";

describe("result cache (HEAD RegexpCacheInit / gcache)", () => {
  it.each(CACHE_STRATEGIES)("%s never holds more than its size", (strategy) => {
    const cache = createResultCache({ strategy, size: 3, ttlMs: null });
    for (let i = 0; i < 50; i++) {
      cache.set(`k${i % 7}`, i % 2 === 0);
      cache.get(`k${(i * 3) % 5}`);
      expect(cache.size).toBeLessThanOrEqual(3);
    }
  });

  it.each(CACHE_STRATEGIES)(
    "%s returns what was set, and undefined for unknown keys",
    (strategy) => {
      const cache = createResultCache({ strategy, size: 2, ttlMs: null });
      cache.set("a", true);
      cache.set("b", false);
      expect(cache.get("a")).toBe(true);
      expect(cache.get("b")).toBe(false);
      expect(cache.get("c")).toBeUndefined();
    },
  );

  it.each(CACHE_STRATEGIES)("%s forgets an entry once its ttl has passed", (strategy) => {
    let t = 0;
    const cache = createResultCache({ strategy, size: 4, ttlMs: 10_000, now: () => t });
    cache.set("ua", true);
    t = 9_999;
    expect(cache.get("ua")).toBe(true);
    t = 10_000;
    expect(cache.get("ua")).toBeUndefined();
  });

  it("LRU evicts the least recently read entry", () => {
    const cache = createResultCache({ strategy: "LRU", size: 2, ttlMs: null });
    cache.set("a", true);
    cache.set("b", true);
    cache.get("a");
    cache.set("c", true);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(true);
  });

  it("LFU evicts the least often read entry", () => {
    const cache = createResultCache({ strategy: "LFU", size: 2, ttlMs: null });
    cache.set("a", true);
    cache.set("b", true);
    cache.get("b");
    cache.get("b");
    cache.get("a");
    cache.set("c", true);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toBe(true);
    expect(cache.get("c")).toBe(true);
  });

  it("ARC keeps a key read twice over keys seen once (scan resistance)", () => {
    const cache = createResultCache({ strategy: "ARC", size: 3, ttlMs: null });
    cache.set("hot", true);
    cache.get("hot");
    for (let i = 0; i < 10; i++) cache.set(`scan${i}`, false);
    expect(cache.get("hot")).toBe(true);
  });

  it("refuses a size that is not a positive integer (gcache panics on 0)", () => {
    expect(() => createResultCache({ strategy: "LRU", size: 0, ttlMs: null })).toThrow(
      /positive integer/,
    );
  });
});

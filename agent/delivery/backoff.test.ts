import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff.js";

describe("Backoff", () => {
  it("doubles the ceiling per failure up to the maximum and resets after a success", () => {
    const backoff = new Backoff({ minMs: 100, maxMs: 1000, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoff.failures).toBe(6);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it("draws each delay between the minimum and the ceiling (jitter)", () => {
    const draws = [0, 0.5, 0.25];
    const backoff = new Backoff({ minMs: 100, maxMs: 10_000, random: () => draws.shift()! });
    backoff.next();
    backoff.next();
    // Third failure: ceiling 400, a 0.5 draw → 100 + 0.5·300 was the second; 0.25 of 300 now.
    expect(backoff.next()).toBe(100 + 0.25 * 300);
  });

  it("never exceeds the maximum with real randomness", () => {
    const backoff = new Backoff({ minMs: 50, maxMs: 500 });
    for (let i = 0; i < 200; i++) {
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(50);
      expect(delay).toBeLessThanOrEqual(500);
    }
  });
});

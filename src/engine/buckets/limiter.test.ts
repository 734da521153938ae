import { describe, expect, it } from "vitest";
import { allow, newLimiter } from "./limiter.js";

const config = { intervalNs: 10e9, burst: 5 };
const s = (seconds: number) => seconds * 1e6;

describe("token bucket (pkg/time/rate)", () => {
  it("starts full: the burst passes, the next pour at the same instant is refused", () => {
    let state = newLimiter();
    for (let i = 0; i < 5; i++) {
      const r = allow(state, config, s(100));
      expect(r.allowed).toBe(true);
      state = r.state;
    }
    const refused = allow(state, config, s(100));
    expect(refused.allowed).toBe(false);
    expect(refused.state).toBe(state);
  });

  it("refills one token per interval, fractionally", () => {
    let state = newLimiter();
    for (let i = 0; i < 5; i++) state = allow(state, config, s(0)).state;
    expect(allow(state, config, s(9.9)).allowed).toBe(false);
    const later = allow(state, config, s(10));
    expect(later.allowed).toBe(true);
    expect(later.state.tokens).toBeCloseTo(0, 12);
  });

  it("gives no refill to an event older than the last allowed one", () => {
    let state = newLimiter();
    for (let i = 0; i < 5; i++) state = allow(state, config, s(50)).state;
    expect(allow(state, config, s(10)).allowed).toBe(false);
  });

  it("never refills beyond the burst", () => {
    let state = allow(newLimiter(), config, s(0)).state;
    state = allow(state, config, s(10_000)).state;
    expect(state.tokens).toBe(4);
  });

  it("lets a float residue below one nanosecond of debt pass, as Go's Duration truncation does", () => {
    // One pour per 8 s: 4 − 20×0.2 reaches 0 through float sums (−4.4e-16) at the 21st pour,
    // which Go allows; 1.4.6 overflows ssh-bf on the 22nd (checked in buckets-parity).
    let state = newLimiter();
    let allowed = 0;
    for (let i = 0; i < 30; i++) {
      const r = allow(state, config, s(i * 8));
      if (!r.allowed) break;
      allowed++;
      state = r.state;
    }
    expect(allowed).toBe(21);
    expect(state.tokens).toBeLessThan(0);
  });
});

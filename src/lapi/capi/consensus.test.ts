import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkRule, evaluateConsensus, type SignalFact } from "./consensus";

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;
const rule = { minReporters: 3, windowMs: 24 * HOUR };
const none = () => false;

const signal = fc.record({
  reporter: fc.integer({ min: 1, max: 6 }),
  scenario: fc.constantFrom("crowdsecurity/ssh-bf", "crowdsecurity/http-probing", "a/b"),
  scope: fc.constant("Ip"),
  value: fc.constantFrom("192.0.2.1", "192.0.2.2", "2001:db8::1"),
  receivedAt: fc.integer({ min: NOW - 48 * HOUR, max: NOW }),
});
const signals = fc.array(signal, { maxLength: 60 });
const inWindow = (s: SignalFact) => s.receivedAt > NOW - rule.windowMs;

describe("consensus rule", () => {
  it("refuses a rule under two reporters or without a window", () => {
    expect(checkRule({ minReporters: 1, windowMs: HOUR })).toEqual({
      kind: "tooFewReporters",
      minReporters: 1,
    });
    expect(checkRule({ minReporters: 0, windowMs: HOUR })?.kind).toBe("tooFewReporters");
    expect(checkRule({ minReporters: 2.5, windowMs: HOUR })?.kind).toBe("tooFewReporters");
    expect(checkRule({ minReporters: 2, windowMs: 0 })).toEqual({ kind: "noWindow" });
    expect(() => evaluateConsensus({ minReporters: 1, windowMs: HOUR }, [], NOW, none)).toThrow(
      /tooFewReporters/,
    );
  });

  it("never bans on one reporter's signals, however many and whatever the threshold", () => {
    fc.assert(
      fc.property(signals, fc.integer({ min: 2, max: 5 }), (list, n) => {
        const one = list.map((s) => ({ ...s, reporter: 7 }));
        expect(evaluateConsensus({ ...rule, minReporters: n }, one, NOW, none)).toEqual([]);
      }),
    );
  });

  it("bans exactly the values with at least N distinct reporters inside the window", () => {
    fc.assert(
      fc.property(signals, (list) => {
        const verdicts = evaluateConsensus(rule, list, NOW, none);
        const expected = new Map<string, Set<number>>();
        for (const s of list.filter(inWindow)) {
          const set = expected.get(s.value) ?? new Set();
          set.add(s.reporter);
          expected.set(s.value, set);
        }
        const want = [...expected].filter(([, who]) => who.size >= rule.minReporters);
        expect(verdicts.map((v) => v.value).sort()).toEqual(want.map(([v]) => v).sort());
        for (const v of verdicts) expect(v.reporters).toBe(expected.get(v.value)!.size);
      }),
    );
  });

  it("ignores signals outside the window and repeated signals", () => {
    fc.assert(
      fc.property(signals, signals, (list, extra) => {
        const base = evaluateConsensus(rule, list, NOW, none);
        const old = extra.map((s) => ({ ...s, receivedAt: NOW - rule.windowMs - s.receivedAt }));
        const future = extra.map((s) => ({ ...s, receivedAt: NOW + 1 }));
        expect(evaluateConsensus(rule, [...list, ...old, ...future], NOW, none)).toEqual(base);
        expect(evaluateConsensus(rule, [...list, ...list], NOW, none)).toEqual(base);
      }),
    );
  });

  it("never publishes an allow-listed value, even with every reporter behind it", () => {
    fc.assert(
      fc.property(signals, fc.constantFrom("192.0.2.1", "2001:db8::1"), (list, allowed) => {
        const verdicts = evaluateConsensus(rule, list, NOW, (_s, v) => v === allowed);
        expect(verdicts.some((v) => v.value === allowed)).toBe(false);
      }),
    );
  });

  it("names the scenario most reporters gave, the smallest name on a tie", () => {
    const at = NOW - HOUR;
    const s = (reporter: number, scenario: string): SignalFact => ({
      reporter,
      scenario,
      scope: "Ip",
      value: "198.51.100.7",
      receivedAt: at,
    });
    const two = { minReporters: 2, windowMs: rule.windowMs };
    expect(
      evaluateConsensus(
        two,
        [
          s(1, "x/http"),
          s(2, "crowdsecurity/ssh-bf"),
          s(3, "crowdsecurity/ssh-bf"),
          s(1, "x/http"),
        ],
        NOW,
        none,
      ),
    ).toEqual([
      { scope: "Ip", value: "198.51.100.7", scenario: "crowdsecurity/ssh-bf", reporters: 3 },
    ]);
    expect(evaluateConsensus(two, [s(1, "b/x"), s(2, "a/x")], NOW, none)[0]!.scenario).toBe("a/x");
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAddress, parseIpOrRange, rangeContains } from "../../shared/ip-range";
import { parseClientIp, wordAt } from "./client-ip";
import {
  DecisionMatcher,
  defaultTypeRank,
  type MatchedDecision,
  type MatchQuery,
} from "./decision-matcher";
import { decisionTarget, type MatcherDecision } from "./decision-target";
import { buildSnapshot, parseV4Block } from "./snapshot-build";
import { SnapshotIndex } from "./snapshot-index";

const NOW = 1_800_000_000_000;
const TYPES = ["ban", "captcha", "throttle"];
const ORIGINS = ["crowdsec", "cscli", "CAPI"];

/** Addresses packed into a few small neighbourhoods so that blocks nest and overlap often. */
const v4Addr = fc
  .tuple(fc.constantFrom(10, 192), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 7 }))
  .map(([a, c, d]) => `${a}.0.${c}.${d * 36}`);
const v6Addr = fc
  .tuple(
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 5 }),
  )
  .map(([a, b, c]) => `2001:db8:${a}::${b}:${(c * 4099).toString(16)}`);
const v4Value = fc.oneof(
  v4Addr,
  fc.tuple(v4Addr, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`),
);
const v6Value = fc.oneof(
  v6Addr,
  fc.tuple(v6Addr, fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`),
  fc.tuple(v6Addr, fc.constantFrom(32, 48, 64, 96, 112, 127)).map(([a, p]) => `${a}/${p}`),
);
const keyed = fc.oneof(
  fc.integer({ min: 1, max: 4 }).map((n) => ({ scope: "AS", value: String(64_500 + n) })),
  fc.constantFrom("FR", "US", "de").map((c) => ({ scope: "Country", value: c })),
);
const decisionArb: fc.Arbitrary<MatcherDecision> = fc
  .tuple(
    fc.oneof(
      {
        weight: 4,
        arbitrary: v4Value.map((value) => ({ scope: value.includes("/") ? "Range" : "Ip", value })),
      },
      {
        weight: 4,
        arbitrary: v6Value.map((value) => ({ scope: value.includes("/") ? "Range" : "Ip", value })),
      },
      { weight: 1, arbitrary: keyed },
      { weight: 1, arbitrary: fc.constant({ scope: "username", value: "root" }) },
    ),
    fc.constantFrom(...TYPES),
    fc.constantFrom(...ORIGINS),
    // Whole seconds around NOW: some already expired, some active.
    fc.integer({ min: -5, max: 5 }).map((s) => NOW + s * 1000),
  )
  .map(([sv, type, origin, untilMs]) => ({ ...sv, type, origin, untilMs }));
const queryArb: fc.Arbitrary<MatchQuery & { text: string }> = fc
  .tuple(
    fc.oneof(
      v4Addr,
      v6Addr,
      v4Addr.map((a) => `::ffff:${a}`),
    ),
    fc.option(
      fc.integer({ min: 1, max: 5 }).map((n) => 64_500 + n),
      { nil: undefined },
    ),
    fc.option(fc.constantFrom("FR", "US", "DE", "GB"), { nil: undefined }),
  )
  .map(([text, asn, country]) => ({ text, ip: parseClientIp(text), asn, country }));

/** Every active decision that applies to the query, by brute force over the raw inputs. */
function oracle(
  decisions: readonly MatcherDecision[],
  q: MatchQuery & { text: string },
  now: number,
) {
  const point = parseIpOrRange(q.text)!;
  return decisions.filter((d) => {
    if (d.untilMs <= now) return false;
    const t = decisionTarget(d.scope, d.value);
    if (t.kind === "block") return rangeContains(t.range, point);
    if (t.kind === "key") {
      return (
        (q.asn !== undefined && t.key === `as:${q.asn}`) ||
        (typeof q.country === "string" && t.key === `country:${q.country.toUpperCase()}`)
      );
    }
    return false;
  });
}

/** The matcher must return one of the best candidates: lowest rank, then latest expiry. */
function expectBest(got: MatchedDecision | null, candidates: MatcherDecision[]) {
  if (candidates.length === 0) {
    expect(got).toBeNull();
    return;
  }
  const rank = Math.min(...candidates.map((c) => defaultTypeRank(c.type)));
  const top = candidates.filter((c) => defaultTypeRank(c.type) === rank);
  const until = Math.max(...top.map((c) => c.untilMs));
  expect(got).not.toBeNull();
  expect(
    top.some((c) => c.untilMs === until && c.type === got!.type && c.origin === got!.origin),
  ).toBe(true);
  expect(got!.untilMs).toBe(until);
}

function matcherFor(decisions: readonly MatcherDecision[]) {
  const built = buildSnapshot(decisions, 7, NOW);
  return { matcher: new DecisionMatcher(new SnapshotIndex(built.bytes)), built };
}

describe("decision matcher (snapshot)", () => {
  it("agrees with a brute-force scan on random IPv4/IPv6 sets, ranges, AS and countries", () => {
    fc.assert(
      fc.property(
        fc.array(decisionArb, { maxLength: 60 }),
        fc.array(queryArb, { minLength: 1, maxLength: 30 }),
        (ds, qs) => {
          const { matcher } = matcherFor(ds);
          for (const q of qs) expectBest(matcher.match(q, NOW), oracle(ds, q, NOW));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("enforces each decision's expiry at lookup time, without a rebuild", () => {
    fc.assert(
      fc.property(
        fc.array(decisionArb, { maxLength: 40 }),
        queryArb,
        fc.integer({ min: -6, max: 6 }),
        (ds, q, shift) => {
          const { matcher } = matcherFor(ds);
          const now = NOW + shift * 1000;
          expectBest(matcher.match(q, now), oracle(ds, q, now));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("answers like a fresh snapshot after removals and additions applied as an overlay", () => {
    fc.assert(
      fc.property(
        fc.array(decisionArb, { maxLength: 40 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        fc.array(decisionArb, { maxLength: 20 }),
        fc.array(queryArb, { minLength: 1, maxLength: 20 }),
        (base, removeMask, added, qs) => {
          const { matcher, built } = matcherFor(base);
          const remaining: MatcherDecision[] = [];
          base.forEach((d, i) => {
            if (removeMask[i]) {
              const at = built.position[i]!;
              matcher.apply({ op: "del", id: i, baseIndex: at === -1 ? null : at });
            } else remaining.push(d);
          });
          added.forEach((d, j) => {
            matcher.apply({ op: "add", id: 1000 + j, decision: d });
          });
          // Removing an added decision again must take it back out.
          if (added.length > 0) matcher.apply({ op: "del", id: 1000, baseIndex: null });
          const final = [...remaining, ...added.slice(1)];
          for (const q of qs) expectBest(matcher.match(q, NOW), oracle(final, q, NOW));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("finds the innermost and every enclosing block for nested ranges", () => {
    const ds: MatcherDecision[] = [
      { scope: "Range", value: "10.0.0.0/8", type: "captcha", origin: "CAPI", untilMs: NOW + 5000 },
      { scope: "Range", value: "10.1.0.0/16", type: "ban", origin: "cscli", untilMs: NOW - 1000 },
      { scope: "Ip", value: "10.1.2.3", type: "captcha", origin: "crowdsec", untilMs: NOW + 9000 },
      {
        scope: "Range",
        value: "10.1.2.0/24",
        type: "ban",
        origin: "crowdsec",
        untilMs: NOW + 2000,
      },
      {
        scope: "Range",
        value: "10.200.0.0/16",
        type: "ban",
        origin: "crowdsec",
        untilMs: NOW + 2000,
      },
    ];
    const { matcher } = matcherFor(ds);
    const at = (ip: string) => matcher.match({ ip: parseClientIp(ip) }, NOW);
    expect(at("10.1.2.3")).toEqual({ type: "ban", origin: "crowdsec", untilMs: NOW + 2000 });
    // 10.1.3.1 sits after the /24 in address order but only under the /16 (expired) and the /8.
    expect(at("10.1.3.1")).toEqual({ type: "captcha", origin: "CAPI", untilMs: NOW + 5000 });
    expect(at("10.201.0.1")?.type).toBe("captcha");
    expect(at("11.0.0.1")).toBeNull();
    expect(at("::ffff:10.1.2.3")?.type).toBe("ban");
  });

  it("skips scopes it cannot enforce and counts them", () => {
    const built = buildSnapshot(
      [
        { scope: "username", value: "root", type: "ban", origin: "x", untilMs: NOW + 1000 },
        { scope: "Ip", value: "not-an-ip", type: "ban", origin: "x", untilMs: NOW + 1000 },
        { scope: "Ip", value: "2001:db8::1", type: "ban", origin: "x", untilMs: NOW + 1000 },
      ],
      1,
      NOW,
    );
    expect(built.skipped).toBe(2);
    expect(Array.from(built.position)).toEqual([-1, -1, 0]);
    const index = new SnapshotIndex(built.bytes);
    expect(index.decisions).toBe(1);
    expect(index.v6Blocks).toBe(1);
  });

  it("reads a snapshot at any byte offset and rejects foreign bytes", () => {
    const built = buildSnapshot(
      [{ scope: "Ip", value: "1.2.3.4", type: "ban", origin: "x", untilMs: NOW + 1000 }],
      3,
      NOW,
    );
    const shifted = new Uint8Array(built.bytes.length + 3);
    shifted.set(built.bytes, 3);
    const index = new SnapshotIndex(shifted.subarray(3));
    expect(index.version).toBe(3);
    expect(index.builtAt).toBe(NOW);
    expect(new DecisionMatcher(index).match({ ip: parseClientIp("1.2.3.4") }, NOW)?.type).toBe(
      "ban",
    );
    expect(() => new SnapshotIndex(new Uint8Array(64))).toThrow(/magic/);
  });

  it("takes the IPv4 fast path only for what the general parser reads the same way", () => {
    const cases = [
      "1.2.3.4",
      "10.1.2.3/8",
      "0.0.0.0/0",
      "255.255.255.255/32",
      "1.2.3.4/33",
      "1.2.3.4/",
      "1.2.3",
      "1.2.3.4.5",
      "01.2.3.4",
      "1.2.3.256",
      "1.2.3.4/08",
      "::ffff:1.2.3.4",
      " 1.2.3.4",
    ];
    for (const text of cases) {
      const fast = parseV4Block(text);
      const general = parseIpOrRange(text);
      if (fast >= 0) {
        expect(general, text).not.toBeNull();
        expect(fast, text).toBe(wordAt(general!.start, 0) * 64 + general!.prefix);
      }
    }
    expect(parseV4Block("10.1.2.3/8")).toBe(0x0a000000 * 64 + 8);
    expect(parseV4Block("1.2.3.4/33")).toBe(-1);
  });

  it("parses client addresses like Go's net.ParseIP", () => {
    expect(parseClientIp("1.2.3.4")).toEqual({ v: 4, w: 0x01020304 });
    expect(parseClientIp("255.255.255.255")).toEqual({ v: 4, w: 0xffffffff });
    for (const bad of ["1.2.3", "01.2.3.4", "1.2.3.256", "", "1..2.3", "x"]) {
      expect(parseClientIp(bad), bad).toBeNull();
    }
    expect(parseClientIp("::ffff:1.2.3.4")).toEqual({ v: 4, w: 0x01020304 });
    const v6 = parseClientIp("2001:db8::1");
    expect(v6?.v).toBe(6);
    expect(parseAddress("2001:db8::1")).not.toBeNull();
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import { compileProfiles, evaluateProfiles } from "../../src/engine/profiles";
import { d1HelperFetcher } from "../../src/lapi/profiles/d1-helpers";
import { seedDecisions } from "./seed";

const HOUR = 3_600_000;

describe("profile helpers on D1", () => {
  it("count decisions containing the value: all, since, active, and the longest time left", async () => {
    const now = Date.now();
    await seedDecisions(
      [
        { value: "198.18.0.7", ttl: 2 * HOUR },
        { value: "198.18.0.0/24", scope: "Range", ttl: 3 * HOUR, type: "captcha" },
        { value: "198.18.0.7", ttl: -HOUR, createdAt: now - 5 * HOUR },
        { value: "198.18.1.7", ttl: 9 * HOUR },
        { value: "2001:db8:18::7", ttl: HOUR },
      ],
      now,
    );
    const fetch = d1HelperFetcher(openDb(env.DB), now);
    const calls = [
      ["GetDecisionsCount", ["198.18.0.7"]],
      ["GetDecisionsSinceCount", ["198.18.0.7", "2h"]],
      ["GetActiveDecisionsCount", ["198.18.0.7"]],
      ["GetActiveDecisionsTimeLeft", ["198.18.0.7"]],
      ["GetDecisionsCount", ["2001:db8:18::7"]],
      ["GetDecisionsCount", ["not-an-ip"]],
      ["GetDecisionsSinceCount", ["198.18.0.7", "1d"]],
    ] as const;
    const answers = await fetch(
      calls.map(([name, args]) => ({ name, args: [...args], key: JSON.stringify([name, args]) })),
    );
    // 1.4.6 counts expired decisions too, and any decision whose range contains the IP.
    expect(answers).toEqual([3, 2, 2, 3 * HOUR * 1_000_000, 1, 0, 0]);
  });

  it("answer thousands of calls of one batch in a few packed statements", async () => {
    const now = Date.now();
    await seedDecisions(
      Array.from({ length: 50 }, (_, i) => ({ value: `198.19.0.${i}`, ttl: HOUR })),
      now,
    );
    const r = compileProfiles(
      "name: p\nfilters: ['GetDecisionsCount(Alert.GetValue()) > 0']\ndecisions: [{type: ban, duration: 1h}]\n",
    );
    if (!r.ok) throw new Error(r.issue.reason);
    const subjects = Array.from({ length: 1500 }, (_, i) => ({
      alert: {
        scenario: "s",
        source: { scope: "Ip", value: i % 2 ? `198.19.0.${i % 100}` : `2001:db8:19::${i}` },
      },
      machineId: "m",
    }));
    const outcomes = await evaluateProfiles(
      r.value,
      subjects,
      d1HelperFetcher(openDb(env.DB), now),
    );
    const banned = outcomes.filter((o) => o.ok && o.decisions.length > 0).length;
    // Odd i → 198.19.0.(i % 100) with i % 100 odd: seeded when below 50, i.e. 25 of every 50 odd.
    expect(banned).toBe(subjects.filter((_, i) => i % 2 === 1 && i % 100 < 50).length);
  });
});

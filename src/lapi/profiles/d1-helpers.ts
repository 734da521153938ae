import type { Db } from "../../db/client";
import { type DecisionCountQuery, decisionCounts } from "../../db/decision-counts";
import type { HelperCall, HelperFetcher } from "../../engine/profiles";
import { parseGoDuration } from "../../shared/duration";
import { parseIpOrRange } from "../../shared/ip-range";

/**
 * Answers profile helper calls from D1, all calls of a round in one batch. Like CrowdSec, a
 * value that is not an IP or range, or a `since` that is not a Go duration, counts 0 (1.4.6
 * logs the error and returns 0).
 */
export function d1HelperFetcher(db: Db, now: number): HelperFetcher {
  return async (calls: readonly HelperCall[]) => {
    const queries: (DecisionCountQuery | null)[] = calls.map((call) => {
      const [value, since] = call.args;
      const range = typeof value === "string" ? parseIpOrRange(value) : null;
      if (!range) return null;
      switch (call.name) {
        case "GetDecisionsCount":
          return { range, kind: "count" };
        case "GetDecisionsSinceCount": {
          const d = typeof since === "string" ? parseGoDuration(since) : null;
          return d?.ok ? { range, kind: "count", createdAfter: now - d.ms } : null;
        }
        case "GetActiveDecisionsCount":
          return { range, kind: "count", activeAt: now };
        case "GetActiveDecisionsTimeLeft":
          return { range, kind: "timeLeft", activeAt: now };
        default:
          return null;
      }
    });
    const asked = queries.filter((q): q is DecisionCountQuery => q !== null);
    const answers = await decisionCounts(db, asked);
    let k = 0;
    return queries.map((q, i) => {
      if (!q) return 0;
      const n = answers[k++]!;
      // Go's time.Duration is nanoseconds.
      return calls[i]!.name === "GetActiveDecisionsTimeLeft" ? n * 1_000_000 : n;
    });
  };
}

import type { IpRange } from "../shared/ip-range";
import { ipCondition } from "./ip-match";

/**
 * Decision counts behind the profile helpers (CrowdSec pkg/exprhelpers → database
 * `CountDecisionsByValue`, `CountDecisionsSinceByValue`, …): decisions whose IP range contains
 * the queried address, whatever their type, origin or scope name.
 */

type D1 = D1Database | D1DatabaseSession;

/** One count to make: `sinceMs` limits to decisions created after it, `activeAt` to unexpired. */
export interface DecisionCountQuery {
  range: IpRange;
  kind: "count" | "timeLeft";
  createdAfter?: number;
  activeAt?: number;
}

/** Answers every query in one batch: a count, or the longest remaining time (ms, 0 if none). */
export async function decisionCounts(
  db: D1,
  queries: readonly DecisionCountQuery[],
): Promise<number[]> {
  if (queries.length === 0) return [];
  const statements = queries.map((q) => {
    const where = [ipCondition(q.range, true)];
    const params: number[] = [];
    if (q.createdAfter !== undefined) {
      where.push("created_at > ?");
      params.push(q.createdAfter);
    }
    if (q.activeAt !== undefined) {
      where.push("until > ?");
      params.push(q.activeAt);
    }
    const what =
      q.kind === "count" ? "COUNT(*)" : `COALESCE(MAX(until) - ${Number(q.activeAt ?? 0)}, 0)`;
    return db
      .prepare(`SELECT ${what} AS n FROM decisions WHERE ${where.join(" AND ")}`)
      .bind(...params);
  });
  const results = await db.batch<{ n: number }>(statements);
  return results.map((r) => Math.max(0, r.results[0]?.n ?? 0));
}

import { sql } from "drizzle-orm";
import type { IpRange } from "../shared/ip-range";
import { batchAll, type Db } from "./client";
import { ipCondition } from "./ip-match";

/**
 * Decision counts behind the profile helpers (CrowdSec pkg/exprhelpers → database
 * `CountDecisionsByValue`, `CountDecisionsSinceByValue`, …): decisions whose IP range contains
 * the queried address, whatever their type, origin or scope name.
 *
 * A batch of overflows can ask thousands of counts at once, and D1 counts every statement against
 * the per-invocation query limit, so counts are packed: one statement answers up to 100 counts
 * as the columns of a single row (scalar subqueries, numbers inlined). D1 allows 100 result
 * columns, only 5 compound-select terms, and 100 KB of SQL per statement. The statements are raw
 * SQL: the builder has no FROM-less select of scalar subqueries, and it would bind every number
 * (D1 allows 100 bound parameters per statement).
 */

/** One count: `createdAfter` limits to decisions created after it (ms), `activeAt` to unexpired. */
export interface DecisionCountQuery {
  range: IpRange;
  kind: "count" | "timeLeft";
  createdAfter?: number;
  activeAt?: number;
}

const MAX_COLUMNS = 100;
const MAX_SQL_CHARS = 80_000;

function subquery(q: DecisionCountQuery): string {
  const where = [ipCondition(q.range, true)];
  if (q.createdAfter !== undefined) where.push(`created_at > ${Math.trunc(q.createdAfter)}`);
  if (q.activeAt !== undefined) where.push(`until > ${Math.trunc(q.activeAt)}`);
  const what =
    q.kind === "count" ? "COUNT(*)" : `COALESCE(MAX(until) - ${Math.trunc(q.activeAt ?? 0)}, 0)`;
  return `(SELECT ${what} FROM decisions WHERE ${where.join(" AND ")})`;
}

/** Answers every query: a count, or the longest remaining time (ms, 0 if none). */
export async function decisionCounts(
  db: Db,
  queries: readonly DecisionCountQuery[],
): Promise<number[]> {
  if (queries.length === 0) return [];
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const q of queries) {
    const text = subquery(q);
    if (
      current.length > 0 &&
      (current.length >= MAX_COLUMNS || size + text.length > MAX_SQL_CHARS)
    ) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(text);
    size += text.length + 8;
  }
  chunks.push(current);
  const results = (await batchAll(
    db,
    chunks.map((c) => db.all(sql.raw(`SELECT ${c.map((q, i) => `${q} AS n${i}`).join(", ")}`))),
  )) as Record<string, number | null>[][];
  return chunks.flatMap((c, j) => {
    const row = results[j]![0] ?? {};
    return c.map((_, i) => Math.max(0, row[`n${i}`] ?? 0));
  });
}

import type { IpRange } from "../shared/ip-range";
import { ipCondition } from "./ip-match";

/**
 * Soft deletion of decisions (CrowdSec pkg/database/decisions.go): matching
 * decisions are expired (`until = now`), not removed, so the next stream delta reports them in
 * `deleted`. Only active ones (`until > now`) are touched by the filter form.
 */
export interface DecisionDeleteFilter {
  ip?: IpRange;
  contains: boolean;
  /** Exact scope (DELETE does not normalise `ip` → `Ip`). */
  scope?: string;
  value?: string;
  type?: string;
  scenario?: string;
  origin?: string;
  /** Any of these uuids (CrowdSec 1.7+ accepts the key several times). */
  uuids?: string[];
}

/** Expires the active decisions matching the filter; returns how many. */
export async function expireDecisions(
  db: D1Database,
  f: DecisionDeleteFilter,
  now: number,
): Promise<number> {
  const where = ["until > ?"];
  const params: unknown[] = [now];
  const add = (sql: string, value: unknown) => {
    where.push(sql);
    params.push(value);
  };
  if (f.ip) where.push(ipCondition(f.ip, f.contains));
  if (f.scope !== undefined) add("scope = ?", f.scope);
  if (f.value !== undefined) add("value = ?", f.value);
  if (f.type !== undefined) add("type = ?", f.type);
  if (f.scenario !== undefined) add("scenario = ?", f.scenario);
  if (f.origin !== undefined) add("origin = ?", f.origin);
  if (f.uuids) add("uuid IN (SELECT value FROM json_each(?))", JSON.stringify(f.uuids));
  // Counted in the same transaction rather than from meta.changes, which D1 inflates with the
  // rows the `decisions_touch` trigger (migration 0003) updates.
  const cond = where.join(" AND ");
  const [count] = await db.batch<{ n: number }>([
    db.prepare(`SELECT COUNT(*) AS n FROM decisions WHERE ${cond}`).bind(...params),
    db
      .prepare(`UPDATE decisions SET until = ?, updated_at = ? WHERE ${cond}`)
      .bind(now, now, ...params),
  ]);
  return count!.results[0]!.n;
}

/** Expires one decision, even an already expired one (CrowdSec does); false if it does not exist. */
export async function expireDecision(db: D1Database, id: number, now: number): Promise<boolean> {
  const r = await db
    .prepare("UPDATE decisions SET until = ?, updated_at = ? WHERE id = ? RETURNING id")
    .bind(now, now, id)
    .all();
  return r.results.length > 0;
}

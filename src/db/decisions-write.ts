import { and, count, eq, gt, type SQL, sql } from "drizzle-orm";
import type { IpRange } from "../shared/ip-range";
import type { Db } from "./client";
import { ipCondition } from "./ip-match";
import { inJson } from "./json-chunks";
import { decisions } from "./schema";

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
  db: Db,
  f: DecisionDeleteFilter,
  now: number,
): Promise<number> {
  const where: (SQL | undefined)[] = [gt(decisions.until, now)];
  // ipCondition inlines the candidate block starts as BLOB literals (see ip-match.ts).
  if (f.ip) where.push(sql.raw(ipCondition(f.ip, f.contains)));
  if (f.scope !== undefined) where.push(eq(decisions.scope, f.scope));
  if (f.value !== undefined) where.push(eq(decisions.value, f.value));
  if (f.type !== undefined) where.push(eq(decisions.type, f.type));
  if (f.scenario !== undefined) where.push(eq(decisions.scenario, f.scenario));
  if (f.origin !== undefined) where.push(eq(decisions.origin, f.origin));
  if (f.uuids) where.push(inJson(decisions.uuid, f.uuids));
  // Counted in the same transaction rather than from meta.changes, which D1 inflates with the
  // rows the `decisions_touch` trigger (migration 0003) updates.
  const cond = and(...where);
  const [counted] = await db.batch([
    db.select({ n: count() }).from(decisions).where(cond),
    db.update(decisions).set({ until: now, updatedAt: now }).where(cond),
  ]);
  return counted[0]!.n;
}

/** Expires one decision, even an already expired one (CrowdSec does); false if it does not exist. */
export async function expireDecision(db: Db, id: number, now: number): Promise<boolean> {
  const r = await db
    .update(decisions)
    .set({ until: now, updatedAt: now })
    .where(eq(decisions.id, id))
    .returning({ id: decisions.id });
  return r.length > 0;
}

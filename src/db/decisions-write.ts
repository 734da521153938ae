import { and, count, eq, gt, type SQL, sql } from "drizzle-orm";
import type { IpRange } from "../shared/ip-range";
import { insertAlerts, type NewAlert, type NewDecision } from "./alerts";
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

/**
 * Applies a pulled delta for one origin (the Central API client's `CAPI` pull): expires the
 * active decisions of `origin` on the removed (scope, value) pairs, and stores the added ones
 * that are not already active with that origin under one alert (`alert`), so a pull repeated
 * after a restart stores nothing twice. Returns how many were added and expired.
 */
export async function applyOriginDelta(
  db: Db,
  delta: {
    origin: string;
    alert: Omit<NewAlert, "decisions">;
    machineId: string;
    add: NewDecision[];
    remove: { scope: string; value: string }[];
  },
  now: number,
): Promise<{ added: number; expired: number }> {
  let expired = 0;
  for (let i = 0; i < delta.remove.length; i += 100) {
    const chunk = delta.remove.slice(i, i + 100);
    // Unit separator, not NUL: SQLite's text functions stop at an embedded NUL.
    const keys = chunk.map((r) => `${r.scope}\u001f${r.value}`);
    const cond = and(
      gt(decisions.until, now),
      eq(decisions.origin, delta.origin),
      sql`(${decisions.scope} || char(31) || ${decisions.value}) IN
        (SELECT value FROM json_each(${JSON.stringify(keys)}))`,
    );
    const [counted] = await db.batch([
      db.select({ n: count() }).from(decisions).where(cond),
      db.update(decisions).set({ until: now, updatedAt: now }).where(cond),
    ]);
    expired += counted[0]!.n;
  }
  const active = new Set<string>();
  const values = [...new Set(delta.add.map((d) => d.value))];
  for (let i = 0; i < values.length; i += 500) {
    const rows = await db
      .select({ scope: decisions.scope, value: decisions.value })
      .from(decisions)
      .where(
        and(
          gt(decisions.until, now),
          eq(decisions.origin, delta.origin),
          inJson(decisions.value, values.slice(i, i + 500)),
        ),
      )
      .all();
    for (const r of rows) active.add(`${r.scope}\u0000${r.value}`);
  }
  const fresh = delta.add.filter((d) => !active.has(`${d.scope}\u0000${d.value}`));
  if (fresh.length > 0) {
    await insertAlerts(db, [{ ...delta.alert, decisions: fresh }], delta.machineId, now);
  }
  return { added: fresh.length, expired };
}

import { and, eq, gt, isNotNull, lt, lte, max, notExists, sql } from "drizzle-orm";
import { alias, QueryBuilder } from "drizzle-orm/sqlite-core";
import { batchAll, type Db, type Statement } from "./client";
import { alerts, allowlistItems, decisions, decisionTombstones, usageMetrics } from "./schema";

/**
 * CrowdSec's flush (pkg/database/flush.go) as a few set-based statements. Like
 * CrowdSec 1.5+, alerts that still carry an active decision are never flushed (1.4.6 did, which
 * silently lifted live bans). Decisions, events and meta go with their alert (ON DELETE CASCADE).
 */
export interface FlushPolicy {
  now: number;
  maxAgeMs: number | null;
  maxItems: number | null;
}

export interface FlushResult {
  byAge: number;
  byCount: number;
  usageMetrics: number;
  allowlistItems: number;
  tombstones: number;
}

const d = alias(decisions, "d");
const qb = new QueryBuilder();

const noActiveDecision = (now: number) =>
  notExists(
    qb
      .select({ one: sql`1` })
      .from(d)
      .where(and(eq(d.alertId, alerts.id), gt(d.until, now))),
  );

const USAGE_METRICS_TTL_MS = 7 * 86_400_000;
/** Tombstones outlive any isolate cache's sync gap (caches older than half this reload fully). */
export const TOMBSTONE_TTL_MS = 3_600_000;

export async function flushAlerts(db: Db, p: FlushPolicy): Promise<FlushResult> {
  const statements: Statement[] = [];
  const kinds: Array<keyof FlushResult> = [];
  if (p.maxAgeMs !== null) {
    statements.push(
      db
        .delete(alerts)
        .where(and(lt(alerts.createdAt, p.now - p.maxAgeMs), noActiveDecision(p.now))),
    );
    kinds.push("byAge");
  }
  if (p.maxItems !== null) {
    const maxId = qb.select({ id: max(alerts.id) }).from(alerts);
    statements.push(
      db
        .delete(alerts)
        .where(and(lte(alerts.id, sql`(${maxId}) - ${p.maxItems}`), noActiveDecision(p.now))),
    );
    kinds.push("byCount");
  }
  statements.push(
    db.delete(usageMetrics).where(lt(usageMetrics.receivedAt, p.now - USAGE_METRICS_TTL_MS)),
  );
  kinds.push("usageMetrics");
  statements.push(
    db
      .delete(allowlistItems)
      .where(and(isNotNull(allowlistItems.expiresAt), lt(allowlistItems.expiresAt, p.now))),
  );
  kinds.push("allowlistItems");
  statements.push(
    db.delete(decisionTombstones).where(lt(decisionTombstones.deletedAt, p.now - TOMBSTONE_TTL_MS)),
  );
  kinds.push("tombstones");
  const results = (await batchAll(db, statements)) as D1Result[];
  const out: FlushResult = {
    byAge: 0,
    byCount: 0,
    usageMetrics: 0,
    allowlistItems: 0,
    tombstones: 0,
  };
  results.forEach((r, i) => {
    out[kinds[i]!] = r.meta.changes ?? 0;
  });
  return out;
}

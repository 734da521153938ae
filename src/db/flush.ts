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

const NO_ACTIVE_DECISION =
  "NOT EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = alerts.id AND d.until > ?)";

const USAGE_METRICS_TTL_MS = 7 * 86_400_000;
/** Tombstones outlive any isolate cache's sync gap (caches older than half this reload fully). */
export const TOMBSTONE_TTL_MS = 3_600_000;

export async function flushAlerts(db: D1Database, p: FlushPolicy): Promise<FlushResult> {
  const statements: D1PreparedStatement[] = [];
  const kinds: Array<keyof FlushResult> = [];
  if (p.maxAgeMs !== null) {
    statements.push(
      db
        .prepare(`DELETE FROM alerts WHERE created_at < ? AND ${NO_ACTIVE_DECISION}`)
        .bind(p.now - p.maxAgeMs, p.now),
    );
    kinds.push("byAge");
  }
  if (p.maxItems !== null) {
    statements.push(
      db
        .prepare(
          `DELETE FROM alerts WHERE id <= (SELECT MAX(id) FROM alerts) - ? AND ${NO_ACTIVE_DECISION}`,
        )
        .bind(p.maxItems, p.now),
    );
    kinds.push("byCount");
  }
  statements.push(
    db
      .prepare("DELETE FROM usage_metrics WHERE received_at < ?")
      .bind(p.now - USAGE_METRICS_TTL_MS),
  );
  kinds.push("usageMetrics");
  statements.push(
    db
      .prepare("DELETE FROM allowlist_items WHERE expires_at IS NOT NULL AND expires_at < ?")
      .bind(p.now),
  );
  kinds.push("allowlistItems");
  statements.push(
    db
      .prepare("DELETE FROM decision_tombstones WHERE deleted_at < ?")
      .bind(p.now - TOMBSTONE_TTL_MS),
  );
  kinds.push("tombstones");
  const results = await db.batch(statements);
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

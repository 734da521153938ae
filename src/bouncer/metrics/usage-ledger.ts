import type { LapiFetch } from "../sync/lapi-stream";
import { readMeta, writeMeta } from "../sync/store-meta";
import { postUsageMetrics, type UsageDelta, usageMetricsBody } from "./usage-report";

/**
 * The usage-metrics window kept by the DecisionStore: isolates add their counter deltas, and the
 * window is posted to LAPI (`POST /v1/usage-metrics`, docs/bouncer.md) every METRICS_INTERVAL,
 * then reset — only after LAPI took it, so a transient error loses nothing.
 */
export class UsageLedger {
  constructor(private readonly storage: DurableObjectStorage) {}

  private get sql() {
    return this.storage.sql;
  }

  record(delta: UsageDelta): void {
    for (const item of delta.items) {
      this.sql.exec(
        `INSERT INTO usage (name, origin, remediation, value) VALUES (?, ?, ?, ?)
         ON CONFLICT (name, origin, remediation) DO UPDATE SET value = value + excluded.value`,
        item.name,
        item.origin,
        item.remediation,
        item.value,
      );
    }
    if (readMeta(this.sql, "window_start") === null)
      writeMeta(this.sql, "window_start", Date.now());
  }

  /** Whether a push is due; the first one happens at once, announcing the bouncer. */
  due(intervalMs: number): boolean {
    if (readMeta(this.sql, "startup_at") === null) writeMeta(this.sql, "startup_at", Date.now());
    const last = Number(readMeta(this.sql, "last_usage_push") ?? 0);
    return Date.now() - last >= intervalMs;
  }

  /** Posts the window; returns LAPI's status. */
  async push(lapi: LapiFetch, apiKey: string): Promise<number> {
    const now = Date.now();
    if (readMeta(this.sql, "startup_at") === null) writeMeta(this.sql, "startup_at", now);
    const rows = this.sql
      .exec<{ name: string; origin: string; remediation: string; value: number }>(
        "SELECT name, origin, remediation, value FROM usage",
      )
      .toArray();
    const active = this.sql
      .exec<{ origin: string; n: number }>(
        "SELECT origin, COUNT(*) AS n FROM decisions WHERE until_ms > ? GROUP BY origin",
        now,
      )
      .toArray();
    const body = usageMetricsBody({
      rows,
      active,
      windowStart: Number(readMeta(this.sql, "window_start") ?? now),
      now,
      startupAt: Number(readMeta(this.sql, "startup_at")),
      lastPullAt: readMeta(this.sql, "last_sync_at"),
    });
    const status = await postUsageMetrics(lapi, apiKey, body);
    // go-cs-bouncer treats 201 as success and 404 as "LAPI older than 1.6.3".
    if (status === 201 || status === 404) {
      this.storage.transactionSync(() => {
        this.sql.exec("DELETE FROM usage");
        writeMeta(this.sql, "window_start", now);
        writeMeta(this.sql, "usage_pushes", Number(readMeta(this.sql, "usage_pushes") ?? 0) + 1);
        writeMeta(this.sql, "last_usage_push", now);
      });
    }
    return status;
  }
}

import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { FAMILIES } from "./metric-families";
import type { SeriesDelta } from "./series";

/** Most series the object keeps; increments to further series are dropped and counted. */
export const MAX_SERIES = 20_000;

/** The name of the one metrics object of a deployment. */
export const METRICS_OBJECT_NAME = "lapi-metrics";

/**
 * The LAPI's counters, summed across isolates and restarts: one SQLite-backed Durable Object
 * that the isolates' recorders (`metrics-recorder.ts`) send batches of increments to, after their
 * responses are out (`ctx.waitUntil`). Each `add` is one storage transaction; `snapshot` is what
 * `/metrics` prints (plus the gauges it computes from D1).
 */
export class MetricsObject extends DurableObject<Env> {
  private readonly known = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS series (name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (name, labels)) WITHOUT ROWID",
    );
    for (const row of sql.exec<{ name: string; labels: string }>(
      "SELECT name, labels FROM series",
    )) {
      this.known.add(`${row.name}\u0000${row.labels}`);
    }
  }

  /** Adds a batch of increments; returns how many were dropped (series cap). */
  add(deltas: SeriesDelta[]): number {
    let dropped = 0;
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      for (const d of deltas) {
        if (!Number.isFinite(d.value)) continue;
        const key = `${d.name}\u0000${d.labels}`;
        if (!this.known.has(key)) {
          if (this.known.size >= MAX_SERIES) {
            dropped++;
            continue;
          }
          this.known.add(key);
        }
        sql.exec(
          "INSERT INTO series (name, labels, value) VALUES (?, ?, ?) ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
          d.name,
          d.labels,
          d.value,
        );
      }
      if (dropped > 0) {
        sql.exec(
          "INSERT INTO series (name, labels, value) VALUES (?, '', ?) ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
          FAMILIES.seriesDropped.name,
          dropped,
        );
        this.known.add(`${FAMILIES.seriesDropped.name}\u0000`);
      }
    });
    return dropped;
  }

  /** Every stored series. */
  snapshot(): SeriesDelta[] {
    return this.ctx.storage.sql
      .exec<{ name: string; labels: string; value: number }>(
        "SELECT name, labels, value FROM series",
      )
      .toArray()
      .map((r) => ({ name: r.name, labels: r.labels, value: r.value }));
  }
}

/** The metrics object's RPC surface as callers see it. */
export interface MetricsObjectApi {
  add(deltas: SeriesDelta[]): Promise<number>;
  snapshot(): Promise<SeriesDelta[]>;
}

/** The deployment's metrics object. */
export function metricsObject(namespace: DurableObjectNamespace<MetricsObject>): MetricsObjectApi {
  return namespace.getByName(METRICS_OBJECT_NAME) as unknown as MetricsObjectApi;
}

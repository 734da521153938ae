/**
 * The `POST /v1/usage-metrics` body of a log processor (CrowdSec 1.6.3+ `models.AllMetrics` with
 * one `log_processors` item, pkg/models/all_metrics.go): version, OS, startup time, datasources
 * (count per acquisition module), installed hub items, and one metrics window whose items are the
 * lines read, parsed and unparsed per datasource since the previous push (1.6's `read`, `parsed`,
 * `unparsed` items, unit `line`, labels `datasource_type` and `source`).
 */
import { release, type } from "node:os";

/** One counter per (module, source). */
export type LineCounts = Map<string, Map<string, number>>;

/** Inputs of {@link UsageMetricsWindow.body}. */
export interface UsageSnapshot {
  read: LineCounts;
  parsed: LineCounts;
  unparsed: LineCounts;
  /** Acquisition entries per module (`{"file": 2, "journalctl": 1}`). */
  datasources: Record<string, number>;
  /** Installed items by type (`parsers`, `scenarios`…). */
  hubItems: Record<string, { name: string; status: string; version: string }[]>;
}

interface Item {
  name: string;
  value: number;
  unit: string;
  labels: Record<string, string>;
}

/** Produces successive usage-metrics bodies; counters are sent as deltas per window. */
export class UsageMetricsWindow {
  private previous = new Map<string, number>();
  private lastPush: number;

  constructor(
    private readonly version: string,
    private readonly startedAt: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastPush = startedAt;
  }

  /** The body for the window ending now; `commit()` after the LAPI took it. */
  body(snapshot: UsageSnapshot): { body: unknown; commit: () => void } {
    const now = this.now();
    const items: Item[] = [];
    const next = new Map(this.previous);
    for (const [name, counts] of [
      ["read", snapshot.read],
      ["parsed", snapshot.parsed],
      ["unparsed", snapshot.unparsed],
    ] as const) {
      for (const [module, perSource] of counts) {
        for (const [source, total] of perSource) {
          const key = `${name}\u0000${module}\u0000${source}`;
          const delta = total - (this.previous.get(key) ?? 0);
          next.set(key, total);
          if (delta > 0) {
            items.push({
              name,
              value: delta,
              unit: "line",
              labels: { datasource_type: module, source },
            });
          }
        }
      }
    }
    const body = {
      log_processors: [
        {
          name: "rampart-agent",
          version: this.version,
          os: { name: type(), version: release() },
          feature_flags: [],
          utc_startup_timestamp: Math.floor(this.startedAt / 1000),
          datasources: snapshot.datasources,
          hub_items: snapshot.hubItems,
          metrics: [
            {
              meta: {
                window_size_seconds: Math.max(0, Math.round((now - this.lastPush) / 1000)),
                utc_now_timestamp: Math.floor(now / 1000),
              },
              items,
            },
          ],
        },
      ],
    };
    return {
      body,
      commit: () => {
        this.previous = next;
        this.lastPush = now;
      },
    };
  }
}

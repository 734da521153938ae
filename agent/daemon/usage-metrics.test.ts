import { describe, expect, it } from "vitest";
import { UsageMetricsWindow, type UsageSnapshot } from "./usage-metrics.js";

const snapshot = (read: number, parsed: number): UsageSnapshot => ({
  read: new Map([["file", new Map([["/var/log/auth.log", read]])]]),
  parsed: new Map([["file", new Map([["/var/log/auth.log", parsed]])]]),
  unparsed: new Map([["file", new Map([["/var/log/auth.log", read - parsed]])]]),
  datasources: { file: 1 },
  hubItems: { scenarios: [{ name: "crowdsecurity/ssh-bf", status: "enabled", version: "0.1" }] },
});

describe("UsageMetricsWindow", () => {
  it("sends the log-processor form with per-window deltas once a push succeeded", () => {
    let now = 1_700_000_000_000;
    const window = new UsageMetricsWindow("0.1.0", now, () => now);
    now += 1_800_000;
    const first = window.body(snapshot(10, 7));
    first.commit();
    const lp = (first.body as { log_processors: Record<string, unknown>[] }).log_processors[0]!;
    expect(lp).toMatchObject({
      version: "0.1.0",
      utc_startup_timestamp: 1_700_000_000,
      datasources: { file: 1 },
      hub_items: { scenarios: [{ name: "crowdsecurity/ssh-bf" }] },
      metrics: [
        {
          meta: { window_size_seconds: 1800, utc_now_timestamp: 1_700_001_800 },
          items: [
            {
              name: "read",
              value: 10,
              unit: "line",
              labels: { datasource_type: "file", source: "/var/log/auth.log" },
            },
            { name: "parsed", value: 7, unit: "line" },
            { name: "unparsed", value: 3, unit: "line" },
          ],
        },
      ],
    });
    now += 60_000;
    const failed = window.body(snapshot(15, 7));
    void failed; // not committed: the LAPI did not take it
    now += 60_000;
    const second = window.body(snapshot(20, 8)).body as {
      log_processors: {
        metrics: {
          meta: { window_size_seconds: number };
          items: { name: string; value: number }[];
        }[];
      }[];
    };
    const m = second.log_processors[0]!.metrics[0]!;
    expect(m.meta.window_size_seconds).toBe(120);
    expect(m.items.map((i) => [i.name, i.value])).toEqual([
      ["read", 10],
      ["parsed", 1],
      ["unparsed", 9],
    ]);
  });
});

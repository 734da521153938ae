import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { renderExposition } from "../../src/lapi/metrics/exposition";
import { FAMILIES } from "../../src/lapi/metrics/metric-families";
import { MetricsRecorder, type MetricsSink } from "../../src/lapi/metrics/metrics-recorder";
import type { SeriesDelta } from "../../src/lapi/metrics/series";
import { parsePrometheusText, type Sample } from "../../src/shared/prometheus-text";

/** Sums batches like the metrics object does. */
function store(): { sink: MetricsSink; samples: () => SeriesDelta[]; calls: number } {
  const series = new Map<string, SeriesDelta>();
  const s = {
    calls: 0,
    sink: async (deltas: SeriesDelta[]) => {
      s.calls++;
      for (const d of deltas) {
        const key = `${d.name}\u0000${d.labels}`;
        const cur = series.get(key);
        if (cur) cur.value += d.value;
        else series.set(key, { ...d });
      }
    },
    samples: () => [...series.values()],
  };
  return s;
}

const canon = (samples: Sample[]) =>
  samples
    .map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())} ${s.value}`)
    .sort();

const metaLines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("#"))
    .sort();

describe("LAPI /metrics exposition", () => {
  it("prints what prom-client prints for the same counters and histogram", async () => {
    const s = store();
    const rec = new MetricsRecorder();
    const registry = new Registry();
    const f = FAMILIES;
    const routes = new Counter({
      name: f.routeRequests.name,
      help: f.routeRequests.help,
      labelNames: [...f.routeRequests.labels],
      registers: [registry],
    });
    const duration = new Histogram({
      name: f.requestDuration.name,
      help: f.requestDuration.help,
      labelNames: [...f.requestDuration.labels],
      buckets: [...f.requestDuration.buckets],
      registers: [registry],
    });
    const calls: [string, string, number][] = [
      ["/v1/watchers/login", "POST", 0.0004],
      ["/v1/watchers/login", "POST", 0.3],
      ['/odd"path\\with\nnewline', "GET", 2],
      ["/v1/decisions", "GET", 0.001],
    ];
    for (const [route, method, seconds] of calls) {
      rec.inc("routeRequests", { route, method });
      routes.inc({ route, method });
      rec.observeDuration({ endpoint: route, method }, seconds);
      duration.observe({ endpoint: route, method }, seconds);
    }
    await rec.flush(s.sink);
    const ours = renderExposition(s.samples());
    const theirs = await registry.metrics();
    expect(canon(parsePrometheusText(ours, { strict: true }))).toEqual(
      canon(parsePrometheusText(theirs, { strict: true })),
    );
    expect(metaLines(ours)).toEqual(metaLines(theirs));
  });

  it("sends one batch per round trip however many flushes are asked meanwhile", async () => {
    const s = store();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow: MetricsSink = async (d) => {
      await gate;
      return s.sink(d);
    };
    const rec = new MetricsRecorder();
    rec.inc("routeRequests", { route: "/health", method: "GET" });
    const first = rec.flush(slow);
    const waiting: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) {
      rec.inc("routeRequests", { route: "/health", method: "GET" });
      waiting.push(rec.flush(slow));
    }
    release();
    await Promise.all([first, ...waiting]);
    expect(s.calls).toBe(2);
    expect(s.samples()).toEqual([
      { name: FAMILIES.routeRequests.name, labels: 'route="/health",method="GET"', value: 6 },
    ]);
  });

  it("keeps the increments of a failed send for the next flush", async () => {
    const s = store();
    const rec = new MetricsRecorder();
    rec.inc("decisionsKo", { bouncer: "fw" }, 2);
    await rec.flush(async () => {
      throw new Error("object unavailable");
    });
    rec.inc("decisionsKo", { bouncer: "fw" });
    await rec.flush(s.sink);
    expect(s.samples()).toEqual([
      { name: "cs_lapi_decisions_ko_total", labels: 'bouncer="fw"', value: 3 },
    ]);
  });

  it("refuses a malformed sample line in strict mode and skips it otherwise", () => {
    const text = "# TYPE a counter\na 1\na{x=unquoted} 2\n";
    expect(() => parsePrometheusText(text, { strict: true })).toThrow(/line 3: malformed sample/);
    expect(parsePrometheusText(text)).toEqual([{ name: "a", labels: {}, value: 1 }]);
  });
});

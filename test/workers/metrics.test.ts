import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/lapi/app";
import { LAPI_DURATION_BUCKETS } from "../../src/lapi/metrics/metric-families";
import { MAX_SERIES, type MetricsObjectApi } from "../../src/lapi/metrics/metrics-object";
import { parsePrometheusText, type Sample, sampleTotal } from "../../src/shared/prometheus-text";
import { auth, decision, alert as makeAlert, mustPost } from "./alerts-fixtures";
import { ADMIN, AGENT_UA, BASE, bouncerKey, call, jsonInit } from "./helpers";
import {
  compileFiles,
  HUB,
  hubFile,
  item,
  postOk,
  register,
  sshFailure,
  wire,
} from "./ingest-support";
import { seedDecisions } from "./seed";

const SCRAPE = { Authorization: `Bearer ${env.METRICS_TOKEN}` };

async function scrape(headers: Record<string, string> = ADMIN): Promise<Sample[]> {
  const r = await call("/metrics", { headers });
  expect(r.status).toBe(200);
  expect(r.headers.get("Content-Type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await r.text(), { strict: true });
}

/** How much each (metric, labels) moved between two scrapes. */
function moved(before: Sample[], after: Sample[], metric: string, labels: Record<string, string>) {
  return sampleTotal(after, metric, labels) - sampleTotal(before, metric, labels);
}

describe("GET /metrics authentication", () => {
  it("refuses an anonymous scrape with 401 and CrowdSec's message body", async () => {
    const r = await call("/metrics");
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({
      message: "admin token or admin client certificate required",
    });
  });

  it("refuses a wrong bearer token with 403", async () => {
    const r = await call("/metrics", { headers: { Authorization: `Bearer ${"x".repeat(32)}` } });
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ message: "access forbidden" });
  });

  it("serves the admin token and the scrape-only METRICS_TOKEN", async () => {
    await scrape(ADMIN);
    await scrape(SCRAPE);
  });

  it("does not let METRICS_TOKEN into the admin API", async () => {
    const r = await call("/admin/v1/machines", { headers: SCRAPE });
    expect(r.status).toBe(403);
  });
});

describe("GET /metrics counters", () => {
  let agent: Record<string, string>;
  let key: string;

  beforeAll(async () => {
    agent = await auth("metrics-scrape-agent");
    key = await bouncerKey("metrics-scrape-bouncer");
  });

  it("counts route hits, their durations and the machine's hits", async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) {
      expect((await call("/v1/heartbeat", { headers: { ...agent, ...AGENT_UA } })).status).toBe(
        200,
      );
    }
    const after = await scrape();
    const route = { route: "/v1/heartbeat", method: "GET" };
    expect(moved(before, after, "cs_lapi_route_requests_total", route)).toBe(3);
    expect(
      moved(before, after, "cs_lapi_machine_requests_total", {
        ...route,
        machine: "metrics-scrape-agent",
      }),
    ).toBe(3);
    const endpoint = { endpoint: "/v1/heartbeat", method: "GET" };
    expect(moved(before, after, "cs_lapi_request_duration_seconds_count", endpoint)).toBe(3);
    expect(
      moved(before, after, "cs_lapi_request_duration_seconds_bucket", { ...endpoint, le: "+Inf" }),
    ).toBe(3);
    // The bucket rows are cumulative: none exceeds +Inf, and every bound is present.
    const buckets = after.filter(
      (s) =>
        s.name === "cs_lapi_request_duration_seconds_bucket" &&
        s.labels.endpoint === "/v1/heartbeat",
    );
    expect(buckets.map((b) => b.labels.le)).toEqual([...LAPI_DURATION_BUCKETS.map(String), "+Inf"]);
    const values = buckets.map((b) => b.value);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
  });

  it("labels a route with a path parameter by its pattern", async () => {
    const before = await scrape();
    const r = await call("/v1/alerts/999999999", { headers: { ...agent, ...AGENT_UA } });
    expect(r.status).toBe(404);
    const after = await scrape();
    expect(
      moved(before, after, "cs_lapi_route_requests_total", {
        route: "/v1/alerts/:alert_id",
        method: "GET",
      }),
    ).toBe(1);
  });

  it("counts a refused request as a route hit only", async () => {
    const before = await scrape();
    expect((await call("/v1/decisions", { headers: { "X-Api-Key": "wrong" } })).status).toBe(403);
    const after = await scrape();
    const route = { route: "/v1/decisions", method: "GET" };
    expect(moved(before, after, "cs_lapi_route_requests_total", route)).toBe(1);
    expect(moved(before, after, "cs_lapi_bouncer_requests_total", route)).toBe(0);
  });

  it("counts the bouncer's hits and its empty / non-empty live answers", async () => {
    const ip = "203.0.113.77";
    const bouncer = { bouncer: "metrics-scrape-bouncer" };
    const lookup = () => call(`/v1/decisions?ip=${ip}`, { headers: { "X-Api-Key": key } });
    const before = await scrape();
    expect(await (await lookup()).text()).toBe("null");
    await mustPost(agent, [makeAlert({ decisions: [decision({ value: ip })] })]);
    expect(await (await lookup()).json()).toHaveLength(1);
    expect(await (await lookup()).json()).toHaveLength(1);
    const after = await scrape();
    expect(moved(before, after, "cs_lapi_decisions_ko_total", bouncer)).toBe(1);
    expect(moved(before, after, "cs_lapi_decisions_ok_total", bouncer)).toBe(2);
    expect(
      moved(before, after, "cs_lapi_bouncer_requests_total", {
        ...bouncer,
        route: "/v1/decisions",
        method: "GET",
      }),
    ).toBe(3);
  });

  it("counts the decisions stream answers send", async () => {
    await mustPost(agent, [makeAlert({ decisions: [decision({ value: "203.0.113.78" })] })]);
    const before = await scrape();
    const r = await call("/v1/decisions/stream?startup=true", { headers: { "X-Api-Key": key } });
    const body = (await r.json()) as { new: unknown[] | null; deleted: unknown[] | null };
    const after = await scrape();
    expect(moved(before, after, "rampart_stream_decisions_total", { list: "new" })).toBe(
      body.new?.length ?? 0,
    );
    expect(body.new?.length ?? 0).toBeGreaterThan(0);
  });

  it("computes cs_active_decisions and cs_alerts from D1 at scrape time", async () => {
    const scenario = "test/metrics-gauge";
    const before = await scrape();
    await mustPost(agent, [
      makeAlert({
        scenario,
        decisions: [
          decision({ value: "203.0.113.80", scenario, origin: "crowdsec" }),
          decision({ value: "203.0.113.81", scenario, origin: "crowdsec" }),
          decision({ value: "203.0.113.82", scenario, origin: "crowdsec", type: "captcha" }),
        ],
      }),
    ]);
    const after = await scrape();
    const labels = { reason: scenario, origin: "crowdsec" };
    expect(moved(before, after, "cs_active_decisions", { ...labels, action: "ban" })).toBe(2);
    expect(moved(before, after, "cs_active_decisions", { ...labels, action: "captcha" })).toBe(1);
    expect(moved(before, after, "cs_alerts", { reason: scenario })).toBe(1);
    // This gauge read decisions and alerts: the next scrape reports what it read.
    const next = await scrape();
    expect(moved(after, next, "rampart_d1_rows_read_total", { route: "/metrics" })).toBeGreaterThan(
      0,
    );
  });

  it("leaves alerts holding Central API decisions out of cs_alerts, as include_capi=false", async () => {
    const before = await scrape();
    await seedDecisions([{ value: "198.51.100.200", ttl: 3_600_000, origin: "CAPI" }]);
    const mid = await scrape();
    expect(moved(before, mid, "cs_alerts", { reason: "seed" })).toBe(0);
    expect(
      moved(before, mid, "cs_active_decisions", {
        reason: "crowdsecurity/ssh-bf",
        origin: "CAPI",
        action: "ban",
      }),
    ).toBe(1);
    await seedDecisions([{ value: "198.51.100.201", ttl: 3_600_000 }]);
    expect(moved(mid, await scrape(), "cs_alerts", { reason: "seed" })).toBe(1);
  });

  it("sums increments of different isolates in the metrics object", async () => {
    // Two app instances stand in for two isolates: each has its own recorder.
    const send = async (app: ReturnType<typeof createApp>, path: string, headers = {}) => {
      const ctx = createExecutionContext();
      const r = await app.fetch(new Request(`${BASE}${path}`, { headers }), env, ctx);
      await waitOnExecutionContext(ctx);
      return r;
    };
    const a = createApp();
    const b = createApp();
    const before = parsePrometheusText(await (await send(b, "/metrics", ADMIN)).text());
    await send(a, "/health");
    await send(a, "/health");
    await send(b, "/health");
    const after = parsePrometheusText(await (await send(b, "/metrics", ADMIN)).text());
    expect(
      moved(before, after, "cs_lapi_route_requests_total", { route: "/health", method: "GET" }),
    ).toBe(3);
  });
});

describe.skipIf(!HUB)("GET /metrics ingestion counters", () => {
  it("counts ingested events, pours and overflows of an ssh-bf attack", async () => {
    const token = (await auth("metrics-ingest-agent")).Authorization!.slice(7);
    const content = hubFile("hub/scenarios/crowdsecurity/ssh-bf.yaml");
    expect(
      (await register(token, { scenarios: [await item("crowdsecurity/ssh-bf", content)] })).status,
    ).toBe(200);
    const scenarios = await compileFiles([{ name: "crowdsecurity/ssh-bf", content }]);
    const ip = "198.51.100.99";
    const start = Date.UTC(2023, 2, 1, 10);
    const events = Array.from({ length: 6 }, (_, i) => ({
      id: `metrics-ingest/${i}`,
      time: start + i * 1000,
      event: sshFailure(ip, start + i * 1000),
    }));
    const before = await scrape();
    const result = await postOk(token, wire(scenarios, events));
    expect(result.overflows).toBeGreaterThan(0);
    await postOk(token, wire(scenarios, events));
    const after = await scrape();
    expect(moved(before, after, "rampart_ingest_events_total", { result: "accepted" })).toBe(6);
    expect(moved(before, after, "rampart_ingest_events_total", { result: "duplicate" })).toBe(6);
    expect(moved(before, after, "rampart_bucket_pours_total", {})).toBeGreaterThanOrEqual(6);
    expect(moved(before, after, "rampart_bucket_overflows_total", {})).toBe(result.overflows);
    const ssh = { name: "crowdsecurity/ssh-bf" };
    expect(moved(before, after, "cs_bucket_overflowed_total", ssh)).toBe(result.overflows);
    // One partition (one source IP): one instance, created by the first event; the retry
    // pours nothing, so it creates nothing.
    expect(moved(before, after, "cs_bucket_created_total", ssh)).toBe(1);
    // The overflow ended it: no instance left.
    expect(moved(before, after, "cs_buckets", ssh)).toBe(0);
    // Two more events after the overflow: a second instance, still alive.
    const later = Array.from({ length: 2 }, (_, i) => ({
      id: `metrics-ingest/later-${i}`,
      time: start + (7 + i) * 1000,
      event: sshFailure(ip, start + (7 + i) * 1000),
    }));
    await postOk(token, wire(scenarios, later));
    const last = await scrape();
    expect(moved(before, last, "cs_bucket_created_total", ssh)).toBe(2);
    expect(moved(before, last, "cs_buckets", ssh)).toBe(1);
    expect(
      moved(before, after, "cs_bucket_poured_total", {
        ...ssh,
        source: "/var/log/auth.log",
        type: "file",
      }),
    ).toBe(6);
    expect(moved(before, after, "cs_alerts", { reason: "crowdsecurity/ssh-bf" })).toBe(
      result.alerts.length,
    );
  });
});

describe("MetricsObject", () => {
  it("keeps at most MAX_SERIES series and counts the increments it drops", async () => {
    const object = env.METRICS.getByName("series-cap-test") as unknown as MetricsObjectApi;
    const deltas = Array.from({ length: MAX_SERIES + 5 }, (_, i) => ({
      name: "cs_lapi_route_requests_total",
      labels: `route="/cap/${i}",method="GET"`,
      value: 1,
    }));
    expect(await object.add(deltas)).toBe(5);
    // Known series still count; new ones are dropped.
    expect(await object.add([deltas[0]!, deltas[MAX_SERIES + 1]!])).toBe(1);
    const snapshot = await object.snapshot();
    expect(snapshot.find((s) => s.labels === deltas[0]!.labels)?.value).toBe(2);
    expect(snapshot.find((s) => s.name === "rampart_metrics_series_dropped_total")?.value).toBe(6);
  });
});

it("answers 405 to another method on /metrics, as gin does", async () => {
  const r = await call("/metrics", jsonInit("POST", {}, ADMIN));
  expect(r.status).toBe(405);
});

import { describe, expect, it } from "vitest";
import { parsePrometheusText } from "../../shared/prometheus-text.js";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";
import { makeMetricsCommand } from "./metrics.js";

const PROM = `# HELP cs_filesource_hits_total Total lines that were read.
# TYPE cs_filesource_hits_total counter
cs_filesource_hits_total{source="/var/log/auth.log"} 12
cs_parser_hits_ok_total{source="/var/log/auth.log"} 10
cs_parser_hits_ko_total{source="/var/log/auth.log"} 2
cs_bucket_poured_total{name="crowdsecurity/ssh-bf",source="/var/log/auth.log"} 4
cs_bucket_overflowed_total{name="crowdsecurity/ssh-bf"} 1
cs_node_hits_total{name="crowdsecurity/sshd-logs",source="/var/log/auth.log"} 12
cs_node_hits_ok_total{name="crowdsecurity/sshd-logs",source="/var/log/auth.log"} 4
`;

function run(args: string[], fetchText: (url: string) => Promise<string>, lapi = fakeLapi()) {
  return runCli(lapi, ["metrics", ...args], {
    extraCommands: (io) => [
      makeMetricsCommand({
        io,
        client: lapi,
        config: () => ({ prometheusUrl: "http://agent.test/metrics" }),
        fetchText,
      }),
    ],
  });
}

describe("parsePrometheusText", () => {
  it("reads names, labels with escapes, and values", () => {
    expect(parsePrometheusText('a_total{x="1",y="q\\"z"} 3.5\n# c\nb 2 1700000000\n')).toEqual([
      { name: "a_total", labels: { x: "1", y: 'q"z' }, value: 3.5 },
      { name: "b", labels: {}, value: 2 },
    ]);
  });
});

describe("rampart metrics", () => {
  it("renders cscli's acquisition, bucket and parser tables from the agent", async () => {
    const seen: string[] = [];
    const out = await run(["--no-lapi"], async (url) => {
      seen.push(url);
      return PROM;
    });
    expect(seen).toEqual(["http://agent.test/metrics"]);
    expect(out.stdout).toContain("Acquisition Metrics:\n");
    expect(out.stdout).toMatch(/\| \/var\/log\/auth\.log \| 12\s+\| 10\s+\| 2\s+\| 4\s+\|/);
    expect(out.stdout).toMatch(/\| crowdsecurity\/ssh-bf \| -\s+\| 1\s+\| -\s+\| 4\s+\| -\s+\|/);
    expect(out.stdout).toMatch(/\| crowdsecurity\/sshd-logs \| 12\s+\| 4\s+\| -\s+\|/);
    expect(out.stdout).not.toContain("Local Api Metrics");
  });

  it("sums the LAPI usage metrics per component and metric", async () => {
    const lapi = fakeLapi();
    const payload = (value: number) => ({
      metrics: [
        {
          meta: { window_size_seconds: 60, utc_now_timestamp: 1 },
          items: [{ name: "dropped", unit: "request", value, labels: { origin: "cscli" } }],
        },
      ],
      type: "rampart-bouncer",
    });
    lapi.usageMetrics = async () => [
      { generated_type: "RC", generated_by: "edge", received_at: "t2", payload: payload(3) },
      { generated_type: "RC", generated_by: "edge", received_at: "t1", payload: payload(4) },
    ];
    const out = await run(["--no-agent", "-o", "json"], async () => PROM, lapi);
    expect(JSON.parse(out.stdout)).toEqual({
      usage: [
        {
          component: "edge",
          type: "RC",
          metric: "dropped",
          labels: "origin=cscli",
          value: 7,
          unit: "request",
        },
      ],
      agent: {},
    });
  });

  it("warns on stderr when the agent cannot be reached but still shows the LAPI figures", async () => {
    const out = await run([], async () => {
      throw new Error("fetch failed", { cause: { code: "ECONNREFUSED" } });
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      "Usage Metrics (pushed to the LAPI by bouncers and agents):\n  (none yet)\n",
    );
    expect(out.stderr).toBe(
      "warning: agent metrics unavailable at http://agent.test/metrics (ECONNREFUSED)\n",
    );
    const only = await run(["--no-lapi"], async () => {
      throw new Error("fetch failed", { cause: { code: "ECONNREFUSED" } });
    });
    expect(only).toMatchObject({
      code: 1,
      stderr: "rampart: agent metrics unavailable at http://agent.test/metrics (ECONNREFUSED)\n",
    });
  });

  it("shows examples in --help", async () => {
    expect((await run(["--help"], async () => "")).stdout).toContain(
      "Examples:\n  rampart metrics",
    );
  });
});

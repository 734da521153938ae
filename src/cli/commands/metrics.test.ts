import { describe, expect, it } from "vitest";
import { parsePrometheusText } from "../../shared/prometheus-text.js";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";
import { goIndent, makeMetricsCommand } from "./metrics.js";

/** What the agent serves: acquisition and parser counters (CrowdSec names). */
const AGENT = `# HELP cs_filesource_hits_total Total lines that were read.
# TYPE cs_filesource_hits_total counter
cs_filesource_hits_total{source="/var/log/auth.log"} 12
cs_parser_hits_ok_total{source="/var/log/auth.log",type="file"} 10
cs_parser_hits_ko_total{source="/var/log/auth.log",type="file"} 2
cs_node_hits_total{name="crowdsecurity/sshd-logs",source="/var/log/auth.log",type="file"} 12
cs_node_hits_ok_total{name="crowdsecurity/sshd-logs",source="/var/log/auth.log",type="file"} 4
`;

/** What the LAPI serves: buckets, routes, machines, bouncers, decisions, alerts. */
const LAPI = `cs_bucket_poured_total{source="/var/log/auth.log",type="file",name="crowdsecurity/ssh-bf"} 4
cs_bucket_overflowed_total{name="crowdsecurity/ssh-bf"} 1
cs_lapi_route_requests_total{route="/v1/watchers/login",method="POST"} 2
cs_lapi_route_requests_total{route="/v1/decisions",method="GET"} 3
cs_lapi_machine_requests_total{machine="m1",route="/v1/alerts",method="POST"} 1
cs_lapi_bouncer_requests_total{bouncer="fw",route="/v1/decisions",method="GET"} 3
cs_lapi_decisions_ko_total{bouncer="fw"} 2
cs_lapi_decisions_ok_total{bouncer="fw"} 1
cs_active_decisions{reason="crowdsecurity/ssh-bf",origin="crowdsec",action="ban"} 1
cs_alerts{reason="crowdsecurity/ssh-bf"} 1
`;

function run(
  args: string[],
  fetchText: (url: string) => Promise<string>,
  lapi = Object.assign(fakeLapi(), { prometheusMetrics: async () => LAPI }),
) {
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

describe("goIndent", () => {
  it("sorts keys and indents by one space like Go's MarshalIndent", () => {
    expect(goIndent({ b: { y: 1, x: 2 }, a: {}, "<": 3 })).toBe(
      '{\n "\\u003c": 3,\n "a": {},\n "b": {\n  "x": 2,\n  "y": 1\n }\n}',
    );
  });
});

describe("rampart metrics", () => {
  it("prints cscli 1.4.6's tables from the agent and the LAPI, merged", async () => {
    const seen: string[] = [];
    const out = await run([], async (url) => {
      seen.push(url);
      return AGENT;
    });
    expect(seen).toEqual(["http://agent.test/metrics"]);
    const titles = [...out.stdout.matchAll(/^(\S.*):$/gm)].map((m) => m[1]);
    expect(titles).toEqual([
      "Acquisition Metrics",
      "Bucket Metrics",
      "Parser Metrics",
      "Local Api Metrics",
      "Local Api Machines Metrics",
      "Local Api Bouncers Metrics",
      "Local Api Bouncers Decisions",
      "Local Api Decisions",
      "Local Api Alerts",
    ]);
    expect(out.stdout.startsWith("\nAcquisition Metrics:\n")).toBe(true);
    expect(out.stdout).toMatch(/\| file:\/var\/log\/auth\.log \| 12\s+\| 10\s+\| 2\s+\| 4\s+\|/);
    expect(out.stdout).toMatch(/\| crowdsecurity\/ssh-bf \| -\s+\| 1\s+\| -\s+\| 4\s+\| -\s+\|/);
    expect(out.stdout).toMatch(/\| crowdsecurity\/sshd-logs \| 12\s+\| 4\s+\| -\s+\|/);
    // Route rows sorted by route, as Go's sort.Strings.
    expect(out.stdout).toMatch(
      /\| \/v1\/decisions\s+\| GET\s+\| 3\s+\|\n\| \/v1\/watchers\/login \| POST/,
    );
    expect(out.stdout).toMatch(/\| fw\s+\| 2\s+\| 1\s+\|/);
    expect(out.stdout).toMatch(/\| crowdsecurity\/ssh-bf \| crowdsec \| ban\s+\| 1\s+\|/);
  });

  it("prints cscli's nine JSON maps back to back with -o json", async () => {
    const out = await run(["-o", "json"], async () => AGENT);
    const objects = out.stdout.trimEnd().split(/(?<=\})(?=\{)/);
    expect(objects).toHaveLength(9);
    const [
      acquis,
      parsers,
      buckets,
      lapi,
      lapiBouncer,
      lapiMachine,
      lapiDecisions,
      decisions,
      alerts,
    ] = objects.map((o) => JSON.parse(o));
    expect(acquis).toEqual({
      "file:/var/log/auth.log": { parsed: 10, pour: 4, reads: 12, unparsed: 2 },
    });
    expect(parsers).toEqual({ "crowdsecurity/sshd-logs": { hits: 12, parsed: 4 } });
    expect(buckets).toEqual({ "crowdsecurity/ssh-bf": { overflow: 1, pour: 4 } });
    expect(lapi).toEqual({ "/v1/decisions": { GET: 3 }, "/v1/watchers/login": { POST: 2 } });
    expect(lapiBouncer).toEqual({ fw: { "/v1/decisions": { GET: 3 } } });
    expect(lapiMachine).toEqual({ m1: { "/v1/alerts": { POST: 1 } } });
    expect(lapiDecisions).toEqual({ fw: { NilDecisions: 2, NonNilDecisions: 1 } });
    expect(decisions).toEqual({ "crowdsecurity/ssh-bf": { crowdsec: { ban: 1 } } });
    expect(alerts).toEqual({ "crowdsecurity/ssh-bf": 1 });
  });

  it("warns on stderr when the agent cannot be reached but still shows the LAPI tables", async () => {
    const refused = async () => {
      throw new Error("fetch failed", { cause: { code: "ECONNREFUSED" } });
    };
    const out = await run([], refused);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("\nLocal Api Metrics:\n");
    // Only the LAPI's pours are left of the acquisition table.
    expect(out.stdout).toMatch(/\| file:\/var\/log\/auth\.log \| -\s+\| -\s+\| -\s+\| 4\s+\|/);
    expect(out.stdout).not.toContain("Parser Metrics");
    expect(out.stderr).toBe(
      "warning: agent metrics unavailable at http://agent.test/metrics (ECONNREFUSED)\n",
    );
    expect(await run(["--no-lapi"], refused)).toMatchObject({
      code: 1,
      stderr: "rampart: agent metrics unavailable at http://agent.test/metrics (ECONNREFUSED)\n",
    });
  });

  it("sums the usage metrics bouncers pushed with `metrics show bouncers`", async () => {
    const lapi = fakeLapi();
    const seen: unknown[] = [];
    const payload = (value: number, now: number) => ({
      metrics: [
        {
          meta: { window_size_seconds: 60, utc_now_timestamp: now },
          items: [
            { name: "dropped", unit: "request", value, labels: { origin: "cscli" } },
            { name: "dropped", unit: "request", value: 1, labels: { origin: "crowdsec" } },
          ],
        },
      ],
    });
    lapi.usageMetrics = async (q) => {
      seen.push(q);
      return [
        {
          generated_type: "RC",
          generated_by: "edge",
          received_at: "t2",
          payload: payload(3, 1_763_700_120),
        },
        {
          generated_type: "RC",
          generated_by: "edge",
          received_at: "t1",
          payload: payload(4, 1_763_700_060),
        },
      ];
    };
    const out = await run(["show", "bouncers"], async () => "", lapi);
    expect(seen).toEqual([{ type: "RC", limit: "1000" }]);
    expect(out.stdout).toContain("\nBouncer Metrics (edge) since 2025-11-21T04:40:00.000Z:\n");
    expect(out.stdout).toMatch(/\| cscli\s+\| 7\s+\|/);
    expect(out.stdout).toMatch(/\| crowdsec\s+\| 2\s+\|/);
    expect(out.stdout).toMatch(/\| Total\s+\| 9\s+\|/);
    const json = await run(["show", "bouncers", "-o", "json"], async () => "", lapi);
    expect(JSON.parse(json.stdout)).toEqual({
      edge: { cscli: { "dropped (request)": 7 }, crowdsec: { "dropped (request)": 2 } },
    });
    expect(await run(["show", "nope"], async () => "", lapi)).toMatchObject({ code: 2 });
  });

  it("shows examples in --help", async () => {
    expect((await run(["--help"], async () => "")).stdout).toContain(
      "Examples:\n  rampart metrics",
    );
  });
});

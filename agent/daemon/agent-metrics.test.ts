import { describe, expect, it } from "vitest";
import { newLogEvent } from "../../src/engine/event.js";
import { AgentMetrics, NodeHits } from "./agent-metrics.js";

const evt = (src: string, module = "syslog") => newLogEvent({ Raw: "x", Src: src, Module: module });

describe("NodeHits (cs_node_hits*)", () => {
  it("sums hits, successes and failures per source, type and node name", () => {
    const hits = new NodeHits();
    const a = evt("10.0.0.1");
    hits.hit("p", a);
    hits.ok("p", a);
    hits.hit("p", a);
    hits.ko("p", a);
    hits.hit("q", evt("10.0.0.2", "file"));
    expect([...hits.entries()]).toEqual([
      [
        { source: "10.0.0.1", type: "syslog", name: "p" },
        { hits: 2, ok: 1, ko: 1 },
      ],
      [
        { source: "10.0.0.2", type: "file", name: "q" },
        { hits: 1, ok: 0, ko: 0 },
      ],
    ]);
  });

  it("counts sources past 1000 label sets as source=other", () => {
    const hits = new NodeHits();
    for (let i = 0; i < 1005; i++) hits.hit("p", evt(`10.0.${i >> 8}.${i & 255}`));
    const entries = [...hits.entries()];
    expect(entries).toHaveLength(1001);
    expect(entries.at(-1)).toEqual([
      { source: "other", type: "syslog", name: "p" },
      { hits: 5, ok: 0, ko: 0 },
    ]);
  });

  it("is exported with 1.4.6's names and labels, zero series left out", async () => {
    const metrics = new AgentMetrics({
      sources: () => [],
      pipelines: () => [],
      spool: () => ({ events: 0, bytes: 0, maxBytes: 0, full: false }),
      deadLettered: () => 0,
    });
    const e = evt("/var/log/auth.log", "file");
    metrics.nodeHits.hit("crowdsecurity/sshd-logs", e);
    metrics.nodeHits.ok("crowdsecurity/sshd-logs", e);
    const text = await metrics.registry.metrics();
    const labels = 'source="/var/log/auth.log",type="file",name="crowdsecurity/sshd-logs"';
    expect(text).toContain(`cs_node_hits_total{${labels}} 1`);
    expect(text).toContain(`cs_node_hits_ok_total{${labels}} 1`);
    expect(text).not.toContain("cs_node_hits_ko_total{");
  });
});

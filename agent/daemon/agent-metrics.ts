/**
 * The daemon's Prometheus metrics (prom-client, one registry per daemon, no global default
 * registry). Names follow CrowdSec 1.4.6 where it has the metric (`cs_filesource_hits_total`,
 * `cs_journalctlsource_hits_total`, `cs_syslogsource_hits_total`, `cs_parser_hits_total`,
 * `cs_parser_hits_ok_total`, `cs_parser_hits_ko_total`, all labelled `source` and `type` as in
 * `pkg/acquisition/modules/*` and `pkg/parser/runtime.go`), so existing dashboards keep working;
 * delivery and spool metrics are Rampart's own (`rampart_agent_*`). The per-node counters
 * `cs_node_hits_total`, `cs_node_hits_ok_total` and `cs_node_hits_ko_total` (labels `source`,
 * `type`, `name`, 1.4.6 `pkg/parser/node.go`) come from {@link NodeHits}, which the daemon hands
 * to the parser only when the endpoint is enabled.
 *
 * The per-line path only bumps plain numbers in Maps; prom-client reads them at scrape time
 * (`collect`), so a busy log costs no label hashing per line.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PipelineEvent } from "../../src/engine/event.js";
import type { NodeHitCounter } from "../../src/engine/parser/node.js";
import type { EventBatchResult } from "../../src/shared/ingest-wire.js";
import type { AcquisitionSource, LogLine } from "../acquisition/types.js";
import type { FailureClass } from "../delivery/delivery.js";
import type { PipelineStats } from "../pipeline/signal-pipeline.js";
import type { LineCounts } from "./usage-metrics.js";

/** CrowdSec's per-datasource hit counters, by acquisition module. */
const SOURCE_HITS: Record<string, string> = {
  file: "cs_filesource_hits_total",
  journalctl: "cs_journalctlsource_hits_total",
  syslog: "cs_syslogsource_hits_total",
  stdin: "rampart_agent_stdin_hits_total",
};

/** What the metrics read at scrape time. */
export interface MetricsView {
  sources: () => readonly AcquisitionSource[];
  pipelines: () => readonly PipelineStats[];
  spool: () => { events: number; bytes: number; maxBytes: number; full: boolean };
  deadLettered: () => number;
}

const ST = ["source", "type"];

function countLine(counts: LineCounts, line: LogLine): void {
  let perSource = counts.get(line.module);
  if (!perSource) {
    perSource = new Map();
    counts.set(line.module, perSource);
  }
  const source = perSource.has(line.source) || perSource.size < MAX_SERIES ? line.source : "other";
  perSource.set(source, (perSource.get(source) ?? 0) + 1);
}

type LabelCounts = Map<string, { labels: Record<string, string>; value: number }>;

/**
 * Distinct label sets kept per metric: syslog sources are client addresses, which a flood of
 * spoofed UDP datagrams could make unbounded; past the cap lines count under `source="other"`.
 */
const MAX_SERIES = 1000;

function bump(counts: LabelCounts, key: string, labels: () => Record<string, string>): void {
  let entry = counts.get(key);
  if (!entry) {
    if (counts.size < MAX_SERIES) {
      entry = { labels: labels(), value: 0 };
      counts.set(key, entry);
    } else {
      const otherLabels = { ...labels(), source: "other" };
      const otherKey = `\u0001${JSON.stringify(otherLabels)}`;
      entry = counts.get(otherKey);
      if (!entry) {
        entry = { labels: otherLabels, value: 0 };
        counts.set(otherKey, entry);
      }
    }
  }
  entry.value++;
}

/** Hits, successes and failures of one node for one `source`/`type`. */
interface NodeCounts {
  hits: number;
  ok: number;
  ko: number;
}

/**
 * The parser's per-node counters (a {@link NodeHitCounter}): nested Maps keyed by the node name,
 * `evt.Line.Src` and `evt.Line.Module`, whose strings are shared by every event of a source, so
 * a hit is three Map reads and an increment. Past {@link MAX_SERIES} label sets a new source
 * counts as `source="other"`.
 */
export class NodeHits implements NodeHitCounter {
  private readonly byName = new Map<string, Map<string, Map<string, NodeCounts>>>();
  private series = 0;

  private counts(name: string, evt: PipelineEvent): NodeCounts {
    let bySource = this.byName.get(name);
    if (!bySource) {
      bySource = new Map();
      this.byName.set(name, bySource);
    }
    const { Src, Module } = evt.Line;
    let byType = bySource.get(Src);
    if (!byType) {
      if (this.series >= MAX_SERIES) return this.other(bySource, Module);
      byType = new Map();
      bySource.set(Src, byType);
    }
    let counts = byType.get(Module);
    if (!counts) {
      if (this.series >= MAX_SERIES) return this.other(bySource, Module);
      counts = { hits: 0, ok: 0, ko: 0 };
      byType.set(Module, counts);
      this.series++;
    }
    return counts;
  }

  private other(bySource: Map<string, Map<string, NodeCounts>>, module: string): NodeCounts {
    let byType = bySource.get("other");
    if (!byType) {
      byType = new Map();
      bySource.set("other", byType);
    }
    let counts = byType.get(module);
    if (!counts) {
      counts = { hits: 0, ok: 0, ko: 0 };
      byType.set(module, counts);
    }
    return counts;
  }

  hit(name: string, evt: PipelineEvent): void {
    this.counts(name, evt).hits++;
  }
  ok(name: string, evt: PipelineEvent): void {
    this.counts(name, evt).ok++;
  }
  ko(name: string, evt: PipelineEvent): void {
    this.counts(name, evt).ko++;
  }

  /** Every label set with its counts. */
  *entries(): Generator<[{ source: string; type: string; name: string }, NodeCounts]> {
    for (const [name, bySource] of this.byName) {
      for (const [source, byType] of bySource) {
        for (const [type, counts] of byType) yield [{ source, type, name }, counts];
      }
    }
  }
}

/** The daemon's metrics and the hooks that feed them. */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly sourceHits = new Map<string, LabelCounts>();
  private readonly parserHits: LabelCounts = new Map();
  private readonly parserOk: LabelCounts = new Map();
  private readonly parserKo: LabelCounts = new Map();
  /** The parser's per-node counters; the daemon attaches them to the pipeline when scraped. */
  readonly nodeHits = new NodeHits();
  private readonly postDuration: Histogram<"outcome">;
  private readonly eventsPosted: Counter;
  private readonly batchResults: Counter<"result">;
  private readonly lapiErrors: Counter<"call" | "kind">;
  private readonly spoolFullSeconds: Counter;

  constructor(view: MetricsView) {
    const registry = this.registry;
    const fromCounts = (name: string, help: string, labelNames: string[], counts: LabelCounts) =>
      new Counter({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const { labels, value } of counts.values()) this.labels(labels).inc(value);
        },
      });
    for (const name of Object.values(SOURCE_HITS)) {
      const counts: LabelCounts = new Map();
      this.sourceHits.set(name, counts);
      fromCounts(name, "Total lines read from this datasource.", ["source"], counts);
    }
    fromCounts("cs_parser_hits_total", "Total events entering the parser.", ST, this.parserHits);
    fromCounts("cs_parser_hits_ok_total", "Total events successfully parsed.", ST, this.parserOk);
    fromCounts("cs_parser_hits_ko_total", "Total events unsuccessfully parsed.", ST, this.parserKo);
    const nodeHits = this.nodeHits;
    const nodeCounter = (name: string, help: string, pick: (c: NodeCounts) => number) =>
      new Counter({
        name,
        help,
        labelNames: ["source", "type", "name"],
        registers: [registry],
        collect() {
          this.reset();
          for (const [labels, counts] of nodeHits.entries()) {
            const value = pick(counts);
            if (value > 0) this.labels(labels).inc(value);
          }
        },
      });
    nodeCounter("cs_node_hits_total", "Total events entered node.", (c) => c.hits);
    nodeCounter("cs_node_hits_ok_total", "Total events successfully exited node.", (c) => c.ok);
    nodeCounter("cs_node_hits_ko_total", "Total events unsuccessfully exited node.", (c) => c.ko);

    new Counter({
      name: "rampart_agent_lines_read_total",
      help: "Lines emitted by each acquisition datasource.",
      labelNames: ["datasource"],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of view.sources()) this.labels({ datasource: s.name }).inc(s.stats.read);
      },
    });
    new Counter({
      name: "rampart_agent_lines_skipped_total",
      help: "Lines dropped before parsing, by datasource and reason (overflow = UDP syslog drops while reading is paused).",
      labelNames: ["datasource", "reason"],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of view.sources()) {
          for (const [reason, n] of Object.entries(s.stats.skipped)) {
            this.labels({ datasource: s.name, reason }).inc(n);
          }
        }
      },
    });
    const pipelineCounter = (name: string, help: string, pick: (s: PipelineStats) => number) =>
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(view.pipelines().reduce((sum, s) => sum + pick(s), 0));
        },
      });
    pipelineCounter(
      "rampart_agent_lines_parsed_total",
      "Lines every parser stage accepted.",
      (s) => s.parsed,
    );
    pipelineCounter(
      "rampart_agent_lines_whitelisted_total",
      "Parsed events discarded by a whitelist.",
      (s) => s.whitelisted,
    );
    pipelineCounter(
      "rampart_agent_parse_errors_total",
      "Lines whose parsing aborted on a run-time error.",
      (s) => s.parseErrors,
    );
    pipelineCounter(
      "rampart_agent_signals_total",
      "Events some scenario accepted (sent to the LAPI).",
      (s) => s.signals,
    );
    new Counter({
      name: "rampart_agent_lines_unparsed_total",
      help: "Lines no parser of a stage accepted, by stage.",
      labelNames: ["stage"],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of view.pipelines()) {
          for (const [stage, n] of Object.entries(s.unparsed)) this.labels({ stage }).inc(n);
        }
      },
    });
    this.eventsPosted = new Counter({
      name: "rampart_agent_events_posted_total",
      help: "Events acknowledged by the LAPI.",
      registers: [registry],
    });
    this.batchResults = new Counter({
      name: "rampart_agent_lapi_results_total",
      help: "What the LAPI reported for acknowledged batches: accepted and duplicate events, overflows, alerts.",
      labelNames: ["result"],
      registers: [registry],
    });
    this.postDuration = new Histogram({
      name: "rampart_agent_post_duration_seconds",
      help: "Latency of POST /v1/rampart/events, by outcome.",
      labelNames: ["outcome"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.lapiErrors = new Counter({
      name: "rampart_agent_lapi_errors_total",
      help: "Failed LAPI calls by call and kind (network, server, throttled, auth, rejected, internal).",
      labelNames: ["call", "kind"],
      registers: [registry],
    });
    new Counter({
      name: "rampart_agent_events_dead_lettered_total",
      help: "Events the LAPI refused for good, written to the dead-letter file.",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(view.deadLettered());
      },
    });
    new Gauge({
      name: "rampart_agent_spool_events",
      help: "Events in the disk spool, waiting for the LAPI.",
      registers: [registry],
      collect() {
        this.set(view.spool().events);
      },
    });
    new Gauge({
      name: "rampart_agent_spool_bytes",
      help: "Bytes of the disk spool.",
      registers: [registry],
      collect() {
        this.set(view.spool().bytes);
      },
    });
    new Gauge({
      name: "rampart_agent_spool_max_bytes",
      help: "The spool bound (spool.max_bytes).",
      registers: [registry],
      collect() {
        this.set(view.spool().maxBytes);
      },
    });
    new Gauge({
      name: "rampart_agent_spool_full",
      help: "1 while the spool is full and reading is paused.",
      registers: [registry],
      collect() {
        this.set(view.spool().full ? 1 : 0);
      },
    });
    this.spoolFullSeconds = new Counter({
      name: "rampart_agent_spool_full_seconds_total",
      help: "Time reading was paused because the spool was full.",
      registers: [registry],
    });
  }

  /** Lines read, parsed and unparsed per module and source (usage metrics). */
  readonly usage: { read: LineCounts; parsed: LineCounts; unparsed: LineCounts } = {
    read: new Map(),
    parsed: new Map(),
    unparsed: new Map(),
  };

  /** One acquired line and whether every parser stage accepted it. */
  line(line: LogLine, parsed: boolean): void {
    countLine(this.usage.read, line);
    countLine(parsed ? this.usage.parsed : this.usage.unparsed, line);
    const name = SOURCE_HITS[line.module];
    if (name) bump(this.sourceHits.get(name)!, line.source, () => ({ source: line.source }));
    // CrowdSec 1.4.6 labels the parser counters with the datasource (`evt.Line.Module`: "file"),
    // not the acquisition's `labels.type`; cscli keys its acquisition rows by `<type>:<source>`.
    const type = line.module;
    const key = `${line.source}\u0000${type}`;
    const labels = () => ({ source: line.source, type });
    bump(this.parserHits, key, labels);
    bump(parsed ? this.parserOk : this.parserKo, key, labels);
  }

  /** Delivery hooks. */
  posted(events: number, result: EventBatchResult, seconds: number): void {
    this.eventsPosted.inc(events);
    this.batchResults.inc({ result: "accepted" }, result.accepted);
    this.batchResults.inc({ result: "duplicates" }, result.duplicates);
    this.batchResults.inc({ result: "overflows" }, result.overflows);
    this.batchResults.inc({ result: "alerts" }, result.alerts.length);
    this.postDuration.observe({ outcome: "ok" }, seconds);
  }

  failed(failure: FailureClass, seconds: number): void {
    this.lapiErrors.inc({ call: "events", kind: failure.kind });
    this.postDuration.observe({ outcome: "error" }, seconds);
  }

  /** A heartbeat or usage-metrics call failed. */
  callFailed(call: "heartbeat" | "usage_metrics" | "login", kind: string): void {
    this.lapiErrors.inc({ call, kind });
  }

  spoolFull(seconds: number): void {
    this.spoolFullSeconds.inc(seconds);
  }
}

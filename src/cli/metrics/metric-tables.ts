/**
 * The tables of `cscli metrics` 1.4.6 (cmd/crowdsec-cli/metrics.go), as data: each table is keyed
 * by one or more labels (its first columns) and has value columns, each one Prometheus metric
 * summed by those labels. Titles, headers, row order (sorted keys), "-" for a missing or zero cell
 * and the `-o json` shape (nested maps keyed like the rows, one object per table, in cscli's
 * order) were read off a real 1.4.6 against its own stack (test/e2e/cli-metrics.test.ts).
 */
import type { Sample } from "../../shared/prometheus-text.js";

/** A key column: the label it reads, its header, how a sample's value for it is derived. */
interface KeyColumn {
  header: string;
  of: (s: Sample) => string | undefined;
}

/** A value column: header, metric, and the key its count has in the JSON object. */
interface ValueColumn {
  header: string;
  metric: string;
  json: string;
}

/** One cscli metrics table. */
export interface MetricTable {
  title: string;
  /** cscli's name of the table's map in `-o json` (the order of {@link CSCLI_TABLES}). */
  jsonName: string;
  keys: KeyColumn[];
  values: ValueColumn[];
  /**
   * JSON shape: `nested` = one map level per key, then `{json: count}` (cscli's acquisition,
   * parser, bucket, bouncer-decision maps); `leaf` = one map level per key ending in the count
   * (the route, machine, bouncer, decision and alert maps).
   */
  shape: "nested" | "leaf";
}

const label =
  (name: string): KeyColumn["of"] =>
  (s) =>
    s.labels[name];

/** Datasource type of an acquisition hit counter without a `type` label (cs_filesource_…). */
function sourceType(metric: string): string | undefined {
  return /^cs_([a-z0-9]+)source_hits_total$/.exec(metric)?.[1];
}

/** cscli 1.4.6's acquisition key: `<type>:<source>` (the type from the label or the name). */
const acquisitionSource: KeyColumn["of"] = (s) => {
  const source = s.labels.source;
  if (source === undefined) return undefined;
  const type = s.labels.type ?? sourceType(s.name);
  return type === undefined ? source : `${type}:${source}`;
};

/** The acquisition hit counters of 1.4.6's datasources (and the agent's stdin one). */
export const SOURCE_HIT_METRICS = [
  "cs_filesource_hits_total",
  "cs_journalctlsource_hits_total",
  "cs_syslogsource_hits_total",
  "cs_dockersource_hits_total",
  "cs_cloudwatch_stream_hits_total",
  "cs_kafkasource_hits_total",
  "cs_kinesis_stream_hits_total",
  "cs_k8sauditsource_hits_total",
];

const route = { header: "Route", of: label("route") };
const method = { header: "Method", of: label("method") };

/** The tables, in the order cscli 1.4.6 prints their `-o json` maps. */
export const CSCLI_TABLES: readonly MetricTable[] = [
  {
    title: "Acquisition Metrics",
    jsonName: "acquisition",
    keys: [{ header: "Source", of: acquisitionSource }],
    values: [
      ...SOURCE_HIT_METRICS.map((metric) => ({ header: "Lines read", metric, json: "reads" })),
      { header: "Lines parsed", metric: "cs_parser_hits_ok_total", json: "parsed" },
      { header: "Lines unparsed", metric: "cs_parser_hits_ko_total", json: "unparsed" },
      { header: "Lines poured to bucket", metric: "cs_bucket_poured_total", json: "pour" },
    ],
    shape: "nested",
  },
  {
    title: "Parser Metrics",
    jsonName: "parsers",
    keys: [{ header: "Parsers", of: label("name") }],
    values: [
      { header: "Hits", metric: "cs_node_hits_total", json: "hits" },
      { header: "Parsed", metric: "cs_node_hits_ok_total", json: "parsed" },
      { header: "Unparsed", metric: "cs_node_hits_ko_total", json: "unparsed" },
    ],
    shape: "nested",
  },
  {
    title: "Bucket Metrics",
    jsonName: "buckets",
    keys: [{ header: "Bucket", of: label("name") }],
    values: [
      { header: "Current Count", metric: "cs_buckets", json: "curr_count" },
      { header: "Overflows", metric: "cs_bucket_overflowed_total", json: "overflow" },
      { header: "Instantiated", metric: "cs_bucket_created_total", json: "instantiation" },
      { header: "Poured", metric: "cs_bucket_poured_total", json: "pour" },
      { header: "Expired", metric: "cs_bucket_underflowed_total", json: "underflow" },
    ],
    shape: "nested",
  },
  {
    title: "Local Api Metrics",
    jsonName: "lapi",
    keys: [route, method],
    values: [{ header: "Hits", metric: "cs_lapi_route_requests_total", json: "" }],
    shape: "leaf",
  },
  {
    title: "Local Api Bouncers Metrics",
    jsonName: "lapi_bouncer",
    keys: [{ header: "Bouncer", of: label("bouncer") }, route, method],
    values: [{ header: "Hits", metric: "cs_lapi_bouncer_requests_total", json: "" }],
    shape: "leaf",
  },
  {
    title: "Local Api Machines Metrics",
    jsonName: "lapi_machine",
    keys: [{ header: "Machine", of: label("machine") }, route, method],
    values: [{ header: "Hits", metric: "cs_lapi_machine_requests_total", json: "" }],
    shape: "leaf",
  },
  {
    title: "Local Api Bouncers Decisions",
    jsonName: "lapi_decisions",
    keys: [{ header: "Bouncer", of: label("bouncer") }],
    values: [
      { header: "Empty answers", metric: "cs_lapi_decisions_ko_total", json: "NilDecisions" },
      {
        header: "Non-empty answers",
        metric: "cs_lapi_decisions_ok_total",
        json: "NonNilDecisions",
      },
    ],
    shape: "nested",
  },
  {
    title: "Local Api Decisions",
    jsonName: "decisions",
    keys: [
      { header: "Reason", of: label("reason") },
      { header: "Origin", of: label("origin") },
      { header: "Action", of: label("action") },
    ],
    values: [{ header: "Count", metric: "cs_active_decisions", json: "" }],
    shape: "leaf",
  },
  {
    title: "Local Api Alerts",
    jsonName: "alerts",
    keys: [{ header: "Reason", of: label("reason") }],
    values: [{ header: "Count", metric: "cs_alerts", json: "" }],
    shape: "leaf",
  },
];

/** A filled table: rows sorted by key, missing cells "-". */
export interface FilledTable {
  title: string;
  jsonName: string;
  head: string[];
  rows: (string | number)[][];
  /** cscli's `-o json` map of this table. */
  json: Record<string, unknown>;
}

/** Distinct value headers of a table, in order (several metrics may feed "Lines read"). */
function valueHeaders(t: MetricTable): ValueColumn[] {
  const seen = new Map<string, ValueColumn>();
  for (const v of t.values) if (!seen.has(v.header)) seen.set(v.header, v);
  return [...seen.values()];
}

/** Fills one table from samples (rows: sorted keys; a table without any row is empty). */
export function fillTable(t: MetricTable, samples: readonly Sample[]): FilledTable {
  const byMetric = new Map<string, ValueColumn[]>();
  for (const v of t.values) byMetric.set(v.metric, [...(byMetric.get(v.metric) ?? []), v]);
  const sums = new Map<string, { keys: string[]; cells: Map<string, number> }>();
  for (const s of samples) {
    const columns = byMetric.get(s.name);
    if (!columns) continue;
    const keys = t.keys.map((k) => k.of(s));
    if (keys.some((k) => k === undefined)) continue;
    const id = JSON.stringify(keys);
    const row = sums.get(id) ?? { keys: keys as string[], cells: new Map() };
    for (const c of columns) row.cells.set(c.header, (row.cells.get(c.header) ?? 0) + s.value);
    sums.set(id, row);
  }
  const headers = valueHeaders(t);
  const ordered = [...sums.values()].sort((a, b) => compareKeys(a.keys, b.keys));
  const rows = ordered.map((r) => [
    ...r.keys,
    ...headers.map((h) => {
      const v = r.cells.get(h.header);
      // cscli prints "-" for a missing or zero cell (metricsToTable).
      return v === undefined || v === 0 ? "-" : Math.trunc(v);
    }),
  ]);
  const json: Record<string, unknown> = {};
  for (const r of ordered) {
    let node = json;
    const path = t.shape === "leaf" ? r.keys.slice(0, -1) : r.keys;
    for (const k of path) {
      node[k] ??= {};
      node = node[k] as Record<string, unknown>;
    }
    if (t.shape === "leaf") {
      node[r.keys[r.keys.length - 1]!] = Math.trunc(r.cells.get(headers[0]!.header) ?? 0);
    } else {
      for (const h of headers) {
        const v = r.cells.get(h.header);
        if (v !== undefined) node[h.json] = Math.trunc(v);
      }
    }
  }
  return {
    title: t.title,
    jsonName: t.jsonName,
    head: [...t.keys.map((k) => k.header), ...headers.map((h) => h.header)],
    rows,
    json,
  };
}

/** Go's `sort.Strings` order, key by key (byte order, not locale). */
function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}

/**
 * The order cscli 1.4.6 prints the tables in (human output); `-o json` keeps the order of
 * {@link CSCLI_TABLES}, where parsers come before buckets and bouncers before machines.
 */
export const HUMAN_ORDER = [
  "acquisition",
  "buckets",
  "parsers",
  "lapi",
  "lapi_machine",
  "lapi_bouncer",
  "lapi_decisions",
  "decisions",
  "alerts",
];

/** Every table of cscli 1.4.6, filled from the merged samples of the agent and the LAPI. */
export function fillTables(samples: readonly Sample[]): FilledTable[] {
  return CSCLI_TABLES.map((t) => fillTable(t, samples));
}

/**
 * The agent metric tables of `cscli metrics` 1.4.6 (cmd/crowdsec-cli/metrics.go), as data: each
 * table has a key label and columns, each column one Prometheus metric summed by that label.
 */
import { type Sample, sumBy } from "../../shared/prometheus-text.js";

/** One cscli metrics table. */
export interface MetricTable {
  title: string;
  /** Label the rows are keyed by, and its column header. */
  key: { label: string; header: string };
  columns: { header: string; metric: string }[];
}

/** cscli 1.4.6's tables over the agent's `cs_*` metrics. */
export const AGENT_TABLES: readonly MetricTable[] = [
  {
    title: "Acquisition Metrics",
    key: { label: "source", header: "Source" },
    columns: [
      { header: "Lines read", metric: "cs_filesource_hits_total" },
      { header: "Lines parsed", metric: "cs_parser_hits_ok_total" },
      { header: "Lines unparsed", metric: "cs_parser_hits_ko_total" },
      { header: "Lines poured to bucket", metric: "cs_bucket_poured_total" },
    ],
  },
  {
    title: "Bucket Metrics",
    key: { label: "name", header: "Bucket" },
    columns: [
      { header: "Current Count", metric: "cs_buckets" },
      { header: "Overflows", metric: "cs_bucket_overflowed_total" },
      { header: "Instantiated", metric: "cs_bucket_created_total" },
      { header: "Poured", metric: "cs_bucket_poured_total" },
      { header: "Expired", metric: "cs_bucket_underflowed_total" },
    ],
  },
  {
    title: "Parser Metrics",
    key: { label: "name", header: "Parsers" },
    columns: [
      { header: "Hits", metric: "cs_node_hits_total" },
      { header: "Parsed", metric: "cs_node_hits_ok_total" },
      { header: "Unparsed", metric: "cs_node_hits_ko_total" },
    ],
  },
  {
    title: "Local Api Metrics",
    key: { label: "route", header: "Route" },
    columns: [{ header: "Hits", metric: "cs_lapi_route_requests_total" }],
  },
  {
    title: "Local Api Decisions",
    key: { label: "reason", header: "Reason" },
    columns: [{ header: "Count", metric: "cs_active_decisions" }],
  },
];

/** A filled table: rows sorted by key, missing cells empty. */
export interface FilledTable {
  title: string;
  head: string[];
  rows: (string | number)[][];
}

/** Fills `tables` from samples; tables without any row are left out (cscli does the same). */
export function fillTables(
  tables: readonly MetricTable[],
  samples: readonly Sample[],
): FilledTable[] {
  const out: FilledTable[] = [];
  for (const t of tables) {
    const sums = t.columns.map((c) => sumBy(samples, c.metric, t.key.label));
    const keys = [...new Set(sums.flatMap((m) => [...m.keys()]))].sort();
    if (keys.length === 0) continue;
    out.push({
      title: t.title,
      head: [t.key.header, ...t.columns.map((c) => c.header)],
      rows: keys.map((k) => [k, ...sums.map((m) => (m.has(k) ? m.get(k)! : "-"))]),
    });
  }
  return out;
}

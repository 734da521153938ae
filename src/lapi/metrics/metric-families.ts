/**
 * The LAPI's Prometheus metric families, as data: what a reviewer diffs against CrowdSec 1.4.6
 * (`pkg/apiserver/controllers/v1/metrics.go` for the `cs_lapi_*` families, `cmd/crowdsec/metrics.go`
 * for the `cs_active_decisions` / `cs_alerts` gauges it computes from the database at scrape time)
 * and Rampart's own `rampart_*` families.
 */

export type FamilyType = "counter" | "gauge" | "histogram";

/** One metric family: name, HELP text, type, label names in exposition order. */
export interface MetricFamily {
  name: string;
  help: string;
  type: FamilyType;
  labels: readonly string[];
  /** Histogram upper bounds (seconds), `+Inf` implied. */
  buckets?: readonly number[];
}

/** CrowdSec 1.4.6 `LapiResponseTime` buckets (as its /metrics prints them). */
export const LAPI_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1,
];

export const FAMILIES = {
  routeRequests: {
    name: "cs_lapi_route_requests_total",
    help: "Number of calls to each route per method.",
    type: "counter",
    labels: ["route", "method"],
  },
  machineRequests: {
    name: "cs_lapi_machine_requests_total",
    help: "Number of calls to each route per method grouped by machines.",
    type: "counter",
    labels: ["machine", "route", "method"],
  },
  bouncerRequests: {
    name: "cs_lapi_bouncer_requests_total",
    help: "Number of calls to each route per method grouped by bouncers.",
    type: "counter",
    labels: ["bouncer", "route", "method"],
  },
  decisionsKo: {
    name: "cs_lapi_decisions_ko_total",
    help: "Number of calls to /decisions that returned nil result.",
    type: "counter",
    labels: ["bouncer"],
  },
  decisionsOk: {
    name: "cs_lapi_decisions_ok_total",
    help: "Number of calls to /decisions that returned non-nil result.",
    type: "counter",
    labels: ["bouncer"],
  },
  requestDuration: {
    name: "cs_lapi_request_duration_seconds",
    help: "Response time of LAPI",
    type: "histogram",
    labels: ["endpoint", "method"],
    buckets: LAPI_DURATION_BUCKETS,
  },
  activeDecisions: {
    name: "cs_active_decisions",
    help: "Number of active decisions.",
    type: "gauge",
    labels: ["reason", "origin", "action"],
  },
  alerts: {
    name: "cs_alerts",
    help: "Number of alerts (excluding CAPI).",
    type: "gauge",
    labels: ["reason"],
  },
  bucketPouredBy: {
    name: "cs_bucket_poured_total",
    help: "Total events were poured in bucket.",
    type: "counter",
    labels: ["source", "type", "name"],
  },
  bucketOverflowedBy: {
    name: "cs_bucket_overflowed_total",
    help: "Total buckets overflowed.",
    type: "counter",
    labels: ["name"],
  },
  bucketCreatedBy: {
    name: "cs_bucket_created_total",
    help: "Total buckets were instantiated.",
    type: "counter",
    labels: ["name"],
  },
  bucketUnderflowedBy: {
    name: "cs_bucket_underflowed_total",
    help: "Total buckets underflowed.",
    type: "counter",
    labels: ["name"],
  },
  bucketsCurrent: {
    name: "cs_buckets",
    help: "Number of buckets that currently exist.",
    type: "gauge",
    labels: ["name"],
  },
  ingestEvents: {
    name: "rampart_ingest_events_total",
    help: "Events posted to /v1/rampart/events, by result (accepted, duplicate).",
    type: "counter",
    labels: ["result"],
  },
  bucketPours: {
    name: "rampart_bucket_pours_total",
    help: "(event, bucket partition) pours done by the bucket objects.",
    type: "counter",
    labels: [],
  },
  bucketOverflows: {
    name: "rampart_bucket_overflows_total",
    help: "Bucket overflows delivered as alerts by ingestion requests.",
    type: "counter",
    labels: [],
  },
  streamDecisions: {
    name: "rampart_stream_decisions_total",
    help: "Decisions sent in /v1/decisions/stream answers, by list (new, deleted).",
    type: "counter",
    labels: ["list"],
  },
  d1RowsRead: {
    name: "rampart_d1_rows_read_total",
    help: "D1 rows read, by route, where the route reports it (live decision lookups, scrapes).",
    type: "counter",
    labels: ["route"],
  },
  seriesDropped: {
    name: "rampart_metrics_series_dropped_total",
    help: "Increments dropped because the metrics object already holds its maximum of series.",
    type: "counter",
    labels: [],
  },
} as const satisfies Record<string, MetricFamily>;

export type FamilyKey = keyof typeof FAMILIES;

/** Every family, in exposition order. */
export const ALL_FAMILIES: readonly MetricFamily[] = Object.values(FAMILIES);

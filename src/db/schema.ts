import { sql } from "drizzle-orm";
import {
  blob,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

/**
 * D1 schema of the LAPI, mirroring CrowdSec's ent schema (pkg/database/ent/schema) where the wire
 * contract depends on it. Times are integer Unix milliseconds. IP ranges are stored as big-endian
 * BLOBs (`start_ip`/`end_ip`, 4 or 16 bytes, `ip_size` 4/16, 0 for non-IP scopes): SQLite compares
 * BLOBs with memcmp, so byte order is numeric order for both families (see docs/compatibility.md).
 */

const now = sql`(CAST(unixepoch('subsec') * 1000 AS INTEGER))`;

export const machines = sqliteTable(
  "machines",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    machineId: text("machine_id").notNull(),
    password: text("password").notNull(),
    ipAddress: text("ip_address").notNull().default(""),
    scenarios: text("scenarios").notNull().default(""),
    version: text("version").notNull().default(""),
    isValidated: integer("is_validated", { mode: "boolean" }).notNull().default(false),
    authType: text("auth_type").notNull().default("password"),
    osName: text("os_name"),
    osVersion: text("os_version"),
    featureflags: text("featureflags"),
    hubstate: text("hubstate"),
    datasources: text("datasources"),
    lastHeartbeat: integer("last_heartbeat"),
    lastPush: integer("last_push"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("machines_machine_id").on(t.machineId)],
);

export const bouncers = sqliteTable(
  "bouncers",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    apiKeyHash: text("api_key_hash").notNull(),
    ipAddress: text("ip_address").notNull().default(""),
    type: text("type").notNull().default(""),
    version: text("version").notNull().default(""),
    authType: text("auth_type").notNull().default("api-key"),
    autoCreated: integer("auto_created", { mode: "boolean" }).notNull().default(false),
    revoked: integer("revoked", { mode: "boolean" }).notNull().default(false),
    osName: text("os_name"),
    osVersion: text("os_version"),
    featureflags: text("featureflags"),
    lastPull: integer("last_pull"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("bouncers_name").on(t.name), index("bouncers_api_key_hash").on(t.apiKeyHash)],
);

export const alerts = sqliteTable(
  "alerts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    uuid: text("uuid").notNull(),
    machineId: text("machine_id").notNull().default(""),
    scenario: text("scenario").notNull(),
    scenarioHash: text("scenario_hash").notNull().default(""),
    scenarioVersion: text("scenario_version").notNull().default(""),
    message: text("message").notNull().default(""),
    kind: text("kind").notNull().default(""),
    eventsCount: integer("events_count").notNull().default(0),
    /** Start/stop as received (RFC3339, any precision) and as ms for filtering. */
    startAt: text("start_at").notNull(),
    startAtMs: integer("start_at_ms").notNull(),
    stopAt: text("stop_at").notNull(),
    stopAtMs: integer("stop_at_ms").notNull(),
    leakspeed: text("leakspeed").notNull().default(""),
    capacity: integer("capacity").notNull().default(0),
    simulated: integer("simulated", { mode: "boolean" }).notNull().default(false),
    remediation: integer("remediation", { mode: "boolean" }).notNull().default(false),
    sourceScope: text("source_scope").notNull().default(""),
    sourceValue: text("source_value").notNull().default(""),
    sourceIp: text("source_ip").notNull().default(""),
    sourceRange: text("source_range").notNull().default(""),
    sourceAsNumber: text("source_as_number").notNull().default(""),
    sourceAsName: text("source_as_name").notNull().default(""),
    sourceCountry: text("source_country").notNull().default(""),
    sourceLatitude: real("source_latitude").notNull().default(0),
    sourceLongitude: real("source_longitude").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    index("alerts_created_at").on(t.createdAt),
    index("alerts_start_at_ms").on(t.startAtMs),
    index("alerts_source").on(t.sourceScope, t.sourceValue),
  ],
);

export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    alertId: integer("alert_id")
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    time: text("time").notNull(),
    serialized: text("serialized").notNull(),
  },
  (t) => [index("events_alert_id").on(t.alertId)],
);

export const meta = sqliteTable(
  "meta",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    alertId: integer("alert_id")
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull(),
  },
  (t) => [index("meta_alert_id").on(t.alertId)],
);

export const decisions = sqliteTable(
  "decisions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    uuid: text("uuid").notNull(),
    alertId: integer("alert_id")
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    /** Absolute expiry, ms. Active = until > now. */
    until: integer("until").notNull(),
    scenario: text("scenario").notNull(),
    type: text("type").notNull(),
    scope: text("scope").notNull(),
    value: text("value").notNull(),
    origin: text("origin").notNull(),
    simulated: integer("simulated", { mode: "boolean" }).notNull().default(false),
    ipSize: integer("ip_size").notNull().default(0),
    startIp: blob("start_ip", { mode: "buffer" }),
    endIp: blob("end_ip", { mode: "buffer" }),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    index("decisions_ip").on(t.ipSize, t.startIp, t.endIp),
    index("decisions_dedup").on(t.value, t.type, t.scope, t.until),
    index("decisions_until").on(t.until),
    index("decisions_created_at").on(t.createdAt),
    index("decisions_updated_at").on(t.updatedAt),
    index("decisions_alert_id").on(t.alertId),
    // The console's decision search by scenario or origin; with alert_id second, the alert
    // filters' "some decision of this alert has scenario/origin X" stays one index probe.
    index("decisions_scenario").on(t.scenario, t.alertId),
    index("decisions_origin").on(t.origin, t.alertId),
    index("decisions_scenario_until").on(t.scenario, t.until),
  ],
);

/**
 * Ids of hard-deleted decisions (alert deletion, flush), written by a trigger, so that isolates
 * holding an in-memory decision index can drop them without reloading everything.
 */
export const decisionTombstones = sqliteTable(
  "decision_tombstones",
  {
    decisionId: integer("decision_id").notNull(),
    deletedAt: integer("deleted_at").notNull().default(now),
  },
  (t) => [index("decision_tombstones_deleted_at").on(t.deletedAt)],
);

/**
 * The prefix lengths (per family) that Ip/Range decisions use. A containing-block lookup probes
 * the decisions index once per length listed here instead of once per possible length (33 for
 * IPv4, 129 for IPv6). Writers add a row whenever they store a decision with a new length.
 */
export const ipPrefixLengths = sqliteTable(
  "ip_prefix_lengths",
  {
    ipSize: integer("ip_size").notNull(),
    prefixLen: integer("prefix_len").notNull(),
  },
  (t) => [primaryKey({ columns: [t.ipSize, t.prefixLen] })],
);

export const allowlists = sqliteTable(
  "allowlists",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    allowlistId: text("allowlist_id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    fromConsole: integer("from_console", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("allowlists_name").on(t.name)],
);

export const allowlistItems = sqliteTable(
  "allowlist_items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    allowlistId: integer("allowlist_id")
      .notNull()
      .references(() => allowlists.id, { onDelete: "cascade" }),
    value: text("value").notNull(),
    comment: text("comment").notNull().default(""),
    /** ms; null = never expires. */
    expiresAt: integer("expires_at"),
    ipSize: integer("ip_size").notNull(),
    startIp: blob("start_ip", { mode: "buffer" }).notNull(),
    endIp: blob("end_ip", { mode: "buffer" }).notNull(),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    index("allowlist_items_list").on(t.allowlistId),
    index("allowlist_items_ip").on(t.ipSize, t.startIp, t.endIp),
  ],
);

/** Usage metrics pushed by bouncers and log processors (POST /v1/usage-metrics), kept 7 days. */
export const usageMetrics = sqliteTable(
  "usage_metrics",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    generatedType: text("generated_type").notNull(),
    generatedBy: text("generated_by").notNull(),
    receivedAt: integer("received_at").notNull(),
    payload: text("payload").notNull(),
  },
  (t) => [index("usage_metrics_received_at").on(t.receivedAt)],
);

/**
 * Whole configuration documents the LAPI reads at run time and admins replace through the admin
 * API without a redeploy: `profiles` (profiles.yaml text, CrowdSec's default when absent) and
 * `notifications` (the notifier configs, multi-document YAML).
 */
export const configDocuments = sqliteTable("config_documents", {
  kind: text("kind").primaryKey(),
  content: text("content").notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
  updatedBy: text("updated_by").notNull().default(""),
});

/**
 * Registered hub file contents (scenarios and postoverflows as their YAML text), content-addressed
 * and never overwritten: `key` is the sha256 over kind, item name, file hash and the hashes of the
 * data files the file was registered with (`data`, JSON `{name: data hash}`), so one key always
 * compiles to the same thing. Which machine uses which content is `machine_hub_items`.
 */
export const hubContents = sqliteTable("hub_contents", {
  key: text("key").primaryKey(),
  kind: text("kind").notNull(),
  name: text("name").notNull(),
  /** sha256 of `content` (the alert's `scenario_hash`). */
  hash: text("hash").notNull(),
  version: text("version").notNull().default(""),
  content: text("content").notNull(),
  data: text("data").notNull().default("{}"),
  createdAt: integer("created_at").notNull().default(now),
});

/** Data file contents (`data: dest_file`) by sha256, content-addressed like `hub_contents`. */
export const hubDataContents = sqliteTable("hub_data_contents", {
  hash: text("hash").primaryKey(),
  content: text("content").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

/**
 * Each machine's registered hub: what its own events go through (issue 12, hole 3). A
 * registration replaces the machine's rows and nobody else's.
 */
export const machineHubItems = sqliteTable(
  "machine_hub_items",
  {
    machineId: text("machine_id").notNull(),
    kind: text("kind").notNull(),
    name: text("name").notNull(),
    /** sha256 of the file (what the agent's targets announce). */
    hash: text("hash").notNull(),
    /** `hub_contents.key`: the file with the data files this machine registered. */
    contentKey: text("content_key").notNull(),
    /** Postoverflows: the stage directory the agent installed the file in (`s01-whitelist`). */
    stage: text("stage").notNull().default(""),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.machineId, t.kind, t.name] }),
    index("machine_hub_items_content_key").on(t.contentKey),
  ],
);

/** Per-scenario bucket settings chosen by admins (`buckets`: `deployment` or `machine`). */
export const scenarioSettings = sqliteTable("scenario_settings", {
  name: text("name").primaryKey(),
  buckets: text("buckets").notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
});

/**
 * The ids of ingested events, recorded after each batch is poured: the distinct-event count of
 * `GET /admin/v1/ingest/stats` (`events`, what a no-loss run audits). Dedup itself is the bucket
 * objects' (`poured_events`), not this table's. Purged by housekeeping after the retention window.
 */
export const ingestedEvents = sqliteTable(
  "ingested_events",
  {
    id: text("id").primaryKey(),
    machineId: text("machine_id").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [index("ingested_events_received_at").on(t.receivedAt)],
);

/**
 * Bucket overflows already stored as alerts, by the id the bucket object's outbox gave them. The
 * row is written in the same D1 batch as the alerts, so a re-delivered overflow (its ack to the
 * object was lost) is recognised and never stored twice. Purged with `ingested_events`.
 */
export const ingestDeliveries = sqliteTable(
  "ingest_deliveries",
  {
    id: text("id").primaryKey(),
    deliveredAt: integer("delivered_at").notNull(),
  },
  (t) => [index("ingest_deliveries_delivered_at").on(t.deliveredAt)],
);

/**
 * Hourly counts behind the console overview, kept by triggers on `alerts` and `decisions`
 * (migration 0007), so the overview of a window reads hours × keys rows instead of every alert.
 * `dim`: `alerts` and `decisions` (key ''), `scenario`, `country` (source country), `as` (key = AS
 * number, `label` = its name). `hour` = created_at truncated to the hour, ms. Deleting alerts
 * (flush, `cscli alerts delete`) decrements, so a count may reach 0 and stays as a row.
 */
export const consoleHourly = sqliteTable(
  "console_hourly",
  {
    dim: text("dim").notNull(),
    hour: integer("hour").notNull(),
    key: text("key").notNull(),
    label: text("label").notNull().default(""),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.dim, t.hour, t.key] })],
);

/**
 * Third-party blocklists (`rampart lists add`): where each is fetched from, how its lines are read
 * and what decisions its entries become (origin `lists`, scenario `lists:<name>`, carried by one
 * alert per list, source scope `lists:<name>` as CrowdSec's blocklist alerts). The validators of
 * the last successful fetch drive the conditional GET; the last outcome is what `lists list`
 * reports.
 */
export const lists = sqliteTable(
  "lists",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    url: text("url").notNull(),
    /** `plain`, `cidr`, `csv` or `spamhaus-json` (src/lapi/lists/list-format.ts). */
    format: text("format").notNull(),
    /** Decision scope: `Ip` or `Range`. */
    scope: text("scope").notNull(),
    type: text("type").notNull(),
    durationMs: integer("duration_ms").notNull(),
    refreshMs: integer("refresh_ms").notNull(),
    maxEntries: integer("max_entries").notNull(),
    /** The alert carrying the list's decisions (re-created if flushed). */
    alertId: integer("alert_id"),
    etag: text("etag"),
    lastModified: text("last_modified"),
    /** When the last fetch (any outcome) started, ms; the cron fetches again after `refreshMs`. */
    lastFetchAt: integer("last_fetch_at"),
    /** When the content was last applied (200 or 304), ms. */
    lastSyncAt: integer("last_sync_at"),
    /** `updated`, `not_modified`, `rejected` or `failed`. */
    lastStatus: text("last_status"),
    lastError: text("last_error"),
    entries: integer("entries").notNull().default(0),
    lastBadLines: integer("last_bad_lines").notNull().default(0),
    /** A sync in progress since (ms); a second one waits for it to end or to go stale. */
    syncingSince: integer("syncing_since"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("lists_name").on(t.name)],
);

/**
 * The entries of a list's file being applied: a sync streams the parsed file here in chunks (the
 * file never sits whole in a Worker's memory), then diffs it against the list's decisions in SQL
 * and clears it. Duplicated values collapse on the primary key.
 */
export const listEntries = sqliteTable(
  "list_entries",
  {
    listId: integer("list_id").notNull(),
    value: text("value").notNull(),
    ipSize: integer("ip_size").notNull(),
    startIp: blob("start_ip", { mode: "buffer" }).notNull(),
    endIp: blob("end_ip", { mode: "buffer" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.value] })],
);

/**
 * Central API server (src/lapi/capi): the CrowdSec LAPIs (and Rampart deployments) registered as
 * watchers of this deployment's `/v2` API. A table of their own, not `machines`: a CAPI watcher
 * can never act as a LAPI machine, and the reverse.
 */
export const capiWatchers = sqliteTable(
  "capi_watchers",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    machineId: text("machine_id").notNull(),
    /** bcrypt hash. */
    password: text("password").notNull(),
    ipAddress: text("ip_address").notNull().default(""),
    /** Comma-separated scenarios sent at the last login. */
    scenarios: text("scenarios").notNull().default(""),
    version: text("version").notNull().default(""),
    lastLogin: integer("last_login"),
    lastPush: integer("last_push"),
    /** Start (ms) of the last stream pull served, the next delta's lower bound. */
    lastPull: integer("last_pull"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("capi_watchers_machine_id").on(t.machineId)],
);

/** Signals pushed by watchers (`POST /v2/signals`), the consensus' input; kept one window. */
export const capiSignals = sqliteTable(
  "capi_signals",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    watcherId: integer("watcher_id")
      .notNull()
      .references(() => capiWatchers.id, { onDelete: "cascade" }),
    scenario: text("scenario").notNull(),
    scope: text("scope").notNull(),
    value: text("value").notNull(),
    /** Server time of reception (ms): reporters cannot backdate a signal into the window. */
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    index("capi_signals_value").on(t.scope, t.value, t.receivedAt),
    index("capi_signals_received_at").on(t.receivedAt),
  ],
);

/**
 * The community blocklist this deployment serves on `/v2|v3/decisions/stream`: one row per
 * (scope, value) that reached consensus. Rows are never hard-deleted while a watcher may still
 * have to learn of their retraction: `deleted_at` (retracted) or `until` (expired) tell the delta.
 */
export const capiCommunityDecisions = sqliteTable(
  "capi_community_decisions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    uuid: text("uuid").notNull(),
    scope: text("scope").notNull(),
    value: text("value").notNull(),
    scenario: text("scenario").notNull(),
    type: text("type").notNull().default("ban"),
    /** Distinct reporters behind the last confirmation. */
    reporters: integer("reporters").notNull(),
    until: integer("until").notNull(),
    deletedAt: integer("deleted_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("capi_community_decisions_value").on(t.scope, t.value),
    index("capi_community_decisions_updated_at").on(t.updatedAt),
    index("capi_community_decisions_until").on(t.until),
  ],
);

/**
 * Central API client (src/lapi/capi-client): this deployment's registration with a central API
 * (CrowdSec's, or another Rampart), one row per URL, and how far its push and pull went. The
 * password is kept in clear because the client must send it (CrowdSec keeps it in
 * `online_api_credentials.yaml`).
 */
export const capiClientState = sqliteTable("capi_client_state", {
  url: text("url").primaryKey(),
  machineId: text("machine_id").notNull(),
  password: text("password").notNull(),
  /** Highest local alert id already considered for sharing. */
  pushedUpTo: integer("pushed_up_to").notNull().default(0),
  /** Time of the last successful pull (ms); null until the first (a startup pull). */
  lastPull: integer("last_pull"),
  createdAt: integer("created_at").notNull().default(now),
});

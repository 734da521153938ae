/** The LAPI v1 (CrowdSec pkg/models) and admin API (`/admin/v1`) bodies the CLI reads/writes. */
import type {
  RequiredAlertScalar,
  WireAlert,
  WireDecision,
  WireEvent,
  WireMetaItem,
  WireSourceWithScope,
  WithRequired,
} from "../shared/wire/alert.js";

/** A decision as the LAPI answers it (`models.Decision`, ids and all). */
export type Decision = WithRequired<
  Pick<
    WireDecision,
    | "id"
    | "origin"
    | "type"
    | "scope"
    | "value"
    | "duration"
    | "scenario"
    | "simulated"
    | "until"
    | "uuid"
  >,
  "id" | "origin" | "type" | "scope" | "value" | "duration" | "scenario"
>;

export type AlertSource = WireSourceWithScope;

export type AlertEvent = Required<Pick<WireEvent, "timestamp">> & { meta: WireMetaItem[] | null };

/** An alert as the LAPI answers it (`models.Alert`, see src/lapi/models/alert-json.ts). */
export type Alert = Required<
  Pick<WireAlert, RequiredAlertScalar | "id" | "created_at" | "machine_id">
> &
  Pick<WireAlert, "uuid"> & {
    decisions: Decision[] | null;
    events: AlertEvent[] | null;
    labels: string[] | null;
    meta?: WireMetaItem[];
    source: AlertSource;
  };

/** What `POST /v1/alerts` takes (ids and server-side fields left out). */
export type NewDecision = Omit<Decision, "id" | "simulated" | "until" | "uuid">;
export type NewAlert = Omit<
  Alert,
  "id" | "uuid" | "created_at" | "labels" | "machine_id" | "decisions" | "events"
> & {
  decisions: NewDecision[];
  events: AlertEvent[];
};

export interface Machine {
  machineId: string;
  ipAddress: string;
  isValidated: boolean;
  auth_type: string;
  version: string | null;
  scenarios: string | null;
  os: string;
  created_at: string | null;
  updated_at: string | null;
  last_heartbeat: string | null;
  last_push: string | null;
}

export interface Bouncer {
  name: string;
  ip_address: string;
  type: string | null;
  version: string | null;
  auth_type: string;
  auto_created: boolean;
  revoked: boolean;
  os: string;
  created_at: string | null;
  updated_at: string | null;
  last_pull: string | null;
}

export interface AllowlistItem {
  value: string;
  description: string;
  created_at: string;
  expiration?: string | null;
}

export interface Allowlist {
  allowlist_id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  console_managed: boolean;
  items?: AllowlistItem[];
}

export interface AllowlistCheck {
  allowlisted: boolean;
  reason: string;
}

/** One stored usage-metrics payload as `GET /admin/v1/usage-metrics` returns it. */
export interface UsageMetricsRow {
  generated_type: string;
  generated_by: string;
  received_at: string;
  payload: unknown;
}

/** Query strings are flat string maps; absent keys are left out. */
export type Query = Record<string, string>;

/** A stored configuration document (`GET /admin/v1/profiles|notifications`). */
export interface ConfigDocumentView {
  kind: "profiles" | "notifications";
  /** `default` while nothing is stored (then `content` is the built-in default). */
  source: "stored" | "default";
  updated_at: number | null;
  content: string;
}

/** A third-party list (`GET /admin/v1/lists`). */
export interface ThirdPartyList {
  name: string;
  url: string;
  format: string;
  scope: string;
  type: string;
  duration: string;
  refresh: string;
  max_entries: number;
  entries: number;
  etag: string | null;
  last_modified: string | null;
  last_fetch_at: string | null;
  last_sync_at: string | null;
  last_status: string | null;
  last_error: string | null;
  last_bad_lines: number;
  created_at: string | null;
}

/** The body of `POST /admin/v1/lists`. */
export interface NewThirdPartyList {
  name: string;
  url: string;
  format: string;
  scope: string;
  type: string;
  duration: string;
  refresh?: string;
  max_entries?: number;
}

/** `POST /admin/v1/lists/:name/sync`. */
export interface ListSyncResult {
  name: string;
  status: "updated" | "not_modified" | "rejected" | "failed" | "busy";
  http_status?: number;
  entries?: number;
  added?: number;
  removed?: number;
  renewed?: number;
  duplicates?: number;
  bad_lines?: number;
  bad_examples?: { line: number; text: string; reason: string }[];
  error?: string;
}

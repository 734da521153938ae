/** The LAPI v1 (CrowdSec pkg/models) and admin API (`/admin/v1`) bodies the CLI reads/writes. */

export interface Decision {
  id: number;
  origin: string;
  type: string;
  scope: string;
  value: string;
  duration: string;
  scenario: string;
  simulated?: boolean;
  until?: string;
  uuid?: string;
}

export interface AlertSource {
  scope: string;
  value: string;
  ip?: string;
  range?: string;
  as_number?: string;
  as_name?: string;
  cn?: string;
  latitude?: number;
  longitude?: number;
}

export interface AlertEvent {
  timestamp: string;
  meta: { key?: string; value?: string }[] | null;
}

export interface Alert {
  id: number;
  uuid?: string;
  capacity: number;
  created_at: string;
  decisions: Decision[] | null;
  events: AlertEvent[] | null;
  events_count: number;
  labels: string[] | null;
  leakspeed: string;
  machine_id: string;
  message: string;
  meta?: { key?: string; value?: string }[];
  scenario: string;
  scenario_hash: string;
  scenario_version: string;
  simulated: boolean;
  source: AlertSource;
  start_at: string;
  stop_at: string;
}

/** What `POST /v1/alerts` takes (ids and server-side fields left out). */
export type NewDecision = Omit<Decision, "id" | "simulated" | "until" | "uuid">;
export interface NewAlert
  extends Omit<
    Alert,
    "id" | "uuid" | "created_at" | "labels" | "machine_id" | "decisions" | "events"
  > {
  decisions: NewDecision[];
  events: AlertEvent[];
}

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

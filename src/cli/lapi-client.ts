/**
 * The CLI's view of a Rampart LAPI: the machine-JWT v1 routes cscli uses (alerts, decisions,
 * allowlists, watchers) and the admin API (`/admin/v1`) for what cscli does straight in
 * CrowdSec's database (machines, bouncers, allowlist edits, usage metrics). Commands depend on
 * the {@link LapiClient} interface only, so tests hand them a fake.
 */
import type {
  Alert,
  Allowlist,
  AllowlistCheck,
  Bouncer,
  ConfigDocumentView,
  ListSyncResult,
  Machine,
  NewAlert,
  NewThirdPartyList,
  Query,
  ThirdPartyList,
  UsageMetricsRow,
} from "./lapi-types.js";

/** Everything commands ask of a LAPI. Errors surface as `CliError`s (see `http-transport.ts`). */
export interface LapiClient {
  /** The machine id machine-JWT calls log in as (cscli's `login`, used in decision reasons). */
  machineLogin(): Promise<string>;
  health(): Promise<{ status: string }>;
  listAlerts(query: Query): Promise<Alert[]>;
  getAlert(id: number): Promise<Alert>;
  /** `force`: store decisions wider than the LAPI's MIN_DECISION_PREFIX (`X-Rampart-Force`). */
  addAlerts(alerts: NewAlert[], options?: { force?: boolean }): Promise<string[]>;
  deleteAlerts(query: Query): Promise<number>;
  deleteAlert(id: number): Promise<number>;
  deleteDecisions(query: Query): Promise<number>;
  deleteDecision(id: number): Promise<number>;
  /** `POST /v1/watchers` (unauthenticated registration, machine starts unvalidated). */
  register(machineId: string, password: string): Promise<void>;
  /** Logs in with the machine credentials (`lapi status`); returns the token expiry. */
  login(): Promise<{ machineId: string; expire: string }>;
  checkAllowlisted(value: string): Promise<AllowlistCheck>;

  listMachines(): Promise<Machine[]>;
  addMachine(machineId: string, password: string, validated: boolean): Promise<void>;
  validateMachine(machineId: string): Promise<void>;
  deleteMachine(machineId: string): Promise<void>;
  listBouncers(): Promise<Bouncer[]>;
  addBouncer(name: string, key?: string): Promise<string>;
  deleteBouncer(name: string): Promise<void>;
  listAllowlists(): Promise<Allowlist[]>;
  getAllowlist(name: string): Promise<Allowlist>;
  createAllowlist(name: string, description: string): Promise<Allowlist>;
  deleteAllowlist(name: string): Promise<void>;
  addAllowlistItems(
    name: string,
    body: { values: string[]; expiration?: string; comment?: string },
  ): Promise<{ added: number; skipped: number; decisions_expired: number }>;
  removeAllowlistItems(name: string, values: string[]): Promise<number>;
  usageMetrics(query: Query): Promise<UsageMetricsRow[]>;
  /** The LAPI's Prometheus text (`GET /metrics`, admin token). */
  prometheusMetrics(): Promise<string>;
  /** The profiles.yaml or notifiers in force (`GET /admin/v1/<kind>`). */
  getConfigDocument(kind: ConfigDocumentView["kind"]): Promise<ConfigDocumentView>;
  /** Uploads a YAML text; the LAPI validates it completely before storing it. */
  putConfigDocument(
    kind: ConfigDocumentView["kind"],
    content: string,
  ): Promise<{ kind: string; items: number; updated_at: number; unknown_notifiers?: string[] }>;
  listLists(): Promise<ThirdPartyList[]>;
  addList(list: NewThirdPartyList): Promise<ThirdPartyList>;
  /** Returns how many of the list's decisions expired. */
  removeList(name: string): Promise<number>;
  syncList(name: string): Promise<ListSyncResult>;
}

/** One HTTP exchange; the transport maps network failures and non-2xx answers to `CliError`s. */
export interface HttpRequest {
  method: string;
  path: string;
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sends a request and returns the parsed JSON body (or `null` for an empty one). */
export type Transport = (request: HttpRequest) => Promise<unknown>;

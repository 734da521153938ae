import type { Context } from "hono";
import type { CapiWatcher } from "../db/capi-server";
import type { Db } from "../db/client";
import type { BouncerKeyCache } from "./auth/bouncer-key-cache";
import type { MachineCache } from "./auth/machine-cache";
import type { LoginFailureLimiter } from "./auth/rate-limit";
import type { TlsResult } from "./auth/tls";
import type { Config } from "./config";
import type { DecisionCache } from "./decision-cache";
import type { Env } from "./env";
import type { MetricsRecorder } from "./metrics/metrics-recorder";
import type { ProfileCache } from "./profiles/profile-cache";

/** The bouncer row a request authenticated as (API key or TLS). */
export interface BouncerIdentity {
  id: number;
  name: string;
  lastPull: number | null;
}

/** Per-isolate caches, owned by the app instance (see createApp). */
export interface Caches {
  decisions: DecisionCache;
  bouncerKeys: BouncerKeyCache;
  /** Whether token holders are still validated machines (machine routes). */
  machines: MachineCache;
  /** Addresses whose failed logins ran out, refused before bcrypt. */
  loginFailures: LoginFailureLimiter;
  /** Compiled profiles and notifiers, keyed by their stored version. */
  profiles: ProfileCache;
}

/** Per-request values set by the middlewares. */
export interface AppVariables {
  config: Config;
  /** Client IP: CF-Connecting-IP, or X-Forwarded-For/X-Real-IP from a trusted proxy. */
  clientIp: string;
  /** The client certificate (Cloudflare's mTLS, or a trusted TLS front's headers). */
  clientCert: TlsResult;
  /** The database for this request: a read-replication session on `replicaReads` routes. */
  db: Db;
  /**
   * The primary, for reads that must not lag behind another request's write (credentials,
   * `last_pull`, the isolate's decision index); the same handle as `db` on other routes.
   */
  primaryDb: Db;
  /** Machine id from the JWT (machine routes). */
  machineId: string;
  bouncer: BouncerIdentity;
  /** The Central API watcher a `/v2` token was issued to (capi routes). */
  capiWatcher: CapiWatcher;
  caches: Caches;
  /** This isolate's metrics increments, flushed to the metrics object after each answer. */
  metrics: MetricsRecorder;
  /** Request start, ms (CrowdSec's t0 for the stream). */
  startedAt: number;
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}

export type AppContext = Context<AppEnv>;

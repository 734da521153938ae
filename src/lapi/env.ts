import type { BucketObject } from "./buckets/bucket-object";
import type { OverflowDelivery } from "./ingest/delivery-entrypoint";
import type { MetricsObject } from "./metrics/metrics-object";

/** Bindings and configuration of the LAPI Worker (see wrangler.toml). */
export interface Env {
  DB: D1Database;
  /** The web console's files (wrangler.toml `[assets]`, served under `/console/`). */
  ASSETS: Fetcher;
  /** Bucket Durable Objects (leaky buckets of the ingestion path, src/lapi/buckets). */
  BUCKETS: DurableObjectNamespace<BucketObject>;
  /** The metrics object: counters summed across isolates (src/lapi/metrics). */
  METRICS: DurableObjectNamespace<MetricsObject>;
  /** This Worker's `OverflowDelivery` entrypoint: bucket objects' alarms deliver through it. */
  DELIVERY: Service<OverflowDelivery>;
  /** Registrations per client IP (wrangler.toml `[[ratelimits]]`). */
  REGISTER_RATE_LIMIT: RateLimit;
  /** Failed logins per client IP (wrangler.toml `[[ratelimits]]`). */
  LOGIN_FAILURE_RATE_LIMIT: RateLimit;
  /** HS256 key for machine JWTs, ≥ 64 bytes (CrowdSec CS_LAPI_SECRET). Wrangler secret. */
  JWT_SECRET: string;
  /** Bearer token of the admin API. Wrangler secret. */
  ADMIN_TOKEN?: string;
  /** Optional scrape-only bearer token of `GET /metrics` (≥ 32 chars). Wrangler secret. */
  METRICS_TOKEN?: string;
  /** Auto-registration token (≥ 32 chars). Wrangler secret. */
  AUTO_REGISTRATION_TOKEN?: string;
  TRUSTED_IPS?: string;
  TRUSTED_PROXIES?: string;
  AGENTS_ALLOWED_OU?: string;
  BOUNCERS_ALLOWED_OU?: string;
  /** `v4,v6`: narrowest Ip/Range decision prefix accepted without `X-Rampart-Force` (default `8,32`). */
  MIN_DECISION_PREFIX?: string;
  ADMIN_ALLOWED_OU?: string;
  FLUSH_MAX_AGE?: string;
  FLUSH_MAX_ITEMS?: string;
  AGENTS_AUTODELETE_PASSWORD?: string;
  AGENTS_AUTODELETE_TLS?: string;
  BOUNCERS_AUTODELETE_API_KEY?: string;
  BOUNCERS_AUTODELETE_TLS?: string;
  AUTO_REGISTRATION_ENABLED?: string;
  AUTO_REGISTRATION_ALLOWED_RANGES?: string;
  DISABLE_REMOTE_REGISTRATION?: string;
  STREAM_EMPTY_AS?: string;
  DECISION_CACHE_REFRESH_MS?: string;
  DECISION_CACHE_MAX_ENTRIES?: string;
  /** Bucket objects the partitions are spread over; "0" = one object per bucket key. */
  BUCKET_SHARDS?: string;
  /**
   * Set by `npm start` only: requests must carry it in `X-Rampart-Local-Front` (the local front
   * proxy adds it), so nothing reaches `wrangler dev` around the proxy. Never set in production.
   */
  LOCAL_FRONT_TOKEN?: string;
  /** How long ingested event ids are remembered for dedup (Go duration, `d` allowed). */
  INGEST_RETENTION?: string;
  /** `on` serves the Central API (`/v2/watchers`, `/v2/signals`, `/v2|v3/decisions/stream`). */
  CAPI_SERVER?: string;
  /** CIDRs allowed to register CAPI watchers (default: anywhere). */
  CAPI_REGISTRATION_ALLOWED_RANGES?: string;
  /** Distinct reporters a community decision needs (≥ 2, default 2). */
  CAPI_CONSENSUS_MIN_REPORTERS?: string;
  /** How far back signals count for the consensus (default 24h). */
  CAPI_CONSENSUS_WINDOW?: string;
  /** Lifetime of a community decision after its last confirmation (default 24h). */
  CAPI_DECISION_DURATION?: string;
  /** `on`: the cron registers with `CAPI_CLIENT_URL`, pushes signals and pulls `CAPI` decisions. */
  CAPI_CLIENT?: string;
  /** The central API this deployment reports to (default CrowdSec's, https://api.crowdsec.net/). */
  CAPI_CLIENT_URL?: string;
  /** `true` shares alerts of manual (`cscli`) decisions too. */
  CAPI_CLIENT_SHARE_MANUAL?: string;
  /** Least time between two community pulls (default 2h). */
  CAPI_CLIENT_PULL_INTERVAL?: string;
}

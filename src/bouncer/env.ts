import type { DecisionStore } from "./sync/decision-store";

/** Bindings, vars and secrets of the bouncer Worker (see src/bouncer/wrangler.toml). */
export interface Env {
  /** The Durable Object that syncs decisions and publishes snapshots. */
  DECISIONS: DurableObjectNamespace<DecisionStore>;
  /** Service binding to Rampart's LAPI Worker, when deployed together (wins over LAPI_URL). */
  LAPI?: Fetcher;
  /** Any CrowdSec-compatible LAPI base URL (`https://lapi.example/`). */
  LAPI_URL?: string;
  /** Bouncer API key (`cscli bouncers add`). Wrangler secret. */
  LAPI_KEY?: string;
  /** Workers Analytics Engine dataset for per-request metrics (optional). */
  ANALYTICS?: AnalyticsEngineDataset;
  /** Send passed requests to this Worker (a Worker-hosted origin; tests) instead. */
  ORIGIN?: Fetcher;
  /** Send passed requests here instead of to the request's own URL (dev, workers.dev). */
  ORIGIN_URL?: string;
  SYNC_INTERVAL?: string;
  REFRESH_INTERVAL?: string;
  METRICS_INTERVAL?: string;
  SCOPES?: string;
  /** `v4,v6` narrowest enforced range prefixes (default `8,32`; see config.ts). */
  MIN_RANGE_PREFIX?: string;
  ORIGINS?: string;
  SCENARIOS_CONTAINING?: string;
  SCENARIOS_NOT_CONTAINING?: string;
  REMEDIATIONS?: string;
  LOG_ONLY?: string;
  FAIL_MODE?: string;
  BAN_TEMPLATE?: string;
  CAPTCHA_TEMPLATE?: string;
  TURNSTILE_SITE_KEY?: string;
  /** Turnstile widget secret. Wrangler secret. */
  TURNSTILE_SECRET_KEY?: string;
  TURNSTILE_VERIFY_URL?: string;
  TURNSTILE_CHECK_HOSTNAME?: string;
  /** HMAC key of the captcha cookie (≥ 32 bytes). Wrangler secret. */
  CAPTCHA_COOKIE_SECRET?: string;
  CAPTCHA_COOKIE_TTL?: string;
  /** Bearer token of the control endpoints (`/.rampart/sync`, `/.rampart/metrics`). Secret. */
  CONTROL_TOKEN?: string;
  CONTROL_PATH?: string;
  /** `true` only under `wrangler dev` / tests: see docs/bouncer.md "Dev mode". */
  DEV_MODE?: string;
}

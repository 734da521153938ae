import { parseFilterDuration } from "../shared/duration";
import { type IpRange, parseRangeList } from "../shared/ip-range";
import { type MinPrefix, parseMinPrefix } from "../shared/min-prefix";
import { type ConsensusRule, checkRule } from "./capi/consensus";
import type { Env } from "./env";

/** LAPI configuration compiled once per isolate from the Worker's vars and secrets. */
export interface Config {
  jwtSecret: Uint8Array;
  adminToken: string | null;
  /** Scrape-only bearer token of `/metrics` (METRICS_TOKEN), or null. */
  metricsToken: string | null;
  trustedIps: IpRange[];
  trustedProxies: IpRange[];
  agentsAllowedOu: string[];
  bouncersAllowedOu: string[];
  adminAllowedOu: string[];
  flushMaxAgeMs: number | null;
  flushMaxItems: number | null;
  agentsAutodelete: { password: number | null; tls: number | null };
  bouncersAutodelete: { apiKey: number | null; tls: number | null };
  autoRegistration: { enabled: boolean; token: string | null; allowedRanges: IpRange[] };
  disableRemoteRegistration: boolean;
  streamEmptyAsNull: boolean;
  decisionCache: { refreshMs: number; maxEntries: number };
  /** Narrowest Ip/Range decision prefix `POST /v1/alerts` takes unforced (`MIN_DECISION_PREFIX`). */
  minDecisionPrefix: MinPrefix;
  /** The Central API server (`/v2`, `/v3`; src/lapi/capi, docs/central-api.md). */
  capi: CapiServerConfig;
}

/** `CAPI_*` variables of the Central API server. */
export interface CapiServerConfig {
  enabled: boolean;
  /** HS256 key of watcher tokens: JWT_SECRET with a suffix, so no LAPI token verifies here. */
  jwtSecret: Uint8Array;
  registrationRanges: IpRange[];
  consensus: ConsensusRule;
  /** How long a community decision lasts after its last confirmation, ms. */
  decisionMs: number;
}

/** Thrown for a bad deployment configuration: the Worker refuses to serve rather than guess. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

function durationVar(name: string, value: string | undefined): number | null {
  if (!value) return null;
  const d = parseFilterDuration(value);
  if (!d.ok) throw new ConfigError(`${name}: ${d.error}`);
  return d.ms;
}

function intVar(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(`${name}: '${value}' is not a whole number`);
  return n;
}

function listVar(name: string, value: string | undefined): string[] {
  const items = (value ?? "").split(",").map((s) => s.trim());
  if (value && items.some((s) => s === "")) {
    // CrowdSec: "allowed_ou configuration contains invalid empty string".
    throw new ConfigError(`${name} configuration contains invalid empty string`);
  }
  return value ? items : [];
}

function rangesVar(name: string, value: string | undefined): IpRange[] {
  try {
    return parseRangeList(value);
  } catch (e) {
    throw new ConfigError(`${name}: ${(e as Error).message}`);
  }
}

function capiConfig(env: Env, jwtSecret: string): CapiServerConfig {
  const mode = env.CAPI_SERVER || "off";
  if (mode !== "on" && mode !== "off") {
    throw new ConfigError(`CAPI_SERVER: '${mode}' is not 'on' or 'off'`);
  }
  const minReporters = intVar("CAPI_CONSENSUS_MIN_REPORTERS", env.CAPI_CONSENSUS_MIN_REPORTERS, 2);
  const consensus = {
    minReporters,
    windowMs: durationVar("CAPI_CONSENSUS_WINDOW", env.CAPI_CONSENSUS_WINDOW || "24h") ?? 0,
  };
  const problem = checkRule(consensus);
  if (problem?.kind === "tooFewReporters") {
    throw new ConfigError(
      `CAPI_CONSENSUS_MIN_REPORTERS: ${minReporters} lets one reporter ban alone (at least 2)`,
    );
  }
  if (problem) throw new ConfigError("CAPI_CONSENSUS_WINDOW: must be longer than 0s");
  const decisionMs = durationVar("CAPI_DECISION_DURATION", env.CAPI_DECISION_DURATION || "24h");
  if (!decisionMs || decisionMs <= 0) {
    throw new ConfigError("CAPI_DECISION_DURATION: must be longer than 0s");
  }
  return {
    enabled: mode === "on",
    jwtSecret: new TextEncoder().encode(`${jwtSecret}\u0000rampart-capi-watchers`),
    registrationRanges: rangesVar(
      "CAPI_REGISTRATION_ALLOWED_RANGES",
      env.CAPI_REGISTRATION_ALLOWED_RANGES ?? "0.0.0.0/0,::/0",
    ),
    consensus,
    decisionMs,
  };
}

/** Validates the environment into a Config; throws ConfigError naming the variable. */
export function loadConfig(env: Env): Config {
  const secret = env.JWT_SECRET ?? "";
  if (new TextEncoder().encode(secret).length < 64) {
    // Mirrors CrowdSec's startup check on CS_LAPI_SECRET.
    throw new ConfigError("JWT_SECRET not strong enough (must be at least 64 bytes)");
  }
  const maxItems = env.FLUSH_MAX_ITEMS ? Number(env.FLUSH_MAX_ITEMS) : null;
  if (maxItems !== null && !(Number.isInteger(maxItems) && maxItems > 0)) {
    throw new ConfigError(`FLUSH_MAX_ITEMS: '${env.FLUSH_MAX_ITEMS}' is not a positive integer`);
  }
  const regToken = env.AUTO_REGISTRATION_TOKEN || null;
  const regEnabled = env.AUTO_REGISTRATION_ENABLED === "true";
  if (regEnabled && (!regToken || regToken.length < 32)) {
    throw new ConfigError("AUTO_REGISTRATION_TOKEN must be at least 32 characters");
  }
  const metricsToken = env.METRICS_TOKEN || null;
  if (metricsToken !== null && metricsToken.length < 32) {
    throw new ConfigError("METRICS_TOKEN must be at least 32 characters");
  }
  const minDecisionPrefix = parseMinPrefix(env.MIN_DECISION_PREFIX);
  if (!minDecisionPrefix) {
    throw new ConfigError(
      `MIN_DECISION_PREFIX: '${env.MIN_DECISION_PREFIX}' is not '<v4 prefix 0-32>,<v6 prefix 0-128>'`,
    );
  }
  return {
    capi: capiConfig(env, secret),
    minDecisionPrefix,
    jwtSecret: new TextEncoder().encode(secret),
    adminToken: env.ADMIN_TOKEN || null,
    metricsToken,
    trustedIps: rangesVar("TRUSTED_IPS", env.TRUSTED_IPS),
    trustedProxies: rangesVar("TRUSTED_PROXIES", env.TRUSTED_PROXIES),
    agentsAllowedOu: listVar("AGENTS_ALLOWED_OU", env.AGENTS_ALLOWED_OU),
    bouncersAllowedOu: listVar("BOUNCERS_ALLOWED_OU", env.BOUNCERS_ALLOWED_OU),
    adminAllowedOu: listVar("ADMIN_ALLOWED_OU", env.ADMIN_ALLOWED_OU),
    flushMaxAgeMs: durationVar("FLUSH_MAX_AGE", env.FLUSH_MAX_AGE),
    flushMaxItems: maxItems,
    agentsAutodelete: {
      password: durationVar("AGENTS_AUTODELETE_PASSWORD", env.AGENTS_AUTODELETE_PASSWORD),
      tls: durationVar("AGENTS_AUTODELETE_TLS", env.AGENTS_AUTODELETE_TLS),
    },
    bouncersAutodelete: {
      apiKey: durationVar("BOUNCERS_AUTODELETE_API_KEY", env.BOUNCERS_AUTODELETE_API_KEY),
      tls: durationVar("BOUNCERS_AUTODELETE_TLS", env.BOUNCERS_AUTODELETE_TLS),
    },
    autoRegistration: {
      enabled: regEnabled,
      token: regToken,
      allowedRanges: rangesVar(
        "AUTO_REGISTRATION_ALLOWED_RANGES",
        env.AUTO_REGISTRATION_ALLOWED_RANGES,
      ),
    },
    disableRemoteRegistration: env.DISABLE_REMOTE_REGISTRATION === "true",
    streamEmptyAsNull: env.STREAM_EMPTY_AS !== "[]",
    decisionCache: {
      refreshMs: intVar("DECISION_CACHE_REFRESH_MS", env.DECISION_CACHE_REFRESH_MS, 1000),
      maxEntries: intVar("DECISION_CACHE_MAX_ENTRIES", env.DECISION_CACHE_MAX_ENTRIES, 50_000),
    },
  };
}

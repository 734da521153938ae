import type { z } from "zod";
import { parseGoDuration } from "../shared/duration";
import { type MinPrefix, parseMinPrefix } from "../shared/min-prefix";
import type { Env } from "./env";
import {
  compileRemediations,
  type RemediationRules,
  remediationRulesSchema,
} from "./remediation/remediation-rules";

/** Scopes the bouncer can enforce (stream `scopes=` parameter). */
export const SUPPORTED_SCOPES = ["ip", "range", "as", "country"] as const;

export type FailMode = "open" | "closed";

/** Where decisions come from and how they are filtered (stream query parameters). */
export interface SyncConfig {
  lapiUrl: string | null;
  lapiKey: string;
  scopes: string[];
  origins: string[];
  scenariosContaining: string[];
  scenariosNotContaining: string[];
  syncIntervalMs: number;
  metricsIntervalMs: number;
  /**
   * Narrowest prefix a range decision may have to be enforced (`MIN_RANGE_PREFIX`, `v4,v6`,
   * default `8,32`): a wider block (`0.0.0.0/0` bans every visitor, the operator included) is
   * dropped at sync, logged and counted (`wide`) — never enforced silently. `0,0` enforces all.
   */
  minPrefix: MinPrefix;
}

/** The bouncer configuration, compiled once per isolate from vars and secrets. */
export interface BouncerConfig {
  sync: SyncConfig;
  refreshIntervalMs: number;
  remediations: RemediationRules;
  logOnly: boolean;
  failMode: FailMode;
  banTemplate: string | null;
  captchaTemplate: string | null;
  turnstile: {
    siteKey: string;
    secretKey: string;
    verifyUrl: string;
    checkHostname: boolean;
  };
  cookie: { secret: string; ttlMs: number };
  controlToken: string | null;
  controlPath: string;
  originUrl: string | null;
  devMode: boolean;
}

/** Thrown for a bad deployment configuration; the message names the variable. */
export class BouncerConfigError extends Error {}

const TURNSTILE_SITEVERIFY = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

const list = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function duration(name: string, value: string | undefined, fallback: string): number {
  const d = parseGoDuration(value || fallback);
  if (!d.ok || d.ms <= 0) throw new BouncerConfigError(`${name}: invalid duration '${value}'`);
  return d.ms;
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  const v = (value || fallback) as T;
  if (!allowed.includes(v))
    throw new BouncerConfigError(`${name}: '${value}' is not one of ${allowed.join(", ")}`);
  return v;
}

function minPrefix(value: string | undefined): MinPrefix {
  const parsed = parseMinPrefix(value);
  if (!parsed) {
    throw new BouncerConfigError(
      `MIN_RANGE_PREFIX: '${value}' is not '<v4 prefix 0-32>,<v6 prefix 0-128>'`,
    );
  }
  return parsed;
}

function bool(name: string, value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "false") return false;
  if (value === "true") return true;
  throw new BouncerConfigError(`${name}: '${value}' is not true or false`);
}

/** Validates the environment into a {@link BouncerConfig}. */
export function loadBouncerConfig(env: Env): BouncerConfig {
  const scopes = list(env.SCOPES || SUPPORTED_SCOPES.join(",")).map((s) => s.toLowerCase());
  for (const s of scopes) {
    if (!(SUPPORTED_SCOPES as readonly string[]).includes(s)) {
      throw new BouncerConfigError(`SCOPES: unsupported scope '${s}'`);
    }
  }
  let rules: z.infer<typeof remediationRulesSchema> | undefined;
  if (env.REMEDIATIONS) {
    let raw: unknown;
    try {
      raw = JSON.parse(env.REMEDIATIONS);
    } catch (e) {
      throw new BouncerConfigError(`REMEDIATIONS: not JSON (${(e as Error).message})`);
    }
    const parsed = remediationRulesSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new BouncerConfigError(
        `REMEDIATIONS: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      );
    }
    rules = parsed.data;
  }
  const devMode = bool("DEV_MODE", env.DEV_MODE);
  const cookieSecret = env.CAPTCHA_COOKIE_SECRET ?? "";
  if (cookieSecret && new TextEncoder().encode(cookieSecret).length < 32) {
    throw new BouncerConfigError("CAPTCHA_COOKIE_SECRET must be at least 32 bytes");
  }
  const controlPath = env.CONTROL_PATH || "/.rampart";
  if (!/^\/[A-Za-z0-9._-]+$/.test(controlPath)) {
    throw new BouncerConfigError(
      `CONTROL_PATH: '${controlPath}' must be one path segment like /.rampart`,
    );
  }
  return {
    sync: {
      lapiUrl: env.LAPI_URL ? withSlash(env.LAPI_URL) : null,
      lapiKey: env.LAPI_KEY ?? "",
      scopes,
      origins: list(env.ORIGINS),
      scenariosContaining: list(env.SCENARIOS_CONTAINING),
      scenariosNotContaining: list(env.SCENARIOS_NOT_CONTAINING),
      syncIntervalMs: duration("SYNC_INTERVAL", env.SYNC_INTERVAL, "1s"),
      metricsIntervalMs: duration("METRICS_INTERVAL", env.METRICS_INTERVAL, "30m"),
      minPrefix: minPrefix(env.MIN_RANGE_PREFIX),
    },
    refreshIntervalMs: duration("REFRESH_INTERVAL", env.REFRESH_INTERVAL, "1s"),
    remediations: compileRemediations(rules),
    logOnly: bool("LOG_ONLY", env.LOG_ONLY),
    failMode: oneOf("FAIL_MODE", env.FAIL_MODE, ["open", "closed"] as const, "open"),
    banTemplate: env.BAN_TEMPLATE || null,
    captchaTemplate: env.CAPTCHA_TEMPLATE || null,
    turnstile: {
      siteKey: env.TURNSTILE_SITE_KEY ?? "",
      secretKey: env.TURNSTILE_SECRET_KEY ?? "",
      verifyUrl: env.TURNSTILE_VERIFY_URL || TURNSTILE_SITEVERIFY,
      checkHostname: env.TURNSTILE_CHECK_HOSTNAME !== "false",
    },
    cookie: {
      secret: cookieSecret,
      ttlMs: duration("CAPTCHA_COOKIE_TTL", env.CAPTCHA_COOKIE_TTL, "30m"),
    },
    controlToken: env.CONTROL_TOKEN || null,
    controlPath,
    originUrl: env.ORIGIN_URL ? withSlash(env.ORIGIN_URL) : null,
    devMode,
  };
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

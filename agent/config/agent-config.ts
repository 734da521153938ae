/**
 * The agent's own YAML configuration (`/etc/rampart/agent.yaml`). Relative paths are resolved
 * against the config file's directory. The keys follow the CrowdSec 1.4.6 `config.yaml` names
 * where one exists (`credentials_path`, `hub_dir`, `data_dir`, `acquisition_path`,
 * `acquisition_dir`, `prometheus.listen_addr/listen_port`), grouped by concern.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { parseGoDuration } from "../../src/shared/duration.js";
import { MAX_EVENTS_PER_BATCH } from "../../src/shared/ingest-wire.js";
import { ConfigError, parseYamlDocuments } from "./config-error.js";

const hubItems = z.array(z.string().min(1));

const MIB = 1024 * 1024;

/** A Go duration string (`500ms`, `1m30s`) within [min, max] → milliseconds. */
function duration(fallback: string, minMs: number, maxMs: number) {
  return z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const parsed = parseGoDuration(text);
      if (!parsed.ok) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.error });
        return z.NEVER;
      }
      if (parsed.ms < minMs || parsed.ms > maxMs) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must be between ${minMs} ms and ${maxMs} ms, got ${JSON.stringify(text)}`,
        });
        return z.NEVER;
      }
      return parsed.ms;
    });
}

/** A byte count (integer) within [min, max]. */
const bytes = (fallback: number, min: number, max: number) =>
  z.number().int().min(min).max(max).default(fallback);

const agentConfigSchema = z
  .object({
    lapi: z
      .object({
        credentials_path: z.string().min(1),
        /** Overrides the credentials file's `url`. */
        url: z.string().url().optional(),
        insecure_skip_verify: z.boolean().default(false),
      })
      .strict(),
    hub: z
      .object({
        hub_dir: z.string().min(1),
        data_dir: z.string().min(1),
        patterns_dir: z.string().min(1),
        /** CrowdSec's config dir: the items `rampart … install` / `cscli … install` enabled there run too. */
        config_dir: z.string().min(1).optional(),
        collections: hubItems.default([]),
        parsers: hubItems.default([]),
        postoverflows: hubItems.default([]),
        scenarios: hubItems.default([]),
      })
      .strict(),
    acquisition: z
      .object({
        acquisition_path: z.string().min(1).optional(),
        acquisition_dir: z.string().min(1).optional(),
      })
      .strict()
      .refine((a) => a.acquisition_path !== undefined || a.acquisition_dir !== undefined, {
        message: "no acquisition_path or acquisition_dir specified",
      }),
    /** Offsets and journald cursors (`offsets.json`). */
    state_dir: z.string().min(1),
    spool: z
      .object({
        dir: z.string().min(1),
        /** Disk budget of unacknowledged events; when full, pausable sources are paused. */
        max_bytes: bytes(256 * MIB, 64 * 1024, 1024 * 1024 * MIB),
      })
      .strict(),
    delivery: z
      .object({
        batch_max_events: z.number().int().min(1).max(MAX_EVENTS_PER_BATCH).default(1000),
        /** Uncompressed JSON size of a batch. */
        batch_max_bytes: bytes(4 * MIB, 4 * 1024, 64 * MIB),
        batch_max_delay: duration("1s", 1, 60_000),
        retry_min_delay: duration("1s", 1, 3_600_000),
        retry_max_delay: duration("1m", 1, 3_600_000),
        /** Bounded wait for the spool to drain on SIGTERM/SIGINT before exiting. */
        shutdown_timeout: duration("10s", 0, 600_000),
        heartbeat_interval: duration("60s", 1000, 3_600_000),
        /** POST /v1/usage-metrics period; "0s" disables (CrowdSec 1.6 sends every 30 min). */
        usage_metrics_interval: duration("30m", 0, 86_400_000),
      })
      .strict()
      .refine((d) => d.retry_min_delay <= d.retry_max_delay, {
        message: "retry_min_delay must not exceed retry_max_delay",
      })
      .default({}),
    log: z
      .object({
        level: z.enum(["debug", "info", "warn", "error"]).default("info"),
        format: z.enum(["json", "logfmt"]).default("json"),
      })
      .strict()
      .default({}),
    prometheus: z
      .object({
        enabled: z.boolean().default(true),
        listen_addr: z.string().ip().default("127.0.0.1"),
        // 0 = any free port (tests); the bound address is logged.
        listen_port: z.number().int().min(0).max(65535).default(6060),
      })
      .strict()
      .default({}),
  })
  .strict();

/** Log threshold of the daemon's structured logs. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Batching, retry and periodic-call settings (durations in ms). */
export interface DeliveryConfig {
  batchMaxEvents: number;
  batchMaxBytes: number;
  batchMaxDelayMs: number;
  retryMinDelayMs: number;
  retryMaxDelayMs: number;
  shutdownTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** 0 = never. */
  usageMetricsIntervalMs: number;
}

/** The validated config with absolute paths. */
export interface AgentConfig {
  file: string;
  lapi: { credentialsPath: string; url: string | null; insecureSkipVerify: boolean };
  hub: {
    hubDir: string;
    dataDir: string;
    patternsDir: string;
    /** Items installed here (symlinks into `hubDir`) are enabled besides the lists; null = none. */
    configDir: string | null;
    collections: string[];
    parsers: string[];
    postoverflows: string[];
    scenarios: string[];
  };
  acquisition: { path: string | null; dir: string | null };
  stateDir: string;
  spoolDir: string;
  spoolMaxBytes: number;
  delivery: DeliveryConfig;
  log: { level: LogLevel; format: "json" | "logfmt" };
  prometheus: { enabled: boolean; listenAddr: string; listenPort: number };
}

/** Validates the agent config text read from `file`. */
export function parseAgentConfig(text: string, file: string): AgentConfig {
  const [doc] = parseYamlDocuments(text, file);
  if (!doc) throw new ConfigError(file, "", "empty configuration file");
  const parsed = agentConfigSchema.safeParse(doc.value);
  if (!parsed.success) throw doc.zodError(parsed.error);
  const c = parsed.data;
  const at = (p: string) => resolve(dirname(file), p);
  return {
    file,
    lapi: {
      credentialsPath: at(c.lapi.credentials_path),
      url: c.lapi.url ?? null,
      insecureSkipVerify: c.lapi.insecure_skip_verify,
    },
    hub: {
      hubDir: at(c.hub.hub_dir),
      dataDir: at(c.hub.data_dir),
      patternsDir: at(c.hub.patterns_dir),
      configDir: c.hub.config_dir === undefined ? null : at(c.hub.config_dir),
      collections: c.hub.collections,
      parsers: c.hub.parsers,
      postoverflows: c.hub.postoverflows,
      scenarios: c.hub.scenarios,
    },
    acquisition: {
      path:
        c.acquisition.acquisition_path === undefined ? null : at(c.acquisition.acquisition_path),
      dir: c.acquisition.acquisition_dir === undefined ? null : at(c.acquisition.acquisition_dir),
    },
    stateDir: at(c.state_dir),
    spoolDir: at(c.spool.dir),
    spoolMaxBytes: c.spool.max_bytes,
    delivery: {
      batchMaxEvents: c.delivery.batch_max_events,
      batchMaxBytes: c.delivery.batch_max_bytes,
      batchMaxDelayMs: c.delivery.batch_max_delay,
      retryMinDelayMs: c.delivery.retry_min_delay,
      retryMaxDelayMs: c.delivery.retry_max_delay,
      shutdownTimeoutMs: c.delivery.shutdown_timeout,
      heartbeatIntervalMs: c.delivery.heartbeat_interval,
      usageMetricsIntervalMs: c.delivery.usage_metrics_interval,
    },
    log: { level: c.log.level, format: c.log.format },
    prometheus: {
      enabled: c.prometheus.enabled,
      listenAddr: c.prometheus.listen_addr,
      listenPort: c.prometheus.listen_port,
    },
  };
}

/** Reads and validates the agent config at `file`. */
export function loadAgentConfig(file: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(file, "", `cannot read configuration: ${(error as Error).message}`);
  }
  return parseAgentConfig(text, resolve(file));
}

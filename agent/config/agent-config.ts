/**
 * The agent's own YAML configuration (`/etc/rampart/agent.yaml`). Relative paths are resolved
 * against the config file's directory. The keys follow the CrowdSec 1.4.6 `config.yaml` names
 * where one exists (`credentials_path`, `hub_dir`, `data_dir`, `acquisition_path`,
 * `acquisition_dir`, `prometheus.listen_addr/listen_port`), grouped by concern.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { ConfigError, parseYamlDocuments } from "./config-error.js";

const hubItems = z.array(z.string().min(1));

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
    spool: z.object({ dir: z.string().min(1) }).strict(),
    prometheus: z
      .object({
        enabled: z.boolean().default(true),
        listen_addr: z.string().ip().default("127.0.0.1"),
        listen_port: z.number().int().min(1).max(65535).default(6060),
      })
      .strict()
      .default({}),
  })
  .strict();

/** The validated config with absolute paths. */
export interface AgentConfig {
  file: string;
  lapi: { credentialsPath: string; url: string | null; insecureSkipVerify: boolean };
  hub: {
    hubDir: string;
    dataDir: string;
    patternsDir: string;
    collections: string[];
    parsers: string[];
    postoverflows: string[];
    scenarios: string[];
  };
  acquisition: { path: string | null; dir: string | null };
  stateDir: string;
  spoolDir: string;
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

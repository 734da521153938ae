/**
 * `rampart-agent -t`: loads everything a start would load — the agent config, the credentials
 * file, the acquisition files (or the `-dsn` entry) and the hub — and prints what the agent
 * would do, like `crowdsec -t` (CrowdSec 1.4.6 `cmd/crowdsec/main.go`, which loads the config,
 * parsers, scenarios and acquisition, then exits). Any problem is a `ConfigError` naming the
 * file, the YAML path and the reason; hub items that fail to load are errors too. With `--local`
 * (a `-dsn` replay whose buckets run in-process) nothing talks to the LAPI, so the credentials
 * file is not read, as `runReplay` does not read it either.
 */

import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { describeSkipped } from "../src/engine/hub/hub-loader.js";
import { entryFromDsn, loadAcquisition } from "./acquisition/acquisition-config.js";
import { type AcquisitionEntry, describeEntry } from "./acquisition/source-registry.js";
import { type AgentConfig, loadAgentConfig } from "./config/agent-config.js";
import { ConfigError } from "./config/config-error.js";
import { type LapiCredentials, loadCredentials } from "./config/credentials.js";
import { loadConfiguredHub } from "./hub/configured-hub.js";

/** What a configuration test found. */
export interface ConfigTestResult {
  config: AgentConfig;
  /** `null` with `--local`: no LAPI, no credentials. */
  credentials: LapiCredentials | null;
  entries: AcquisitionEntry[];
  hub: {
    parsers: number;
    postoverflows: number;
    scenarios: number;
    warnings: string[];
    /** One line per item kind skipped (AppSec rules and configs, contexts). */
    notes: string[];
  };
}

/**
 * Where the acquisition comes from: the configured files or a one-shot DSN (`local`: its buckets
 * run in-process, `-dsn … --local`, so no LAPI credentials are needed).
 */
export type AcquisitionChoice =
  | { kind: "config" }
  | { kind: "dsn"; dsn: string; type: string; local: boolean };

function requireDirectory(path: string, file: string, yamlPath: string): void {
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new ConfigError(file, yamlPath, `${path} is not a directory`);
  }
}

/** Loads and checks everything; throws `ConfigError` on the first problem. */
export function testConfiguration(
  configPath: string,
  acquisition: AcquisitionChoice,
): ConfigTestResult {
  const config = loadAgentConfig(configPath);
  const local = acquisition.kind === "dsn" && acquisition.local;
  if (!local && !existsSync(config.lapi.credentialsPath)) {
    throw new ConfigError(
      config.file,
      "lapi.credentials_path",
      `${config.lapi.credentialsPath} does not exist: the agent needs it to reach the LAPI (only a -dsn replay with --local runs without one)`,
    );
  }
  const credentials = local ? null : loadCredentials(config.lapi.credentialsPath);
  const entries =
    acquisition.kind === "dsn"
      ? [entryFromDsn(acquisition.dsn, { type: acquisition.type })]
      : loadAcquisition(config.acquisition.path, config.acquisition.dir);

  requireDirectory(config.hub.hubDir, config.file, "hub.hub_dir");
  requireDirectory(config.hub.dataDir, config.file, "hub.data_dir");
  requireDirectory(config.hub.patternsDir, config.file, "hub.patterns_dir");
  if (!existsSync(join(config.hub.hubDir, ".index.json"))) {
    throw new ConfigError(config.file, "hub.hub_dir", `no .index.json in ${config.hub.hubDir}`);
  }
  // The daemon's own loader and checks: what -t accepts, the daemon starts with.
  const hub = loadConfiguredHub(config);
  const count = (type: string) => hub.report.items.filter((item) => item.type === type).length;
  return {
    config,
    credentials,
    entries,
    hub: {
      parsers: count("parsers"),
      postoverflows: count("postoverflows"),
      // Scenario files (one may hold several scenarios), as the load report counts items.
      scenarios: new Set(hub.scenarios.map((scenario) => scenario.path)).size,
      warnings: hub.report.items.flatMap((item) => item.warnings.map((w) => `${item.name}: ${w}`)),
      notes: describeSkipped(hub.report.skipped ?? []),
    },
  };
}

function describeAuth(credentials: LapiCredentials): string {
  return credentials.auth.kind === "password"
    ? `login ${credentials.auth.login}`
    : `client certificate ${credentials.auth.certPath}`;
}

/** The human report `-t` prints. */
export function formatConfigTest(result: ConfigTestResult): string {
  const { config, credentials, entries, hub } = result;
  const out = [
    `config: ${config.file}`,
    credentials === null
      ? "lapi: none (--local: buckets in-process, alerts printed; credentials not read)"
      : `lapi: ${config.lapi.url ?? credentials.url} (${describeAuth(credentials)}, credentials ${config.lapi.credentialsPath})`,
    `state: ${config.stateDir} (offsets and cursors), spool: ${config.spoolDir}`,
    `metrics: ${config.prometheus.enabled ? `${config.prometheus.listenAddr}:${config.prometheus.listenPort}` : "disabled"}`,
    `acquisition: ${entries.length} datasource${entries.length === 1 ? "" : "s"}`,
  ];
  for (const entry of entries) {
    const labels = Object.entries(entry.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    out.push(`  ${entry.source} [${entry.mode}] ${labels}: ${describeEntry(entry)}`);
  }
  out.push(
    `hub: ${hub.parsers} parsers, ${hub.postoverflows} postoverflows, ${hub.scenarios} scenarios loaded from ${config.hub.hubDir}`,
  );
  for (const note of hub.notes) out.push(`  note ${note}`);
  for (const warning of hub.warnings) out.push(`  warning ${warning}`);
  out.push("configuration test: OK");
  return out.join("\n");
}

/**
 * `rampart-agent -t`: loads everything a start would load — the agent config, the credentials
 * file, the acquisition files (or the `-dsn` entry) and the hub — and prints what the agent
 * would do, like `crowdsec -t` (CrowdSec 1.4.6 `cmd/crowdsec/main.go`, which loads the config,
 * parsers, scenarios and acquisition, then exits). Any problem is a `ConfigError` naming the
 * file, the YAML path and the reason; hub items that fail to load are errors too.
 */

import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { entryFromDsn, loadAcquisition } from "./acquisition/acquisition-config.js";
import { type AcquisitionEntry, describeEntry } from "./acquisition/source-registry.js";
import { type AgentConfig, loadAgentConfig } from "./config/agent-config.js";
import { ConfigError } from "./config/config-error.js";
import { type LapiCredentials, loadCredentials } from "./config/credentials.js";
import { assertHubLoaded } from "./hub/configured-hub.js";
import { loadHubFromDirectories } from "./hub/load-hub.js";

/** What a configuration test found. */
export interface ConfigTestResult {
  config: AgentConfig;
  credentials: LapiCredentials;
  entries: AcquisitionEntry[];
  hub: { parsers: number; postoverflows: number; scenarios: number; warnings: string[] };
}

/** Where the acquisition comes from: the configured files or a one-shot DSN. */
export type AcquisitionChoice = { kind: "config" } | { kind: "dsn"; dsn: string; type: string };

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
  const credentials = loadCredentials(config.lapi.credentialsPath);
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
  const hub = loadHubFromDirectories(
    { hubDir: config.hub.hubDir, dataDir: config.hub.dataDir, patternsDir: config.hub.patternsDir },
    {
      collections: config.hub.collections,
      parsers: config.hub.parsers,
      postoverflows: config.hub.postoverflows,
      scenarios: config.hub.scenarios,
    },
  );
  assertHubLoaded(hub.report, config.file);
  const count = (type: string) => hub.report.items.filter((item) => item.type === type).length;
  return {
    config,
    credentials,
    entries,
    hub: {
      parsers: count("parsers"),
      postoverflows: count("postoverflows"),
      scenarios: count("scenarios"),
      warnings: hub.report.items.flatMap((item) => item.warnings.map((w) => `${item.name}: ${w}`)),
    },
  };
}

/** The human report `-t` prints. */
export function formatConfigTest(result: ConfigTestResult): string {
  const { config, credentials, entries, hub } = result;
  const auth =
    credentials.auth.kind === "password"
      ? `login ${credentials.auth.login}`
      : `client certificate ${credentials.auth.certPath}`;
  const out = [
    `config: ${config.file}`,
    `lapi: ${config.lapi.url ?? credentials.url} (${auth}, credentials ${config.lapi.credentialsPath})`,
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
  for (const warning of hub.warnings) out.push(`  warning ${warning}`);
  out.push("configuration test: OK");
  return out.join("\n");
}

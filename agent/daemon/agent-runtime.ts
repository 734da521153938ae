/**
 * Everything a daemon start (or a SIGHUP reload) loads from disk before it reads a line: the
 * agent config, the credentials, the acquisition entries and the hub (parsers, compiled
 * scenarios, registration). A problem is a `ConfigError` naming the file and the YAML path; a
 * hub item that fails to load stops the start, as in `rampart-agent -t` and CrowdSec 1.4.6.
 */
import { basename } from "node:path";
import { loadAcquisition } from "../acquisition/acquisition-config.js";
import type { AcquisitionEntry } from "../acquisition/source-registry.js";
import { type AgentConfig, loadAgentConfig } from "../config/agent-config.js";
import { ConfigError } from "../config/config-error.js";
import { type LapiCredentials, loadCredentials } from "../config/credentials.js";
import { loadConfiguredHub } from "../hub/configured-hub.js";
import type { AgentHub } from "../pipeline/agent-hub.js";

/** A loaded configuration, ready to run. */
export interface AgentRuntime {
  config: AgentConfig;
  credentials: LapiCredentials;
  entries: AcquisitionEntry[];
  hub: AgentHub;
  /** The machine part of event ids. */
  machineId: string;
}

/** The machine part of event ids: the login, or the certificate's file name (as `-dsn`). */
export function machineIdOf(credentials: LapiCredentials): string {
  return credentials.auth.kind === "password"
    ? credentials.auth.login
    : `cert-${basename(credentials.auth.certPath)}`;
}

/** Loads config, credentials, acquisition and hub; throws `ConfigError` on the first problem. */
export function loadRuntime(configPath: string): AgentRuntime {
  const config = loadAgentConfig(configPath);
  const credentials = loadCredentials(config.lapi.credentialsPath);
  const entries = loadAcquisition(config.acquisition.path, config.acquisition.dir);
  if (entries.length === 0) {
    throw new ConfigError(config.file, "acquisition", "no datasource configured");
  }
  const hub = loadConfiguredHub(config);
  return { config, credentials, entries, hub, machineId: machineIdOf(credentials) };
}

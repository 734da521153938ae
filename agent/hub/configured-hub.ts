/**
 * The hub an agent configuration asks for, loaded and checked the one way every entry point
 * (daemon start and SIGHUP reload, `-dsn` replay, `rampart-agent -t`) does it: a requested item
 * or collection member missing from the index, an item that fails to load, or a scenario that
 * does not compile stops the start with a `ConfigError` on the config file's `hub` key — CrowdSec
 * 1.4.6 refuses to start on broken items too (`cmd/crowdsec/crowdsec.go` initCrowdsec →
 * LoadParsers/LoadBuckets return the error).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type HubIndex, parseHubIndex } from "../../src/engine/hub/hub-index.js";
import type { HubLoadReport } from "../../src/engine/hub/hub-loader.js";
import { describeMissing, renderLoadProblem } from "../../src/engine/hub/load-problem.js";
import type { AgentConfig } from "../config/agent-config.js";
import { ConfigError } from "../config/config-error.js";
import { type AgentHub, loadAgentHub } from "../pipeline/agent-hub.js";
import { type InstalledSelection, installedSelection } from "./installed-items.js";

/**
 * Throws a `ConfigError` (on `file`, key `hub`) naming every item the index lacks, or else the
 * first item that did not load with its first problem (`renderLoadProblem`: file, document, YAML
 * path and, for an expression, the caret snippet).
 */
export function assertHubLoaded(report: HubLoadReport, file: string): void {
  if (report.missing.length > 0) {
    throw new ConfigError(file, "hub", report.missing.map(describeMissing).join("; "));
  }
  const broken = report.items.find((item) => item.status !== "loaded");
  if (broken) {
    const problem = broken.problems[0];
    throw new ConfigError(
      file,
      "hub",
      `${broken.type} ${broken.name} ${broken.status} to load${problem ? `: ${renderLoadProblem(problem)}` : ""}`,
    );
  }
}

/**
 * The items installed under `hub.config_dir` (none when unset), read with the index of
 * `hub.hub_dir`: what `rampart … install` (or `cscli … install`) enabled there.
 */
function installed(config: AgentConfig): (InstalledSelection & { index: HubIndex }) | null {
  if (!config.hub.configDir) return null;
  const indexPath = join(config.hub.hubDir, ".index.json");
  let index: HubIndex;
  try {
    index = parseHubIndex(readFileSync(indexPath, "utf8"));
  } catch (error) {
    throw new ConfigError(
      config.file,
      "hub.hub_dir",
      `cannot read the hub index ${indexPath} (run \`rampart hub update\`): ${(error as Error).message.split("\n")[0]}`,
    );
  }
  return { ...installedSelection(config.hub.configDir, config.hub.hubDir, index), index };
}

/**
 * Loads the hub `config` names (parsers, postoverflows, compiled scenarios) plus the items
 * installed in `hub.config_dir`, and checks it.
 */
export function loadConfiguredHub(config: AgentConfig): AgentHub {
  const fromDir = installed(config);
  const union = (listed: string[], more: string[] | undefined) => [
    ...new Set([...listed, ...(more ?? [])]),
  ];
  const hub = loadAgentHub(
    { hubDir: config.hub.hubDir, dataDir: config.hub.dataDir, patternsDir: config.hub.patternsDir },
    {
      collections: config.hub.collections,
      parsers: union(config.hub.parsers, fromDir?.selection.parsers),
      postoverflows: union(config.hub.postoverflows, fromDir?.selection.postoverflows),
      scenarios: union(config.hub.scenarios, fromDir?.selection.scenarios),
      ...(fromDir ? { overrides: fromDir.overrides, index: fromDir.index } : {}),
      ...(config.stateDir ? { cacheDir: join(config.stateDir, "hub-cache") } : {}),
    },
  );
  assertHubLoaded(hub.report, config.file);
  return hub;
}

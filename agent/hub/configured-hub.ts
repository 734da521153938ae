/**
 * The hub an agent configuration asks for, loaded and checked the one way every entry point
 * (daemon start and SIGHUP reload, `-dsn` replay, `rampart-agent -t`) does it: a requested item
 * or collection member missing from the index, an item that fails to load, or a scenario that
 * does not compile stops the start with a `ConfigError` on the config file's `hub` key — CrowdSec
 * 1.4.6 refuses to start on broken items too (`cmd/crowdsec/crowdsec.go` initCrowdsec →
 * LoadParsers/LoadBuckets return the error).
 */
import type { HubLoadReport } from "../../src/engine/hub/hub-loader.js";
import { describeMissing, renderLoadProblem } from "../../src/engine/hub/load-problem.js";
import type { AgentConfig } from "../config/agent-config.js";
import { ConfigError } from "../config/config-error.js";
import { type AgentHub, loadAgentHub } from "../pipeline/agent-hub.js";

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

/** Loads the hub `config` names (parsers, postoverflows, compiled scenarios) and checks it. */
export function loadConfiguredHub(config: AgentConfig): AgentHub {
  const hub = loadAgentHub(
    { hubDir: config.hub.hubDir, dataDir: config.hub.dataDir, patternsDir: config.hub.patternsDir },
    {
      collections: config.hub.collections,
      parsers: config.hub.parsers,
      postoverflows: config.hub.postoverflows,
      scenarios: config.hub.scenarios,
    },
  );
  assertHubLoaded(hub.report, config.file);
  return hub;
}

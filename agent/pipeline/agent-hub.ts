/**
 * Everything the agent's pipeline needs from the hub, loaded once at startup: the parser and
 * postoverflow pipelines (with GeoIP when the databases exist), the compiled scenarios (hashed
 * like 1.4.6, so a target's hash is the alert's `scenario_hash`), and the registration the LAPI
 * gets after every login.
 */
import type { CompiledScenario } from "../../src/engine/buckets/compile.js";
import { compileHubScenarios } from "../../src/engine/buckets/hub-scenarios.js";
import { defaultCompilerFactory } from "../../src/engine/hub/expr-compiler.js";
import { type HubItem, parseHubIndex, resolveCollections } from "../../src/engine/hub/hub-index.js";
import type { HubLoadReport } from "../../src/engine/hub/hub-loader.js";
import type { Pipeline } from "../../src/engine/parser/pipeline.js";
import type { HubRegistration } from "../../src/shared/ingest-wire.js";
import { type HubDirectories, hubSourceFromDirectories } from "../hub/hub-fs.js";
import { type AgentHubOptions, loadHubFromDirectories } from "../hub/load-hub.js";
import { buildHubRegistration, hubFileHash, type RegistrationProblem } from "./hub-registration.js";

/** The loaded hub of a running agent. */
export interface AgentHub {
  parsers: Pipeline;
  postoverflows: Pipeline;
  /** In installed-path order, as 1.4.6 loads them. */
  scenarios: CompiledScenario[];
  registration: HubRegistration;
  /** Parser and postoverflow load report. */
  report: HubLoadReport;
  /** Scenario files that did not compile, requested scenarios missing (1.4.6 would not start). */
  problems: string[];
  /** Data files the registration lacks (the scenario then runs with an empty list, as in 1.4.6). */
  warnings: string[];
}

/** Picks the installed items of `type`: the collections' members plus the named extras. */
function pick(
  collections: readonly string[],
  indexText: string,
  type: "scenarios" | "postoverflows",
  extra: readonly string[],
): HubItem[] {
  const index = parseHubIndex(indexText);
  const items = [...resolveCollections(index, collections)[type]];
  for (const name of extra) {
    const item = index[type].get(name);
    if (item && !items.includes(item)) items.push(item);
  }
  return items;
}

/** Loads the hub from `dirs` for an install with `options` (scenarios always included). */
export function loadAgentHub(dirs: HubDirectories, options: AgentHubOptions): AgentHub {
  const loaded = loadHubFromDirectories(dirs, { ...options, includeScenarios: false });
  const source = hubSourceFromDirectories(dirs);
  const compiled = compileHubScenarios(source, {
    collections: options.collections,
    scenarios: options.scenarios ?? [],
    compilerFactory: defaultCompilerFactory,
    hash: hubFileHash,
  });
  const indexText = source.readHub(".index.json") ?? "{}";
  const { registration, problems } = buildHubRegistration(source, {
    scenarios: pick(options.collections, indexText, "scenarios", options.scenarios ?? []),
    postoverflows: pick(
      options.collections,
      indexText,
      "postoverflows",
      options.postoverflows ?? [],
    ),
  });
  const describe = (p: RegistrationProblem) => `${p.item}: ${p.reason}`;
  return {
    parsers: loaded.parsers,
    postoverflows: loaded.postoverflows,
    scenarios: compiled.scenarios,
    registration,
    report: loaded.report,
    problems: [
      ...compiled.problems.map((p) => `${p.path}: ${p.reason}`),
      ...compiled.missing.map((m) => `${m} is not in the hub index`),
    ],
    warnings: problems.map(describe),
  };
}

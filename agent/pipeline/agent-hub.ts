/**
 * The agent's one call to load the hub from disk: everything the pipeline needs, loaded once at
 * startup — the parser and postoverflow pipelines (GeoIP methods when the MaxMind databases exist
 * in the data directory, absent otherwise as in CrowdSec; `reverse_dns` through the background
 * PTR cache when enabled), the compiled scenarios (hashed like 1.4.6, so a target's hash is the
 * alert's `scenario_hash`), and the registration the LAPI gets after every login. The index is
 * read once; the engine's `loadHub` resolves the selection once for all three.
 */
import type { CompiledScenario } from "../../src/engine/buckets/compile.js";
import { defaultCompilerFactory } from "../../src/engine/hub/expr-compiler.js";
import type { HubIndex } from "../../src/engine/hub/hub-index.js";
import { type HubLoadReport, loadHub, readHubIndex } from "../../src/engine/hub/hub-loader.js";
import { describeMissing, renderLoadProblem } from "../../src/engine/hub/load-problem.js";
import type { Pipeline } from "../../src/engine/parser/pipeline.js";
import type { HubRegistration } from "../../src/shared/ingest-wire.js";
import { type GeoIpFiles, openGeoIp } from "../hub/geoip.js";
import { type HubDirectories, hubSourceFromDirectories } from "../hub/hub-fs.js";
import { loadPatternsCached } from "../hub/pattern-cache.js";
import { createReverseDnsCache } from "../hub/reverse-dns.js";
import { buildHubRegistration, hubFileHash } from "./hub-registration.js";

export interface AgentHubOptions {
  collections: readonly string[];
  parsers?: readonly string[];
  postoverflows?: readonly string[];
  scenarios?: readonly string[];
  geoip?: GeoIpFiles;
  /** Enable the `reverse_dns` enricher (live PTR lookups, cached). Off by default. */
  reverseDns?: boolean;
  /** Hub path → file that replaces it (tainted copies installed in the config dir). */
  overrides?: ReadonlyMap<string, string>;
  /** Where the compiled grok library is cached (`agent/hub/pattern-cache.ts`); absent: none. */
  cacheDir?: string;
  /** The hub dir's index, when the caller parsed it already (it is read once per start). */
  index?: HubIndex;
}

/** The loaded hub of a running agent. */
export interface AgentHub {
  parsers: Pipeline;
  postoverflows: Pipeline;
  /** In installed-path order, as 1.4.6 loads them. */
  scenarios: CompiledScenario[];
  registration: HubRegistration;
  /** Every selected item's status and problems, and the names the index does not list. */
  report: HubLoadReport;
  /**
   * Every name the index lacks and every problem of an item, one line each (`renderLoadProblem`);
   * `loadConfiguredHub` refuses to start on any, as 1.4.6 does.
   */
  problems: string[];
  /** Data files the registration lacks (the scenario then runs with an empty list, as in 1.4.6). */
  warnings: string[];
}

/** Loads the hub from `dirs` for an install with `options`; see `AgentHub.report`. */
export function loadAgentHub(dirs: HubDirectories, options: AgentHubOptions): AgentHub {
  const source = hubSourceFromDirectories(dirs, options.overrides);
  const rdns = options.reverseDns ? createReverseDnsCache() : null;
  const { library } = loadPatternsCached(source.patterns, options.cacheDir ?? null);
  const loaded = loadHub(source, options.index ?? readHubIndex(source), {
    selection: options,
    patterns: library,
    enrichers: {
      geoip: openGeoIp(dirs.dataDir, options.geoip),
      ...(rdns ? { reverseDns: rdns.reverseDns } : {}),
    },
    compilerFactory: defaultCompilerFactory,
    hash: hubFileHash,
  });
  const { registration, problems } = buildHubRegistration(source, loaded.items);
  return {
    parsers: loaded.parsers,
    postoverflows: loaded.postoverflows,
    scenarios: loaded.scenarios,
    registration,
    report: loaded.report,
    problems: [
      ...loaded.report.missing.map(describeMissing),
      ...loaded.report.items.flatMap((item) =>
        item.problems.map((p) => `${item.type} ${item.name}: ${renderLoadProblem(p)}`),
      ),
    ],
    warnings: problems.map((p) => `${p.item}: ${p.reason}`),
  };
}

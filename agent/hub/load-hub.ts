/**
 * The agent's one call to get ready-to-run pipelines from a hub on disk: reads the hub, data and
 * patterns directories, opens the MaxMind databases that exist in the data directory (GeoIP
 * methods are absent otherwise, as in CrowdSec), optionally enables `reverse_dns` through the
 * background PTR cache, and compiles everything with CrowdSec's expression helpers.
 */
import { defaultCompilerFactory } from "../../src/engine/hub/expr-compiler.js";
import { type LoadedHub, loadHub } from "../../src/engine/hub/hub-loader.js";
import { type GeoIpFiles, openGeoIp } from "./geoip.js";
import { type HubDirectories, hubSourceFromDirectories } from "./hub-fs.js";
import { createReverseDnsCache } from "./reverse-dns.js";

export interface AgentHubOptions {
  collections: readonly string[];
  parsers?: readonly string[];
  postoverflows?: readonly string[];
  scenarios?: readonly string[];
  includeScenarios?: boolean;
  geoip?: GeoIpFiles;
  /** Enable the `reverse_dns` enricher (live PTR lookups, cached). Off by default. */
  reverseDns?: boolean;
}

/** Loads the hub items an install with `options` would enable; see `LoadedHub.report`. */
export function loadHubFromDirectories(dirs: HubDirectories, options: AgentHubOptions): LoadedHub {
  const rdns = options.reverseDns ? createReverseDnsCache() : null;
  return loadHub(hubSourceFromDirectories(dirs), {
    collections: options.collections,
    ...(options.parsers ? { parsers: options.parsers } : {}),
    ...(options.postoverflows ? { postoverflows: options.postoverflows } : {}),
    ...(options.scenarios ? { scenarios: options.scenarios } : {}),
    ...(options.includeScenarios === undefined
      ? {}
      : { includeScenarios: options.includeScenarios }),
    enrichers: {
      geoip: openGeoIp(dirs.dataDir, options.geoip),
      ...(rdns ? { reverseDns: rdns.reverseDns } : {}),
    },
    compilerFactory: defaultCompilerFactory,
  });
}

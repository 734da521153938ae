/**
 * Node side of `rampart hubtest`: a hub's `.tests/<name>/` folders on disk as the engine's
 * `HubTestSource` (hub, data and patterns directories from the CLI config). Data files are looked
 * up as an installed data dir holds them (`<data>/<dest_file>`) and, failing that, as the hub data
 * host lays them out (`<data>/<path of source_url>`), so a mirror of hub-data works as is.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, normalize, relative } from "node:path";
import { gunzipSync } from "node:zlib";
import { openGeoIp } from "../../../agent/hub/geoip.js";
import { hubSourceFromDirectories } from "../../../agent/hub/hub-fs.js";
import type { HubIndex } from "../../engine/hub/hub-index.js";
import type { HubTestSource } from "../../engine/hubtest/run-test.js";

/** The directories a hub test run reads. */
export interface HubTestDirectories {
  hubDir: string;
  dataDir: string;
  patternsDir: string;
}

function readInside(root: string, path: string): Buffer | null {
  const full = normalize(join(root, path));
  if (relative(root, full).startsWith("..")) return null;
  try {
    return statSync(full).isFile() ? readFileSync(full) : null;
  } catch {
    return null;
  }
}

/** The tests of a hub (`<hub>/.tests/*` folders holding a `config.yaml`), sorted by name. */
export function listHubTests(hubDir: string): string[] {
  const dir = join(hubDir, ".tests");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, "config.yaml")))
    .sort();
}

/** A `HubTestSource` for test `name` of the hub in `dirs`, sharing one index and pattern set. */
export function hubTestSource(
  dirs: HubTestDirectories,
  index: HubIndex,
  name: string,
  shared: { patterns: Record<string, string>; enrichers?: HubTestSource["enrichers"] },
): HubTestSource {
  const testDir = join(dirs.hubDir, ".tests", name);
  const hub = hubSourceFromDirectories(dirs);
  return {
    index,
    readHub: hub.readHub,
    readTest(path) {
      const bytes = readInside(testDir, path);
      if (bytes === null) return null;
      return (path.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
    },
    readData(destFile, sourceUrl) {
      const direct = readInside(dirs.dataDir, destFile);
      if (direct !== null) return direct.toString("utf8");
      let urlPath: string | null = null;
      try {
        urlPath = decodeURIComponent(new URL(sourceUrl).pathname).replace(/^\/+/, "");
      } catch {
        urlPath = null;
      }
      const mirrored = urlPath ? readInside(dirs.dataDir, urlPath) : null;
      return mirrored === null ? null : mirrored.toString("utf8");
    },
    patterns: shared.patterns,
    enrichers: shared.enrichers,
  };
}

/** The grok patterns and enrichers every test of one run shares. */
export function sharedHubTestInputs(dirs: HubTestDirectories) {
  return {
    patterns: hubSourceFromDirectories(dirs).patterns,
    enrichers: { geoip: openGeoIp(dirs.dataDir) },
  };
}

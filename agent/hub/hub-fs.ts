/**
 * Node adapter: a `HubSource` over directories on disk (a CrowdSec hub checkout or the Debian
 * `/usr/share/crowdsec/hub`, its data dir and the grok `patterns/` dir). The engine itself never
 * touches the filesystem.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, normalize, relative } from "node:path";
import type { HubSource } from "../../src/engine/hub/hub-loader.js";

export interface HubDirectories {
  hubDir: string;
  dataDir: string;
  patternsDir: string;
}

function readInside(root: string, path: string): string | null {
  const full = normalize(join(root, path));
  // Refuse paths escaping the directory (an index entry like "../../etc/passwd").
  if (relative(root, full).startsWith("..")) return null;
  try {
    return readFileSync(full, "utf8");
  } catch {
    return null;
  }
}

/**
 * A `HubSource` reading lazily from `dirs`; pattern files are read eagerly (they are few).
 * `overrides` maps a hub path to the file that replaces it (a tainted copy in the config dir).
 */
export function hubSourceFromDirectories(
  dirs: HubDirectories,
  overrides: ReadonlyMap<string, string> = new Map(),
): HubSource {
  const patterns: Record<string, string> = {};
  if (existsSync(dirs.patternsDir)) {
    for (const name of readdirSync(dirs.patternsDir)) {
      const full = join(dirs.patternsDir, name);
      if (statSync(full).isFile()) patterns[name] = readFileSync(full, "utf8");
    }
  }
  return {
    readHub: (path) => {
      const override = overrides.get(path);
      if (override === undefined) return readInside(dirs.hubDir, path);
      try {
        return readFileSync(override, "utf8");
      } catch {
        return null;
      }
    },
    readData: (name) => readInside(dirs.dataDir, name),
    patterns,
  };
}

/** The Debian CrowdSec 1.4.6 layout unpacked under `root` (the oracle cache). */
export function debianDirectories(root: string): HubDirectories {
  return {
    hubDir: join(root, "usr/share/crowdsec/hub"),
    dataDir: join(root, "usr/share/crowdsec/data"),
    patternsDir: join(root, "etc/crowdsec/patterns"),
  };
}

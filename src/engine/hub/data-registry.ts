import type { RegexpCacheConfig } from "../expr/data-files.js";
import { type MapRow, parseMapFileLine } from "../expr/index.js";
import type { DataSourceConfig } from "../parser/config.js";

/** Reads a file of the data directory by name; null when absent. */
export type DataReader = (name: string) => string | null;

/** Outcome of loading one `data:` entry. */
export interface DataLoadResult {
  /** The file actually read (`dest_file`, or the `source_url` basename fallback); null if none. */
  file: string | null;
  problem: string | null;
}

/**
 * The data files `File()` and `RegexpInFile()` read, keyed by `dest_file` (1.4.6
 * `exprhelpers.FileInit`): lines split on `\n` (a trailing `\r` dropped, as Go's line scanner
 * does), empty lines and lines starting with `#` skipped, no trimming, appended when the same name
 * is loaded twice. A missing file is reported and the item still loads (the list stays empty).
 * Debian ships two files under their `source_url` basename, so that name is tried next; the URL
 * itself is never fetched. A `type: regexp` entry with `strategy`, `size` or `ttl` (and no
 * `cache: false`) puts a result cache in front of `RegexpInFile()` for that file (HEAD
 * `exprhelpers.RegexpCacheInit`: size 50 and LRU unless given; the last entry naming a file wins).
 * A `type: map` entry (HEAD `fileMapInit`) holds one JSON object per line (`pattern`, `tag`,
 * `type`; empty and `#` lines skipped) for `FileMap()` / `LookupFile()`; a malformed line is reported and the file is not used.
 */
export function createDataRegistry(read: DataReader) {
  const strings: Record<string, string[]> = {};
  const regexps: Record<string, string[]> = {};
  const caches: Record<string, RegexpCacheConfig> = {};
  const maps: Record<string, MapRow[]> = {};
  // Bumped on every successful load, so consumers holding derived views can refresh them.
  let version = 0;
  const load = (entry: DataSourceConfig): DataLoadResult => {
    const name = entry.dest_file;
    const fallback = entry.source_url ? (entry.source_url.split("/").pop() ?? "") : "";
    let file: string | null = null;
    let text = name ? read(name) : null;
    if (text !== null) file = name;
    else if (fallback && fallback !== name) {
      text = read(fallback);
      if (text !== null) file = fallback;
    }
    if (text === null) {
      return { file: null, problem: `missing data file '${name}' (also tried '${fallback}')` };
    }
    if (entry.type === "") return { file, problem: null };
    if (entry.type === "map") {
      const rows: MapRow[] = [];
      try {
        for (const raw of text.split("\n")) {
          const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
          if (line.trim() === "" || line.startsWith("#")) continue;
          rows.push(parseMapFileLine(name, line));
        }
      } catch (error) {
        return { file, problem: (error as Error).message };
      }
      maps[name] = [...(maps[name] ?? []), ...rows];
      version++;
      return { file, problem: null };
    }
    if (entry.type !== "string" && entry.type !== "regexp" && entry.type !== "regex") {
      return { file, problem: `unknown data type '${entry.type}' for : '${name}'` };
    }
    const wantsCache =
      entry.strategy !== undefined || entry.size !== undefined || entry.ttl !== undefined;
    // HEAD: "cache only makes sense for regexp" — the `regex` spelling gets no cache there.
    if (entry.type === "regexp" && entry.cache !== false && wantsCache) {
      caches[name] = {
        strategy: entry.strategy ?? "LRU",
        size: entry.size ?? 50,
        ttlMs: entry.ttl ?? null,
      };
    }
    strings[name] ??= [];
    if (entry.type !== "string") regexps[name] ??= [];
    const target = entry.type === "string" ? strings[name] : regexps[name]!;
    for (const raw of text.split("\n")) {
      const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (line === "" || line.startsWith("#")) continue;
      target.push(line);
    }
    version++;
    return { file, problem: null };
  };
  return { strings, regexps, caches, maps, load, version: () => version };
}

/**
 * The agent's compiled grok library cache: building the library compiles every pattern of the
 * `patterns/` files with re2js (~400 regexes, to reject a bad file at startup as CrowdSec 1.4.6's
 * grokky does), which was most of a hub load's time and of its peak memory. The validated
 * expansions are stored under `<state_dir>/hub-cache/grok-<sha256>.json`, the hash taken over the
 * pattern files' names and contents (and this format's version), so any edit of a pattern file
 * is a cache miss that validates everything again. Only a library that validated is stored; a
 * cache that cannot be read or written is ignored (the library is then built as without cache).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ExportedPattern,
  libraryExpansions,
  libraryFromExpansions,
  loadPatterns,
  type PatternLibrary,
} from "../../src/engine/grok/index.js";

const FORMAT = "rampart-grok-library/1";

/** The cache file name for `files` (pattern file name → content). */
export function patternCacheKey(files: Record<string, string>): string {
  const hash = createHash("sha256").update(FORMAT);
  for (const name of Object.keys(files).sort()) {
    hash.update(`\0${name}\0${files[name]!.length}\0`).update(files[name]!);
  }
  return `grok-${hash.digest("hex")}.json`;
}

/** What {@link loadPatternsCached} did: `hit` (restored), `stored` (built and saved), `built`. */
export type PatternCacheOutcome = "hit" | "stored" | "built";

/**
 * The grok library of `files`, restored from `cacheDir` when a cache of the same content exists,
 * else built with `loadPatterns` (which throws on a bad pattern file) and stored there.
 */
export function loadPatternsCached(
  files: Record<string, string>,
  cacheDir: string | null,
): { library: PatternLibrary; outcome: PatternCacheOutcome } {
  if (cacheDir === null) return { library: loadPatterns(files), outcome: "built" };
  const path = join(cacheDir, patternCacheKey(files));
  try {
    const patterns = JSON.parse(readFileSync(path, "utf8")) as ExportedPattern[];
    if (Array.isArray(patterns))
      return { library: libraryFromExpansions(patterns), outcome: "hit" };
  } catch {
    // No cache yet, or an unreadable one: build it.
  }
  const library = loadPatterns(files);
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(libraryExpansions(library)));
    renameSync(tmp, path);
    return { library, outcome: "stored" };
  } catch {
    return { library, outcome: "built" };
  }
}

import type { RE2JS } from "re2js";
import { withGoType } from "./go-value.js";
import { compileRegexp } from "./regexp.js";
import { createResultCache, type ResultCacheOptions } from "./result-cache.js";

/** A data file's `RegexpInFile()` result cache (HEAD `types.DataSource` strategy/size/ttl). */
export type RegexpCacheConfig = Omit<ResultCacheOptions, "now">;

/** A compiled data-file regex (`type: regexp` entries), matched unanchored. */
export interface DataRegexp {
  test(input: string): boolean;
}

/**
 * The data files of loaded hub items, as `File()` and `RegexpInFile()` see them. CrowdSec keys
 * both by `dest_file` (1.4.6 `exprhelpers.FileInit`); the loader (not this module) reads them from
 * the data directory, skipping empty lines and lines starting with `#`.
 */
export interface DataFiles {
  /** Lines of a `type: string` file, or undefined when no such file was loaded. */
  lines(name: string): readonly string[] | undefined;
  /** Compiled lines of a `type: regexp` file, or undefined when no such file was loaded. */
  regexps(name: string): readonly DataRegexp[] | undefined;
  /**
   * Rows of a `type: map` file (JSON lines with `pattern`, `tag`, `type`), for `FileMap()` and
   * `LookupFile()`; undefined when no such file was loaded (or the loader has no map files).
   */
  maps?(name: string): readonly Readonly<Record<string, string>>[] | undefined;
}

/**
 * Builds a `DataFiles` from file contents already split into lines. `strings` backs `File()`;
 * `regexps` (defaults to the same map) backs `RegexpInFile()` and is compiled lazily, once per
 * file, with RE2 semantics (see `combine`). An invalid regex line throws when its file is first used, as Go's
 * `regexp.MustCompile` fails the load. A file listed in `caches` answers through a bounded cache
 * of "this input matched" results (`result-cache.ts`), as HEAD's `RegexpInFile` does.
 */
export function createDataFiles(
  strings: Record<string, readonly string[]>,
  regexps: Record<string, readonly string[]> = strings,
  caches: Readonly<Record<string, RegexpCacheConfig>> = {},
  maps: Record<string, readonly Readonly<Record<string, string>>[]> = {},
): DataFiles {
  const compiled = new Map<string, readonly DataRegexp[]>();
  // `File()` returns a Go []string: copy once, tag, freeze (expressions never mutate it).
  const lists = new Map<string, readonly string[]>();
  for (const [name, lines] of Object.entries(strings)) {
    lists.set(name, Object.freeze(withGoType([...lines], "[]string")));
  }
  return {
    lines: (name) => lists.get(name),
    maps: (name) => (Object.hasOwn(maps, name) ? maps[name] : undefined),
    regexps: (name) => {
      if (!Object.hasOwn(regexps, name)) return undefined;
      let list = compiled.get(name);
      if (!list) {
        list = combine(regexps[name]!);
        const cache = caches[name];
        if (cache) list = [cached(list, cache)];
        compiled.set(name, list);
      }
      return list;
    },
  };
}

/**
 * Compiles every line (so a bad one fails with its own message), then, for speed, the whole file
 * as one alternation: "some line matches" and "the alternation matches" are the same question for
 * RE2 (no backreferences; inline flags are scoped to their group), and one automaton over a
 * 594-line user-agent list is ~20x faster than 594 separate searches.
 */
function combine(lines: readonly string[]): readonly DataRegexp[] {
  const each = lines.map((line): RE2JS => compileRegexp(line));
  if (each.length < 2) return each;
  try {
    return [compileRegexp(lines.map((line) => `(?:${line})`).join("|"))];
  } catch {
    return each;
  }
}

/** One matcher answering "some line matches" through the file's result cache. */
function cached(list: readonly DataRegexp[], config: RegexpCacheConfig): DataRegexp {
  const cache = createResultCache(config);
  return {
    test(input) {
      const hit = cache.get(input);
      if (hit !== undefined) return hit;
      const matched = list.some((re) => re.test(input));
      cache.set(input, matched);
      return matched;
    },
  };
}

/** No data files loaded: `File()` returns [] and `RegexpInFile()` false, as in CrowdSec. */
export const NO_DATA_FILES: DataFiles = {
  lines: () => undefined,
  regexps: () => undefined,
};

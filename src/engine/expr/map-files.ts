import type { RE2JS } from "re2js";
import { compileRegexp } from "./regexp.js";

/**
 * `type: map` data files (current CrowdSec `pkg/exprhelpers/filemap.go`): JSON lines with a
 * `pattern`, a `tag` and a `type` (`equals`, `contains` or `regex`), read by `FileMap()` (the rows)
 * and `LookupFile(haystack, file)` (the tag of the first row that matches).
 */

export type MapRow = Readonly<Record<string, string>>;

const ENTRY_TYPES = new Set(["equals", "contains", "regex"]);

/** Parses one line as Go's `fileMapInit` does, with its error messages. */
export function parseMapFileLine(filename: string, line: string): MapRow {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (e) {
    throw new Error(`failed to parse JSON line in ${filename}: ${(e as Error).message}`);
  }
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw new Error(`failed to parse JSON line in ${filename}: not a JSON object`);
  }
  const row: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (typeof value !== "string" && value !== null) {
      throw new Error(
        `failed to parse JSON line in ${filename}: json: cannot unmarshal ${typeof value} into Go value of type string`,
      );
    }
    row[key] = value ?? "";
  }
  for (const field of ["pattern", "tag", "type"]) {
    if (!row[field]) throw new Error(`missing mandatory '${field}' field in ${filename}: ${line}`);
  }
  if (!ENTRY_TYPES.has(row.type!)) {
    throw new Error(`unknown entry type '${row.type}' in ${filename}: ${line}`);
  }
  return row;
}

interface MatchIndex {
  equals: Map<string, number>;
  contains: { pattern: string; row: number }[];
  regexes: { re: RE2JS; row: number }[];
}

const indexes = new WeakMap<readonly MapRow[], MatchIndex>();

function indexOf(rows: readonly MapRow[]): MatchIndex {
  let index = indexes.get(rows);
  if (index) return index;
  index = { equals: new Map(), contains: [], regexes: [] };
  rows.forEach((row, i) => {
    const pattern = row.pattern ?? "";
    if (row.type === "equals") index!.equals.set(pattern, i);
    else if (row.type === "regex") {
      try {
        index!.regexes.push({ re: compileRegexp(pattern), row: i });
      } catch {
        // Go logs the invalid regex and skips the row.
      }
    } else index!.contains.push({ pattern, row: i });
  });
  indexes.set(rows, index);
  return index;
}

/**
 * Go's `LookupFile` priority: an `equals` row (the last one of equal patterns, as Go's map keeps
 * the last), then the leftmost `contains` match (the first-listed pattern among those starting
 * there, Aho-Corasick leftmost-first), then the first matching `regex` row; `""` if none.
 */
export function lookupMapFile(rows: readonly MapRow[], haystack: string): string {
  const index = indexOf(rows);
  const exact = index.equals.get(haystack);
  if (exact !== undefined) return rows[exact]!.tag ?? "";
  let best: { at: number; row: number } | null = null;
  for (const { pattern, row } of index.contains) {
    const at = haystack.indexOf(pattern);
    if (at >= 0 && (best === null || at < best.at)) best = { at, row };
  }
  if (best) return rows[best.row]!.tag ?? "";
  for (const { re, row } of index.regexes) {
    if (re.matcher(haystack).find()) return rows[row]!.tag ?? "";
  }
  return "";
}

/**
 * Go's `filepath.Glob` semantics, which CrowdSec's file source uses for `filename(s)`: `*` and `?`
 * never cross a `/`, `[...]` classes with `^` negation and ranges, `\` escapes, no `**`, dot
 * files are not special. Patterns without metacharacters match only an existing path.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const META = /[*?[\\]/;

/** True when `pattern` has glob metacharacters. */
export function hasGlobMeta(pattern: string): boolean {
  return META.test(pattern);
}

/** Compiles one path segment of a Go glob into an anchored RegExp; null when malformed. */
export function segmentRegExp(segment: string): RegExp | null {
  let source = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else if (c === "\\") {
      const next = segment[++i];
      if (next === undefined) return null;
      source += escapeRegExp(next);
    } else if (c === "[") {
      const close = segment.indexOf("]", i + 2);
      if (close === -1) return null; // Go: ErrBadPattern
      let body = segment.slice(i + 1, close);
      const negated = body.startsWith("^");
      if (negated) body = body.slice(1);
      source += `[${negated ? "^" : ""}${body.replace(/[\]\\^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else source += escapeRegExp(c);
  }
  try {
    return new RegExp(`^${source}$`, "u");
  } catch {
    return null;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Paths matching `pattern` (sorted, like Go). Throws on a malformed pattern. */
export function goGlob(pattern: string): string[] {
  const absolute = pattern.startsWith("/");
  const segments = pattern.split("/").filter((s) => s !== "");
  let bases = [absolute ? "/" : "."];
  for (const segment of segments) {
    const next: string[] = [];
    if (!hasGlobMeta(segment)) {
      for (const base of bases) next.push(join(base, segment));
    } else {
      const re = segmentRegExp(segment);
      if (re === null) throw new Error(`syntax error in pattern ${JSON.stringify(pattern)}`);
      for (const base of bases) {
        let names: string[];
        try {
          names = readdirSync(base);
        } catch {
          continue;
        }
        for (const name of names.sort()) if (re.test(name)) next.push(join(base, name));
      }
    }
    bases = next;
  }
  return bases.filter((path) => exists(path)).map((p) => (absolute ? p : p.replace(/^\.\//, "")));
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

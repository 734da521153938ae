import { BASE_PATTERNS } from "./base-patterns";
import { GrokError } from "./errors";
import { type Expansion, expandGrok } from "./grok-expansion";

/**
 * The named grok patterns available to a parser pipeline: grokky's base set, then the
 * `patterns/` files, then the `pattern_syntax` entries of parser nodes. Immutable; `with`
 * returns an extended copy.
 */
export interface PatternLibrary {
  /** The raw (unexpanded) definition of `name`, if any. */
  get(name: string): string | undefined;
  /**
   * A library with `extra` added in insertion order, as CrowdSec adds a node's `pattern_syntax`:
   * a name that already exists keeps its first definition (CrowdSec warns "grok '…' already
   * registred" and continues); a new definition must compile now, so its references must exist.
   */
  with(extra: Record<string, string>): PatternLibrary;
}

/**
 * Builds the library CrowdSec 1.4.6 builds at startup (`parser.Init`): grokky's base patterns,
 * then every pattern file in directory order (byte order of the names, as `os.ReadDir`), skipping
 * file names that contain a dot. Keys of `files` are file names (a leading path is ignored for the
 * ordering and dot rules), values their contents. Throws `GrokError` on a duplicate name, an
 * unknown reference or an invalid regex, naming the file and pattern — fatal in CrowdSec too.
 */
export function loadPatterns(files: Record<string, string>): PatternLibrary {
  const library = new GrokLibrary(undefined);
  for (const [name, expression] of BASE_PATTERNS) library.add(name, expression);
  const names = Object.keys(files)
    .filter((path) => !baseName(path).includes("."))
    .sort((a, b) => compareBytes(baseName(a), baseName(b)));
  for (const path of names) {
    for (const [name, expression] of parsePatternFile(files[path] ?? "")) {
      try {
        library.add(name, expression);
      } catch (error) {
        if (error instanceof GrokError) {
          throw new GrokError(
            `pattern file ${path}: ${name}: ${error.message}`,
            error.pattern,
            error.missingPattern,
          );
        }
        throw error;
      }
    }
  }
  return library;
}

/**
 * Parses a grok pattern file the way grokky's `AddFromFile` does: each line matching
 * `^(\w+)\s+(.+)$` defines a pattern; every other line (comments, blanks, indented text) is
 * ignored. Go's line scanner strips a trailing `\r`.
 */
export function parsePatternFile(content: string): Array<[name: string, expression: string]> {
  const out: Array<[string, string]> = [];
  for (const rawLine of content.split("\n")) {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    let i = 0;
    while (i < line.length && isWordChar(line.charCodeAt(i))) i++;
    if (i === 0) continue;
    let j = i;
    while (j < line.length && isGoSpace(line.charCodeAt(j))) j++;
    if (j === i) continue;
    // `\s+` is greedy but must leave one character for `(.+)`: a definition made only of
    // whitespace keeps its last whitespace character, as the Go regex would.
    const start = j < line.length ? j : j - 1;
    if (start === i) continue;
    out.push([line.slice(0, i), line.slice(start)]);
  }
  return out;
}

/**
 * One validated library pattern as {@link libraryExpansions} exports it: name, definition, and its
 * expansion (regex source, group count, semantic → group entries).
 */
export type ExportedPattern = [
  name: string,
  expression: string,
  source: string,
  groupCount: number,
  semantics: Array<[string, number]>,
];

/**
 * Every pattern of a library built by {@link loadPatterns}, validated, in insertion order: what a
 * cache of the library stores. {@link libraryFromExpansions} rebuilds the same library without
 * compiling a single regex (the library load is most of a hub load: ~400 re2js compilations).
 */
export function libraryExpansions(library: PatternLibrary): ExportedPattern[] {
  if (!(library instanceof GrokLibrary)) throw new TypeError("not a library from loadPatterns");
  return library.exported();
}

/**
 * The library whose patterns were exported by {@link libraryExpansions}. The caller vouches that
 * `patterns` came from a library that validated them (a cache keyed by the pattern files' content).
 */
export function libraryFromExpansions(patterns: readonly ExportedPattern[]): PatternLibrary {
  const library = new GrokLibrary(undefined);
  for (const [name, expression, source, groupCount, semantics] of patterns)
    library.restore(name, expression, { source, groupCount, semantics: new Map(semantics) });
  return library;
}

/**
 * The library implementation. Definitions are validated when added, exactly as grokky's `Add`
 * compiles each one; expansions are memoised per instance (children share their parent's
 * memo because a name, once defined, never changes meaning).
 */
export class GrokLibrary implements PatternLibrary {
  private readonly definitions = new Map<string, string>();
  private readonly expansions = new Map<string, Expansion>();

  constructor(private readonly parent: GrokLibrary | undefined) {}

  get(name: string): string | undefined {
    return this.definitions.get(name) ?? this.parent?.get(name);
  }

  with(extra: Record<string, string>): PatternLibrary {
    const child = new GrokLibrary(this);
    for (const [name, expression] of Object.entries(extra)) {
      if (name === "") throw new GrokError("an empty name", expression);
      if (expression === "") throw new GrokError("an empty expression", name);
      if (child.get(name) !== undefined) continue;
      child.add(name, expression);
    }
    return child;
  }

  /** Adds a definition; throws `GrokError` if it exists already or does not compile. */
  add(name: string, expression: string): void {
    if (name === "") throw new GrokError("an empty name", expression);
    if (expression === "") throw new GrokError("an empty expression", name);
    if (this.get(name) !== undefined) throw new GrokError("the pattern already exist", name);
    // Compiled once to validate it, as grokky's `Add` does; only the expansion is kept.
    const { source, groupCount, semantics } = expandGrok(expression, (ref) => this.expansion(ref));
    this.definitions.set(name, expression);
    this.expansions.set(name, { source, groupCount, semantics });
  }

  /** Adds a definition validated earlier (its cached expansion). */
  restore(name: string, expression: string, expansion: Expansion): void {
    this.definitions.set(name, expression);
    this.expansions.set(name, expansion);
  }

  /** This library's own patterns (not its parent's), in insertion order. */
  exported(): ExportedPattern[] {
    return [...this.definitions].map(([name, expression]) => {
      const e = this.expansions.get(name)!;
      return [name, expression, e.source, e.groupCount, [...e.semantics]];
    });
  }

  /** The expanded, validated form of a named pattern, or undefined if the name is unknown. */
  expansion(name: string): Expansion | undefined {
    const own = this.expansions.get(name);
    if (own !== undefined) return own;
    return this.parent?.expansion(name);
  }
}

function baseName(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? path : path.slice(slash + 1);
}

function compareBytes(a: string, b: string): number {
  // Go sorts directory entries by byte order; code-unit order is identical for the ASCII names
  // pattern files have, and close enough (UTF-16 vs UTF-8 differ only above U+FFFF) otherwise.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's `\w`: ASCII letters, digits and underscore. */
function isWordChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95
  );
}

/** Go's `\s`: `[\t\n\f\r ]` (no `\v`, no Unicode spaces). */
function isGoSpace(code: number): boolean {
  return code === 9 || code === 10 || code === 12 || code === 13 || code === 32;
}

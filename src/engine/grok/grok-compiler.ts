import { type RE2JS, RE2Set } from "re2js";
import { createBacktracker } from "./backtracker";
import { countCaptureGroups, initialScanState, pruneCaptureGroups } from "./capture-groups";
import { GrokError } from "./errors";
import { type CompiledExpansion, type Expansion, expandGrok } from "./grok-expansion";
import { GrokLibrary, type PatternLibrary } from "./pattern-library";
import { compileRe2 } from "./safe-regex";

/** A grok expression ready to run on log lines. */
export interface CompiledGrok {
  /** The grok expression as written. */
  readonly pattern: string;
  /** The semantics (field names) it can return, in capture-group order. */
  readonly fields: readonly string[];
  /** The expanded RE2 regex (for debugging and dumps). */
  readonly regex: string;
  /**
   * Unanchored leftmost-first search. On a match, returns every semantic — a group that did not
   * participate gives `""`, and CrowdSec merges those empty strings into `evt.Parsed` too.
   * Returns null when CrowdSec's grok returns an empty map: no match, or an expression without
   * any semantic (such a grok can never succeed).
   */
  match(input: string): Record<string, string> | null;
}

/**
 * Compiles an inline grok expression (a parser's `grok.pattern`) against `library`. Throws
 * `GrokError` naming the missing pattern or the regex error.
 */
export function compileGrok(pattern: string, library: PatternLibrary): CompiledGrok {
  if (pattern === "") throw new GrokError("an empty expression", pattern);
  return fromExpansion(pattern, expandGrok(pattern, expansionLookup(library)));
}

/**
 * Compiles a library pattern by name (a parser's `grok.name`). CrowdSec compiles the stored
 * definition itself, so the result equals `compileGrok(library.get(name))`.
 */
export function compileNamedGrok(name: string, library: PatternLibrary): CompiledGrok {
  const definition = library.get(name);
  if (definition === undefined) {
    throw new GrokError(`the '${name}' pattern doesn't exist`, name, name);
  }
  return compileGrok(definition, library);
}

/**
 * Above this many instructions × (line length + 1) bits of visited state (1 MiB), the anchored
 * search uses the NFA instead of the backtracker: zeroing the bitmap would cost more than it saves.
 */
const BACKTRACK_BUDGET_BITS = 1 << 23;

/** re2js `Utils.EMPTY_BEGIN_TEXT` (Go `syntax.EmptyBeginText`). */
const EMPTY_BEGIN_TEXT = 4;
const ANCHOR_START = RE2Set.ANCHOR_START;

function fromExpansion(pattern: string, expansion: CompiledExpansion): CompiledGrok {
  const entries = [...expansion.semantics].sort((a, b) => a[1] - b[1]);
  const fields = entries.map(([name]) => name);
  const { regex, groups } = matchingRegex(expansion, entries);
  const re2 = regex.re2();
  const slots = regex.groupCount() + 1;
  // A regex whose every match must start at the beginning of the text (a leading `^` outside
  // any top-level alternation: re2js's `cond`, Go's `prog.StartCond()`) is its own anchored search.
  const startCond = (re2 as unknown as { cond: number }).cond;
  const startsAnchored = startCond !== -1 && (startCond & EMPTY_BEGIN_TEXT) !== 0;
  const backtrackAtStart = createBacktracker(regex, BACKTRACK_BUDGET_BITS, true);
  const backtrackAnywhere = createBacktracker(regex, BACKTRACK_BUDGET_BITS, false);

  /** Leftmost-first match starting at offset 0: backtracker within budget, else the NFA. */
  const searchAtStart = (input: string): ArrayLike<number> | null => {
    const found = backtrackAtStart?.(input);
    if (found !== undefined) return found;
    const [matched, offsets] = re2.matchWithGroup(input, 0, input.length, ANCHOR_START, slots);
    return matched ? offsets : null;
  };

  /** Capture offsets of the leftmost-first match (Go `FindStringSubmatchIndex`), or null. */
  const search = (input: string): ArrayLike<number> | null => {
    if (startsAnchored) return searchAtStart(input);
    // 1. The lazy DFA answers "no match" without tracking captures; most groks of a parser
    //    chain fail on most lines.
    if (!regex.test(input)) return null;
    // 2. Most hits start at offset 0. If the regex matches there, that is the leftmost match,
    //    i.e. what the unanchored search returns.
    // 3. Otherwise, the unanchored search (backtracker within budget, else NFA). Each step is
    //    linear, so the sum is too.
    const atStart = searchAtStart(input);
    if (atStart !== null) return atStart;
    const found = backtrackAnywhere?.(input);
    return found !== undefined ? found : re2.findSubmatchIndex(input);
  };
  return {
    pattern,
    fields,
    regex: expansion.source,
    match:
      fields.length === 0
        ? () => null
        : (input) => {
            const found = search(input);
            if (found === null) return null;
            const out: Record<string, string> = Object.create(null);
            for (let i = 0; i < fields.length; i++) {
              const group = groups[i] as number;
              const from = group < 0 ? -1 : (found[2 * group] as number);
              out[fields[i] as string] = from < 0 ? "" : input.slice(from, found[2 * group + 1]);
            }
            return out;
          },
  };
}

/**
 * The regex source actually run: the expansion with every group that is not a semantic made
 * non-capturing (same matches, far fewer capture slots), and the semantics' group numbers in
 * it. Falls back to the full expansion if the rewrite does not account for every group.
 */
function matchingRegex(
  expansion: CompiledExpansion,
  entries: ReadonlyArray<readonly [string, number]>,
): { source: string; regex: RE2JS; groups: number[] } {
  // grokky's group-count heuristic can point a semantic at group 0 (the whole match, as Go's
  // `ss[0]`) or outside the regex (Go panics; here the field reads as "").
  const groups = entries.map(([, index]) => (index <= expansion.groupCount ? index : -1));
  const full = { source: expansion.source, regex: expansion.regex, groups };
  if (countCaptureGroups(expansion.source, initialScanState()) !== expansion.groupCount) {
    return full;
  }
  const pruned = pruneCaptureGroups(expansion.source, new Set(groups));
  const regex = compileRe2(pruned.source);
  if (regex.groupCount() !== pruned.renumber.size) return full;
  return {
    source: pruned.source,
    regex,
    groups: groups.map((index) => (index <= 0 ? index : (pruned.renumber.get(index) ?? -1))),
  };
}

/**
 * How expansions of named patterns are found: the library's own memo when it is ours, else a
 * per-call memo built from `get` (any object satisfying `PatternLibrary` works).
 */
function expansionLookup(library: PatternLibrary): (name: string) => Expansion | undefined {
  if (library instanceof GrokLibrary) return (name) => library.expansion(name);
  const memo = new Map<string, Expansion>();
  const resolving = new Set<string>();
  const lookup = (name: string): Expansion | undefined => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const definition = library.get(name);
    if (definition === undefined) return undefined;
    if (resolving.has(name)) {
      throw new GrokError(`the '${name}' pattern refers to itself`, definition, name);
    }
    resolving.add(name);
    const expansion = expandGrok(definition, lookup);
    resolving.delete(name);
    memo.set(name, expansion);
    return expansion;
  };
  return lookup;
}

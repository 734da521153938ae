import { GrokError } from "./errors";
import { type Expansion, expandGrok } from "./grok-expansion";
import { GrokLibrary, type PatternLibrary } from "./pattern-library";

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

function fromExpansion(pattern: string, expansion: Expansion): CompiledGrok {
  const entries = [...expansion.semantics].sort((a, b) => a[1] - b[1]);
  const fields = entries.map(([name]) => name);
  const groups = entries.map(([, index]) => index);
  const re2 = expansion.regex.re2();
  return {
    pattern,
    fields,
    regex: expansion.source,
    match:
      fields.length === 0
        ? () => null
        : (input) => {
            const found: Array<string | null> | null = re2.findSubmatch(input);
            if (found === null) return null;
            const out: Record<string, string> = Object.create(null);
            for (let i = 0; i < fields.length; i++) {
              out[fields[i] as string] = found[groups[i] as number] ?? "";
            }
            return out;
          },
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

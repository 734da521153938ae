import type { RE2JS } from "re2js";
import { GrokError, RegexSyntaxError } from "./errors";
import { compileRe2 } from "./safe-regex";

/** A grok expression with every `%{…}` reference replaced, and where its semantics landed. */
export interface Expansion {
  /** The plain RE2 regex. */
  readonly source: string;
  /** Capturing groups in `source` (Go `NumSubexp`), raw named groups included. */
  readonly groupCount: number;
  /** Semantic (field name) → capturing group number in `source`. */
  readonly semantics: ReadonlyMap<string, number>;
}

/** An expansion with its compiled regex (not kept for library patterns: ~60 MB for ~400). */
export interface CompiledExpansion extends Expansion {
  readonly regex: RE2JS;
}

/**
 * A reference as grokky 0.1.0 recognises it: `%{NAME}` or `%{NAME:semantic}`, both `\w+`.
 * Logstash's `%{NAME:field:type}` and names with dashes or dots are not references and stay
 * literal regex text (they then never match, as in CrowdSec).
 */
const REFERENCE = /%\{(\w+)(?::(\w+))?\}/g;

/**
 * Expands `expression` as grokky 0.1.0 `compileExternal` does (CrowdSec 1.4.6):
 * walk the references left to right with a group counter starting at 1; add the groups opened by
 * the literal text before the reference (counted with grokky's heuristic, see
 * `grokkyGroupCount`); emit the referenced pattern's expansion wrapped in a
 * capturing group; map the reference's own semantic to that group; map each semantic of the
 * sub-pattern to counter + its inner index unless that name is a direct semantic somewhere in
 * this expression; advance by the sub-pattern's groups + 1. Later mappings overwrite earlier
 * ones, so the last occurrence of a duplicated semantic wins even when it sits in an alternative
 * that did not match. Raw `(?P<name>…)` groups count as groups but are never semantics.
 */
export function expandGrok(
  expression: string,
  lookup: (name: string) => Expansion | undefined,
): CompiledExpansion {
  const references = [...expression.matchAll(REFERENCE)];
  const direct = new Set<string>();
  for (const ref of references) {
    const name = ref[1] ?? "";
    if (lookup(name) === undefined) {
      throw new GrokError(`the '${name}' pattern doesn't exist`, expression, name);
    }
    direct.add(ref[2] ?? "");
  }

  const semantics = new Map<string, number>();
  let order = 1;
  let source = "";
  let last = 0;
  for (const ref of references) {
    const literal = expression.slice(last, ref.index);
    order += grokkyGroupCount(literal);
    const sub = lookup(ref[1] ?? "") as Expansion;
    const semantic = ref[2];
    if (semantic !== undefined) semantics.set(semantic, order);
    source += `${literal}(${sub.source})`;
    for (const [name, index] of sub.semantics) {
      if (!direct.has(name)) semantics.set(name, order + index);
    }
    order += sub.groupCount + 1;
    last = ref.index + ref[0].length;
  }
  source += expression.slice(last);

  let regex: RE2JS;
  try {
    regex = compileRe2(source);
  } catch (error) {
    if (error instanceof RegexSyntaxError) {
      throw new GrokError(`invalid regex after expansion: ${error.message}`, expression);
    }
    throw error;
  }
  return { source, groupCount: regex.groupCount(), semantics, regex };
}

/** grokky's `capCount` patterns: `(?flags:` openers, and `[flags])` with an optional `(`. */
const NON_CAPTURING_OPENER = /\(\?[imsU-]*:/g;
const FLAG_GROUP = /\(?[imsU-]+\)/g;

/**
 * The number of capturing groups grokky 0.1.0 believes `literal` opens: every `(`, minus
 * `(?flags:`, minus matches of `\(?[imsU-]+\)`, minus `\(`. The second regex makes the `(`
 * optional, so any `-)`, `s)`, `i)` … also counts as a flag group: in
 * `(?:%{HOSTNAME:h}|-) +(-|%{X:a})` the `-)` cancels the real group `(-|`, and every later
 * semantic is mapped one group too early (CrowdSec 1.4.6 returns shifted captures for e.g.
 * SYSLOG5424BASE). Reproduced on purpose: the captures must equal CrowdSec's.
 */
export function grokkyGroupCount(literal: string): number {
  const opening = literal.split("(").length - 1;
  const nonCapturing = literal.match(NON_CAPTURING_OPENER)?.length ?? 0;
  const flagGroups = literal.match(FLAG_GROUP)?.length ?? 0;
  const escaped = literal.split("\\(").length - 1;
  return opening - nonCapturing - flagGroups - escaped;
}

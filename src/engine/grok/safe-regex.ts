import { RE2JS, RE2JSException } from "re2js";
import { RegexSyntaxError } from "./errors";

/**
 * A compiled regex with Go `regexp` semantics (RE2 syntax, leftmost-first submatches, linear-time
 * matching). Every regex the engine applies to attacker-controlled text goes through this.
 */
export interface SafeRegex {
  /** The source as written (Go syntax). */
  readonly source: string;
  /** Number of capturing groups, named or not (Go `NumSubexp`). */
  readonly groupCount: number;
  /** Unanchored search, like Go `MatchString` (expr `matches`, `RegexpInFile`, whitelists). */
  test(input: string): boolean;
  /**
   * Leftmost-first unanchored search, like Go `FindStringSubmatch`: index 0 is the whole match,
   * then one entry per group; a group that did not participate is `""`, as in Go.
   */
  exec(input: string): string[] | null;
}

/**
 * Compiles a regex written in Go RE2 syntax (`(?P<name>…)`, inline flags `(?i)`, `\A`, `\z`,
 * `\Q…\E`, POSIX classes, Go's `\s`/`.` definitions). Throws `RegexSyntaxError` for anything
 * Go's `regexp.Compile` would reject. The engine is re2js (a pure-JS RE2 port): linear time on
 * any input and runtime-neutral; see README.md for the measurements behind this choice.
 */
export function compileRegex(source: string): SafeRegex {
  const re = compileRe2(source);
  const groupCount = re.groupCount();
  const re2 = re.re2();
  return {
    source,
    groupCount,
    test: (input) => re.test(input),
    exec: (input) => {
      const found: Array<string | null> | null = re2.findSubmatch(input);
      if (found === null) return null;
      const out = new Array<string>(found.length);
      for (let i = 0; i < found.length; i++) out[i] = found[i] ?? "";
      return out;
    },
  };
}

/** Compiles with re2js and turns its exceptions into `RegexSyntaxError`. */
export function compileRe2(source: string): RE2JS {
  try {
    return RE2JS.compile(source);
  } catch (error) {
    if (error instanceof RE2JSException) throw new RegexSyntaxError(error.message, source);
    throw error;
  }
}

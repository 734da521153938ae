import { RE2JS } from "re2js";

/**
 * Compiles a pattern with RE2 semantics (Go's `regexp` is RE2): linear-time matching, so a pattern
 * from hub content or a data file can never backtrack catastrophically on attacker-controlled log
 * data. Throws with Go's message (`error parsing regexp: …`) on invalid syntax.
 */
export function compileRegexp(pattern: string): RE2JS {
  return RE2JS.compile(pattern);
}

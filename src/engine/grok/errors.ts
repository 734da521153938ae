/**
 * A grok expression or pattern definition that cannot be used: a reference to a pattern the
 * library does not have, an invalid regex after expansion, a duplicate or empty definition.
 * The message mirrors grokky's wording (e.g. "the 'FOO' pattern doesn't exist") so that logs read
 * like CrowdSec's.
 */
export class GrokError extends Error {
  override readonly name = "GrokError";

  constructor(
    message: string,
    /** The grok expression (or pattern name) being compiled when the error occurred. */
    readonly pattern: string,
    /** The referenced pattern name that is not in the library, when that is the cause. */
    readonly missingPattern?: string,
  ) {
    super(message);
  }
}

/** A regex that the Go RE2 syntax rejects (same inputs that `regexp.Compile` refuses). */
export class RegexSyntaxError extends Error {
  override readonly name = "RegexSyntaxError";

  constructor(
    message: string,
    readonly source: string,
  ) {
    super(message);
  }
}

/**
 * Grok for Rampart's detection engine: CrowdSec-compatible pattern library, `%{NAME:field}`
 * expansion with grokky's capture mapping, and Go-RE2-semantics regexes that run in linear time.
 * See README.md.
 */

export { GrokError, RegexSyntaxError } from "./errors";
export { type CompiledGrok, compileGrok, compileNamedGrok } from "./grok-compiler";
export {
  type ExportedPattern,
  libraryExpansions,
  libraryFromExpansions,
  loadPatterns,
  type PatternLibrary,
  parsePatternFile,
} from "./pattern-library";
export { compileRegex, type SafeRegex } from "./safe-regex";

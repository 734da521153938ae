import type { Enricher } from "../enrich/enrichers.js";
import type { PatternLibrary } from "../grok/index.js";
import type { DataSourceConfig } from "./config.js";
import type { StashStore } from "./stash.js";

/** The variables an expression sees: `{ evt }` for parsers (helpers are bound at compile time). */
export type ExprEnv = Record<string, unknown>;

/** A compiled expression, run synchronously per event. Throws on a runtime error. */
export interface RunnableExpr {
  run(env: ExprEnv): unknown;
  /** Like `run`, keeping float64 results boxed (`GoFloat`), when the compiler offers it. */
  runGo?(env: ExprEnv): unknown;
  /** The expression's text, when known (`CompiledExpr` has it): lets callers analyse it. */
  readonly source?: string;
}

/**
 * What compiling a pipeline's nodes shares (1.4.6 `UnixParserCtx` + `EnricherCtx`): one grok
 * library that `pattern_syntax` entries extend as nodes compile (first definition wins), the
 * expression compiler with the helper functions, the enrichment methods, the data files, the
 * stash caches, and the warnings collected along the way.
 */
export interface CompileScope {
  library: PatternLibrary;
  /** Compiles an expression; throws an error naming `where` and the caret snippet. */
  compileExpr(source: string, where: string): RunnableExpr;
  enrichers: Map<string, Enricher>;
  /** Loads one `data:` entry into the data files `File()` / `RegexpInFile()` read. */
  loadData(entry: DataSourceConfig, where: string): void;
  stashes: StashStore;
  /** Non-fatal problems (ignored duplicate pattern_syntax, missing data file…). */
  warn(message: string): void;
}

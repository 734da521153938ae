import {
  compileExpr,
  createDataFiles,
  type DataFiles,
  DEFAULT_DIALECT,
  type Dialect,
} from "../expr/index.js";
import type { ExprCompilerFactory } from "./hub-loader.js";

/**
 * The expression compiler hub items are loaded with: CrowdSec's helpers, `File()` /
 * `RegexpInFile()` over the pipeline's data files, `GetFromStash` over its stash caches, and the
 * two decision counters answering 0 as 1.4.6 does when the agent has no database client.
 * `LookupHost` (a live DNS query) is deliberately absent: an expression using it fails to compile
 * and the item is reported.
 */
export const defaultCompilerFactory: ExprCompilerFactory = compilerFactoryFor(DEFAULT_DIALECT);

/**
 * The same compiler for a given expr dialect: the 1.4.6 differential tests load hub content with
 * `"crowdsec-1.4"` (antonmedv/expr v1.9.0 semantics), everything else with the default.
 */
export function compilerFactoryFor(dialect: Dialect): ExprCompilerFactory {
  return ({ strings, regexps, regexpCaches, dataVersion, stashes }) => {
    // Expressions compile while items are still loading, but File() must see every data file of
    // the pipeline (CrowdSec's data map is global): the view is rebuilt when more data was loaded.
    let view: { version: number; files: DataFiles } | null = null;
    const current = (): DataFiles => {
      const version = dataVersion();
      if (view === null || view.version !== version) {
        view = { version, files: createDataFiles(strings, regexps, regexpCaches) };
      }
      return view.files;
    };
    const dataFiles: DataFiles = {
      lines: (name) => current().lines(name),
      regexps: (name) => current().regexps(name),
    };
    const functions = {
      GetFromStash: (name: unknown, key: unknown) => stashes.get(String(name), String(key)),
      GetDecisionsCount: () => 0,
      GetDecisionsSinceCount: () => 0,
    };
    return (source) => compileExpr(source, { dataFiles, functions, dialect });
  };
}

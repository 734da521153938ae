import { compileExpr, createDataFiles, type DataFiles } from "../expr/index.js";
import { checkEventMembers } from "./event-members.js";
import type { ExprCompilerFactory } from "./hub-loader.js";

/**
 * The expression compiler hub items are loaded with: CrowdSec's helpers, `File()` /
 * `RegexpInFile()` over the pipeline's data files, `GetFromStash` over its stash caches, and the
 * two decision counters answering 0 as 1.4.6 does when the agent has no database client.
 * `LookupHost` (a live DNS query) is deliberately absent: an expression using it fails to compile
 * and the item is reported. `evt.X` naming no member of CrowdSec's Event is refused at load, as
 * expr's checker does with `expr.Env(types.Event)` (`event-members.ts`).
 */
export const defaultCompilerFactory: ExprCompilerFactory = ({
  strings,
  regexps,
  regexpCaches,
  dataVersion,
  stashes,
}) => {
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
  return (source) => {
    const compiled = compileExpr(source, { dataFiles, functions });
    const unknown = checkEventMembers(source);
    if (unknown) throw unknown;
    return compiled;
  };
};

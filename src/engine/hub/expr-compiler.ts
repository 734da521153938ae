import {
  compileExpr,
  createDataFiles,
  type DataFiles,
  DEFAULT_DIALECT,
  type Dialect,
} from "../expr/index.js";
import { checkEventMembers } from "./event-members.js";
import type { ExprCompilerFactory } from "./hub-loader.js";

/**
 * The expression compiler hub items are loaded with: CrowdSec's helpers, `File()` /
 * `RegexpInFile()` over the pipeline's data files and `GetFromStash`/`SetInStash` over its stash
 * caches. The other I/O helpers keep their defaults (see `HelperProviders`): the decision counters
 * answer 0 as CrowdSec does when the agent has no database client, `LookupHost` finds nothing,
 * `CrowdsecCTI` fails with `cti is disabled`. `evt.X` naming no member of CrowdSec's Event is
 * refused at load, as expr's checker does with `expr.Env(types.Event)` (`event-members.ts`).
 */
export const defaultCompilerFactory: ExprCompilerFactory = compilerFactoryFor(DEFAULT_DIALECT);

/**
 * The compiler the LAPI checks registered content with: the default one that also refuses
 * expressions of pathological static cost (`expr/static-cost.ts`, issue 12 hole 4).
 */
export const registrationCompilerFactory: ExprCompilerFactory = compilerFactoryFor(
  DEFAULT_DIALECT,
  { staticCost: true },
);

/**
 * The same compiler for a given expr dialect: the 1.4.6 differential tests load hub content with
 * `"crowdsec-1.4"` (antonmedv/expr v1.9.0 semantics), everything else with the default.
 */
export function compilerFactoryFor(
  dialect: Dialect,
  options: { staticCost?: boolean } = {},
): ExprCompilerFactory {
  return ({ strings, regexps, regexpCaches, maps, dataVersion, stashes }) => {
    // Expressions compile while items are still loading, but File() must see every data file of
    // the pipeline (CrowdSec's data map is global): the view is rebuilt when more data was loaded.
    let view: { version: number; files: DataFiles } | null = null;
    const current = (): DataFiles => {
      const version = dataVersion();
      if (view === null || view.version !== version) {
        view = { version, files: createDataFiles(strings, regexps, regexpCaches, { ...maps }) };
      }
      return view.files;
    };
    const dataFiles: DataFiles = {
      lines: (name) => current().lines(name),
      regexps: (name) => current().regexps(name),
      maps: (name) => current().maps?.(name),
    };
    const providers = { stash: stashes };
    return (source) => {
      const compiled = compileExpr(source, {
        dataFiles,
        providers,
        dialect,
        ...(options.staticCost ? { staticCost: true } : {}),
      });
      const unknown = checkEventMembers(source, dialect);
      if (unknown) throw unknown;
      return compiled;
    };
  };
}

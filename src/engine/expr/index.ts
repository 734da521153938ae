/**
 * CrowdSec's expression language — expr-lang/expr v1.17 as CrowdSec 1.7 embeds it (the default
 * `"current"` dialect) or antonmedv/expr v1.9.0 as CrowdSec 1.4.6 does (`"crowdsec-1.4"`), plus
 * CrowdSec's helper functions: compile an expression once, run it synchronously against many
 * environments.
 *
 * ```ts
 * const filter = compileExpr("evt.Meta.log_type == 'ssh_failed-auth'");
 * filter.run({ evt }); // true / false
 * ```
 */
import { type DataFiles, NO_DATA_FILES } from "./data-files.js";
import { DEFAULT_DIALECT, type Dialect } from "./dialect.js";
import { ExprError, ExprRuntimeError, RuntimeFault } from "./errors.js";
import { compileTree, type Evaluate, type ResolvedFunction, treeDepth } from "./evaluator.js";
import { toPlain } from "./go-value.js";
import { CROWDSEC_HELPERS, type HelperContext, type HelperProviders } from "./helper-table.js";
import { parse } from "./parser.js";
import { staticCostProblem } from "./static-cost.js";

export { EXPR_BUILTINS } from "./builtins.js";
export { createDataFiles, type DataFiles, type DataRegexp, NO_DATA_FILES } from "./data-files.js";
export { DEFAULT_DIALECT, type Dialect } from "./dialect.js";
export { ExprError, ExprRuntimeError, type SourcePosition } from "./errors.js";
export {
  GoDuration,
  GoFloat,
  goTypeName,
  withGoType,
  withZeroValue,
  ZERO_VALUE,
} from "./go-value.js";
export {
  CROWDSEC_HELPER_NAMES,
  CROWDSEC_HELPERS,
  type HelperProviders,
  type HelperSpec,
  type HttpHelperRequest,
  type HttpHelperResponse,
  type ParamKind,
  UNSUPPORTED_HELPERS,
} from "./helper-table.js";
export { compileLeadingGuard, type ExprGuard } from "./leading-guard.js";
export { type MapRow, parseMapFileLine } from "./map-files.js";
export { BINARY_OPERATORS, BUILTINS, UNARY_OPERATORS } from "./operators.js";

/** Default limits: far above any 1.4.6 hub expression (largest: 51 nodes, depth 14). */
export const DEFAULT_MAX_NODES = 10_000;
export const DEFAULT_MAX_DEPTH = 200;

export interface ExprOptions {
  /**
   * Extra functions, called with plain JS values (floats as numbers, nil as null); they override
   * helpers of the same name (as CrowdSec's expression env overrides its library).
   */
  functions?: Record<string, (...args: unknown[]) => unknown>;
  /**
   * What the I/O helpers read (stash caches, decisions, CTI, DNS, GeoIP, host name, HTTP, logs).
   * Each is optional; without one a helper answers as CrowdSec does when that component is not
   * configured (see `HelperProviders`).
   */
  providers?: HelperProviders;
  /** Data files for `File()` and `RegexpInFile()`; none by default. */
  dataFiles?: DataFiles;
  /** Maximum syntax-tree nodes (default 10,000). */
  maxNodes?: number;
  /** Maximum syntax-tree depth (default 200). */
  maxDepth?: number;
  /** Which expr to reproduce (default `"current"`, CrowdSec 1.7's expr-lang v1.17). */
  dialect?: Dialect;
  /**
   * Refuse an expression whose static cost is pathological (`static-cost.ts`: constant ranges,
   * loops, `Sprintf` widths and `repeat` counts past the run-time budgets). Off by default: the
   * LAPI turns it on for content machines register.
   */
  staticCost?: boolean;
}

/** A compiled expression. `run` is synchronous and may be called any number of times. */
export interface CompiledExpr {
  source: string;
  /**
   * Evaluates against `env` (e.g. `{ evt }`, `{ Alert }`). Returns plain JS values: strings,
   * booleans, numbers (Go ints and floats alike), arrays, objects, null for nil. Throws
   * `ExprRuntimeError` where expr's VM fails (nil member access, type mismatch, …).
   */
  run(env: Record<string, unknown>): unknown;
  /**
   * Like `run`, but keeps Go's typing: float64 results stay boxed in `GoFloat`, so callers that
   * must tell `int` from `float64` (CrowdSec statics accept only string and int results) can use
   * `goTypeName(result)`.
   */
  runGo(env: Record<string, unknown>): unknown;
}

/** Compiles `source`; throws `ExprError` (with position and caret snippet) when it is invalid. */
export function compileExpr(source: string, options: ExprOptions = {}): CompiledExpr {
  const limits = {
    maxNodes: options.maxNodes ?? DEFAULT_MAX_NODES,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
  };
  const functions = options.functions ?? {};
  const dialect = options.dialect ?? DEFAULT_DIALECT;
  const helperContext: HelperContext = {
    dataFiles: options.dataFiles ?? NO_DATA_FILES,
    providers: options.providers ?? {},
    xmlDocument: null,
    xmlPaths: new Map(),
  };
  let evaluate: Evaluate;
  try {
    const tree = parse(source, {
      ...limits,
      dialect,
      // CrowdSec registers its helpers with expr.Function, which overrides a builtin's name.
      isFunction: (name) => Object.hasOwn(functions, name) || Object.hasOwn(CROWDSEC_HELPERS, name),
    });
    if (treeDepth(tree) > limits.maxDepth) {
      throw new ExprError(
        `expression nested too deeply (more than ${limits.maxDepth} levels)`,
        source,
        0,
      );
    }
    if (options.staticCost) {
      const problem = staticCostProblem(tree);
      if (problem) throw new ExprError(problem.message, source, problem.offset);
    }
    evaluate = compileTree(tree, {
      helperContext,
      dialect,
      resolveFunction: (name): ResolvedFunction | undefined => {
        if (Object.hasOwn(functions, name)) return { kind: "plain", fn: functions[name]! };
        if (Object.hasOwn(CROWDSEC_HELPERS, name)) {
          return { kind: "helper", spec: CROWDSEC_HELPERS[name]! };
        }
        return undefined;
      },
    });
  } catch (e) {
    if (e instanceof ExprError) throw e;
    if (e instanceof RuntimeFault) throw new ExprError(e.message, source, e.offset ?? 0);
    throw e;
  }
  const runGo = (env: Record<string, unknown>): unknown => {
    const state = { env, pointer: null, memory: 0, loop: null };
    try {
      return evaluate(state) ?? null;
    } catch (e) {
      if (e instanceof RuntimeFault) throw new ExprRuntimeError(e.message, source, e.offset ?? 0);
      if (e instanceof RangeError) {
        throw new ExprRuntimeError(`expression failed: ${e.message}`, source, 0);
      }
      throw e;
    }
  };
  const run = (env: Record<string, unknown>): unknown => {
    const value = runGo(env);
    // Strings and booleans (nearly every hub result) need no conversion.
    return typeof value === "object" && value !== null ? toPlain(value) : value;
  };
  return { source, runGo, run };
}

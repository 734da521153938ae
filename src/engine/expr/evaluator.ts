import type { RE2JS } from "re2js";
import { children, type Node } from "./ast.js";
import { EXPR_BUILTINS } from "./builtins.js";
import { compileBuiltin } from "./closure-builtins.js";
import type { Dialect } from "./dialect.js";
import { RuntimeFault } from "./errors.js";
import { goTimeMethod } from "./go-time-methods.js";
import { float, fromPlain, GoFloat, goTypeName, isNil, toPlain, withGoType } from "./go-value.js";
import type { HelperContext, HelperSpec } from "./helper-table.js";
import { hoistableSubtrees, memoizePerLoop } from "./loop-invariants.js";
import { fetch, length, lookup, NOT_FOUND, slice } from "./operations.js";
import { divideCurrent, fetchCurrent, inCurrent, sliceCurrent } from "./operations-current.js";
import { compileBinary, compileOptimizedIn, compileUnary } from "./operator-compilers.js";
import { compilePredicate } from "./predicates.js";
import { compileRegexp } from "./regexp.js";
import {
  CHAIN_BREAK,
  CompileFault,
  charge,
  chargeString,
  type Evaluate,
  located,
  notBool,
  notString,
  withOffset,
} from "./run-state.js";

export {
  CompileFault,
  type Evaluate,
  ITERATION_BUDGET,
  MEMORY_BUDGET,
  type RunState,
  STRING_BUDGET,
} from "./run-state.js";

/** Dynamic `matches` patterns compiled per expression, bounded so hostile data can't grow it. */
const REGEXP_CACHE_LIMIT = 256;

/** What the compiler needs besides the tree. */
export interface CompileContext {
  /** Callable functions by name: helper table entries and caller functions. */
  resolveFunction(name: string): ResolvedFunction | undefined;
  helperContext: HelperContext;
  /** Semantics to follow (default `"crowdsec-1.4"`). */
  dialect?: Dialect;
}

/** Operator implementations where v1.17 differs from v1.9.0. */
const CURRENT_OPERATORS: Readonly<Record<string, (a: unknown, b: unknown) => unknown>> = {
  "/": divideCurrent,
  in: inCurrent,
};

export type ResolvedFunction =
  | { kind: "helper"; spec: HelperSpec }
  | { kind: "plain"; fn: (...args: unknown[]) => unknown };

/** Depth of the tree, computed without recursion so a hostile tree cannot overflow the stack. */
export function treeDepth(root: Node): number {
  let max = 0;
  const stack: [Node, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) max = depth;
    for (const child of children(node)) stack.push([child, depth + 1]);
  }
  return max;
}

/**
 * Turns a syntax tree into nested JS closures once, so that each run is a direct call chain with
 * no tree dispatch. Semantics follow the v1.9.0 compiler + VM (`compiler/compiler.go`, `vm/vm.go`).
 */
export function compileTree(root: Node, context: CompileContext): Evaluate {
  const current = context.dialect === "current";
  const fetchAt = current ? fetchCurrent : fetch;
  /** `let` variables in scope, innermost last, with their slot in `state.vars`. */
  const scopes: { name: string; slot: number }[] = [];
  let slots = 0;
  const regexpCache = new Map<string, RE2JS>();
  const dynamicRegexp = (pattern: string): RE2JS => {
    let re = regexpCache.get(pattern);
    if (!re) {
      re = compileRegexp(pattern);
      if (regexpCache.size >= REGEXP_CACHE_LIMIT) regexpCache.clear();
      regexpCache.set(pattern, re);
    }
    return re;
  };

  // Closure-body subtrees that do not depend on `#`, compiled once per loop run.
  const hoisted = new Map<Node, Evaluate>();
  const isPureFunction = (name: string) => {
    const resolved = context.resolveFunction(name);
    return resolved?.kind === "helper" && resolved.spec.pure === true;
  };

  const compile = (node: Node): Evaluate => {
    const cached = hoisted.get(node);
    if (cached) return cached;
    if (node.kind === "Builtin" && node.args[1]?.kind === "Closure") {
      for (const subtree of hoistableSubtrees(node.args[1].node, isPureFunction)) {
        if (!hoisted.has(subtree)) hoisted.set(subtree, memoizePerLoop(compileNode(subtree)));
      }
    }
    return compileNode(node);
  };

  const compileNode = (node: Node): Evaluate => {
    switch (node.kind) {
      case "Nil":
        return () => null;
      case "Bool": {
        const value = node.value;
        return () => value;
      }
      case "Integer": {
        const value = node.value;
        return () => value;
      }
      case "Float": {
        const value = float(node.value);
        return () => value;
      }
      case "String": {
        const value = node.value;
        return () => value;
      }
      case "Identifier": {
        const name = node.name;
        const variable = scopes.findLast((v) => v.name === name);
        if (variable) {
          const slot = variable.slot;
          return (state) => state.vars![slot];
        }
        return (state) => {
          const env = state.env;
          return Object.hasOwn(env, name) ? (env[name] ?? null) : null;
        };
      }
      case "Pointer":
        if (node.name === "index") return (state) => state.index ?? 0;
        if (node.name === "acc") return (state) => state.acc ?? null;
        if (node.name !== undefined) {
          throw new CompileFault(`unknown pointer #${node.name}`, node.offset);
        }
        return (state) => state.pointer;
      case "Let": {
        const value = compile(node.value);
        const slot = slots++;
        scopes.push({ name: node.name, slot });
        const body = compile(node.body);
        scopes.pop();
        return (state) => {
          if (!state.vars) state.vars = [];
          state.vars[slot] = value(state);
          return body(state);
        };
      }
      case "Sequence": {
        const steps = node.nodes.map(compile);
        return (state) => {
          let value: unknown = null;
          for (const step of steps) value = step(state);
          return value;
        };
      }
      case "Chain": {
        const inner = compile(node.node);
        return (state) => {
          try {
            const value = inner(state);
            return isNil(value) ? null : value;
          } catch (e) {
            if (e === CHAIN_BREAK) return null;
            throw e;
          }
        };
      }
      case "Unary":
        return compileUnary(node.operator, compile(node.node), node.offset);
      case "Binary": {
        if (
          (node.operator === "%" || (node.operator === "/" && !current)) &&
          node.left.kind === "Integer" &&
          node.right.kind === "Integer" &&
          node.right.value === 0
        ) {
          // The v1.9.0 optimizer folds integer literals and fails the compilation here.
          throw new CompileFault("integer divide by zero", node.offset);
        }
        if (node.operator === "??") {
          const left = compile(node.left);
          const right = compile(node.right);
          return (state) => {
            const value = left(state);
            return isNil(value) ? right(state) : value;
          };
        }
        const optimized = compileOptimizedIn(node, compile, current);
        if (optimized) return optimized;
        const operator = node.operator === "^" ? "**" : node.operator;
        const override = current ? CURRENT_OPERATORS[operator] : undefined;
        if (override) {
          const left = compile(node.left);
          const right = compile(node.right);
          return located(node.offset, (state) => override(left(state), right(state)));
        }
        return compileBinary(operator, compile(node.left), compile(node.right), node.offset);
      }
      case "Matches": {
        const left = compile(node.left);
        if (node.right.kind === "String") {
          let re: RE2JS;
          try {
            re = compileRegexp(node.right.value);
          } catch (e) {
            throw new CompileFault((e as Error).message, node.offset);
          }
          return located(node.offset, (state) => {
            const a = left(state);
            if (typeof a !== "string") throw notString(a);
            return re.test(a);
          });
        }
        const right = compile(node.right);
        return located(node.offset, (state) => {
          const a = left(state);
          const b = right(state);
          if (typeof b !== "string") throw notString(b);
          if (typeof a !== "string") throw notString(a);
          return dynamicRegexp(b).test(a);
        });
      }
      case "Property": {
        // A chain like `evt.Meta.http_path` becomes one closure: the hub reads such paths in
        // nearly every expression, often inside closures over data files.
        const steps: { property: string; offset: number; optional: boolean }[] = [];
        let base: Node = node;
        while (base.kind === "Property") {
          steps.unshift({
            property: base.property,
            offset: base.offset,
            optional: base.optional === true,
          });
          base = base.node;
        }
        const target = compile(base);
        const properties = steps.map((s) => s.property);
        const offsets = steps.map((s) => s.offset);
        const optional = steps.map((s) => s.optional);
        const count = properties.length;
        if (optional.includes(true)) {
          return (state) => {
            let value = target(state);
            let i = 0;
            try {
              for (; i < count; i++) {
                if (optional[i] && isNil(value)) throw CHAIN_BREAK;
                value = fetch(value, properties[i]);
              }
            } catch (e) {
              if (e === CHAIN_BREAK) throw e;
              throw withOffset(e, offsets[i]!);
            }
            return value;
          };
        }
        return (state) => {
          let value = target(state);
          let i = 0;
          try {
            for (; i < count; i++) value = fetch(value, properties[i]);
          } catch (e) {
            throw withOffset(e, offsets[i]!);
          }
          return value;
        };
      }
      case "Index": {
        const target = compile(node.node);
        const index = compile(node.index);
        if (node.optional) {
          return located(node.offset, (state) => {
            const value = target(state);
            if (isNil(value)) throw CHAIN_BREAK;
            return fetchAt(value, index(state));
          });
        }
        return located(node.offset, (state) => fetchAt(target(state), index(state)));
      }
      case "Slice": {
        const target = compile(node.node);
        const from = node.from ? compile(node.from) : null;
        const to = node.to ? compile(node.to) : null;
        // Slicing an array literal yields []interface{} in 1.4.6 (checked), a typed slice keeps
        // its type (`ParseUri(u).a[0:1]` is a []string).
        const literal = node.node.kind === "Array";
        return located(node.offset, (state) => {
          const value = target(state);
          const end = to ? to(state) : length(value);
          const start = from ? from(state) : 0;
          const result = current ? sliceCurrent(value, start, end) : slice(value, start, end);
          return literal && Array.isArray(result) ? [...result] : result;
        });
      }
      case "Method": {
        const target = compile(node.node);
        const args = node.args.map(compile);
        const method = node.method;
        const optionalCall = node.optional === true;
        return located(node.offset, (state) => {
          const obj = target(state);
          if (optionalCall && isNil(obj)) throw CHAIN_BREAK;
          if (isNil(obj)) throw new RuntimeFault(`cannot get "${method}" from <nil>`);
          const fn =
            obj instanceof Date
              ? goTimeMethod(method)
              : obj !== null && typeof obj === "object" && !(obj instanceof GoFloat)
                ? lookup(obj, method)
                : NOT_FOUND;
          if (typeof fn !== "function") {
            throw new RuntimeFault(`cannot get "${method}" from ${goTypeName(obj)}`);
          }
          const values = args.map((a) => toPlain(a(state)));
          return fromPlain(fn.apply(obj, values));
        });
      }
      case "Function":
        return compileFunction(node.name, node.args.map(compile), node.offset);
      case "Builtin":
        if (!current) return compileBuiltin(node.name, node.args, node.offset, compile);
        if (Object.hasOwn(EXPR_BUILTINS, node.name)) {
          return compileExprBuiltin(node.name, node.args.map(compile), node.offset);
        }
        return compilePredicate(node.name, node.args, node.offset, compile);
      case "Closure":
        return compile(node.node);
      case "Conditional": {
        const cond = compile(node.cond);
        const then = compile(node.then);
        const otherwise = compile(node.else);
        return located(node.offset, (state) => {
          const c = cond(state);
          if (c === true) return then(state);
          if (c === false) return otherwise(state);
          throw notBool(c);
        });
      }
      case "Array": {
        const items = node.items.map(compile);
        // v1.9.0 folds literal arrays of only ints or only strings into typed Go slices.
        // v1.17 folds constant arrays into []interface{} instead.
        const kinds = new Set(node.items.map((i) => i.kind));
        const goType = current
          ? null
          : kinds.size === 1 && kinds.has("Integer")
            ? "[]int"
            : kinds.size === 1 && kinds.has("String")
              ? "[]string"
              : null;
        return located(node.offset, (state) => {
          const out = items.map((item) => item(state));
          charge(state, out.length);
          return goType ? withGoType(out, goType) : out;
        });
      }
      case "Map": {
        const pairs = node.pairs.map((p) => [compile(p.key), compile(p.value)] as const);
        return located(node.offset, (state) => {
          // A map literal is a map[string]interface{}: missing keys read as nil.
          const out: Record<string, unknown> = {};
          Object.defineProperty(out, Symbol.for("rampart.expr.zeroValue"), { value: null });
          for (const [key, value] of pairs) {
            const k = key(state);
            const v = value(state);
            if (typeof k !== "string") throw notString(k);
            Object.defineProperty(out, k, {
              value: v,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
          charge(state, pairs.length);
          return out;
        });
      }
    }
  };

  const compileExprBuiltin = (name: string, args: Evaluate[], offset: number): Evaluate => {
    const spec = EXPR_BUILTINS[name]!;
    if (args.length < spec.min || args.length > spec.max) {
      if (spec.counted) {
        const expected = spec.min === spec.max ? `${spec.min}` : `at least ${spec.min}`;
        throw new CompileFault(
          `invalid number of arguments (expected ${expected}, got ${args.length})`,
          offset,
        );
      }
      const few = args.length < spec.min;
      throw new CompileFault(
        `${few ? "not enough" : "too many"} arguments to call ${name}`,
        offset,
      );
    }
    return located(offset, (state) =>
      chargeString(
        state,
        spec.call(
          args.map((a) => a(state)),
          state,
        ),
      ),
    );
  };

  const compileFunction = (name: string, args: Evaluate[], offset: number): Evaluate => {
    const resolved = context.resolveFunction(name);
    if (!resolved) throw new CompileFault(`unknown func ${name}`, offset);
    if (resolved.kind === "plain") {
      const fn = resolved.fn;
      return located(offset, (state) =>
        chargeString(state, fromPlain(fn(...args.map((a) => toPlain(a(state)))))),
      );
    }
    const { spec } = resolved;
    if (args.length < spec.params.length) {
      throw new CompileFault(`not enough arguments to call ${name}`, offset);
    }
    if (args.length > spec.params.length && !spec.variadic) {
      throw new CompileFault(`too many arguments to call ${name}`, offset);
    }
    const helperContext = context.helperContext;
    return located(offset, (state) => {
      const values = args.map((a) => a(state));
      values.forEach((v, i) => {
        const want = spec.params[i] ?? spec.variadic!;
        if (want === "string" && typeof v !== "string") {
          throw new RuntimeFault(
            isNil(v)
              ? "reflect: Call using zero Value argument"
              : `reflect: Call using ${goTypeName(v)} as type string`,
          );
        }
      });
      return chargeString(state, spec.call(helperContext, values));
    });
  };

  return compile(root);
}

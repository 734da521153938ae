import type { RE2JS } from "re2js";
import { children, type Node } from "./ast.js";
import { RuntimeFault } from "./errors.js";
import {
  float,
  fromPlain,
  GoFloat,
  goTypeName,
  isNil,
  toInt,
  toPlain,
  withGoType,
} from "./go-value.js";
import type { HelperContext, HelperSpec } from "./helper-table.js";
import {
  add,
  divide,
  equal,
  exponent,
  fetch,
  inOp,
  length,
  less,
  lessOrEqual,
  lookup,
  modulo,
  more,
  moreOrEqual,
  multiply,
  NOT_FOUND,
  negate,
  slice,
  subtract,
} from "./operations.js";
import { compileRegexp } from "./regexp.js";

/** Per-run state: the env, the closure element (`#`) and the VM's allocation budget. */
export interface RunState {
  env: Record<string, unknown>;
  pointer: unknown;
  memory: number;
}

/** A compiled node: evaluates against the run state. */
export type Evaluate = (state: RunState) => unknown;

/** expr v1.9.0 `vm.MemoryBudget`: elements allocated by ranges, literals, `map` and `filter`. */
export const MEMORY_BUDGET = 1_000_000;

/** Dynamic `matches` patterns compiled per expression, bounded so hostile data can't grow it. */
const REGEXP_CACHE_LIMIT = 256;

/** What the compiler needs besides the tree. */
export interface CompileContext {
  /** Callable functions by name: helper table entries and caller functions. */
  resolveFunction(name: string): ResolvedFunction | undefined;
  helperContext: HelperContext;
}

export type ResolvedFunction =
  | { kind: "helper"; spec: HelperSpec }
  | { kind: "plain"; fn: (...args: unknown[]) => unknown };

/** Thrown at compile time with the offending node's offset. */
export class CompileFault extends RuntimeFault {
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

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

/** Go's failed type assertion message (`x.(bool)`): a nil interface prints as `nil`. */
function conversionFault(v: unknown, want: string): RuntimeFault {
  const type = v === null || v === undefined ? "nil" : goTypeName(v);
  return new RuntimeFault(`interface conversion: interface {} is ${type}, not ${want}`);
}

const notBool = (v: unknown) => conversionFault(v, "bool");
const notString = (v: unknown) => conversionFault(v, "string");

function charge(state: RunState, size: number): void {
  state.memory += size;
  if (state.memory >= MEMORY_BUDGET) throw new RuntimeFault("memory budget exceeded");
}

/** Attaches the node position to faults raised below it (the innermost node wins). */
function located(offset: number, evaluate: Evaluate): Evaluate {
  return (state) => {
    try {
      return evaluate(state);
    } catch (e) {
      throw withOffset(e, offset);
    }
  };
}

function withOffset(e: unknown, offset: number): RuntimeFault {
  if (e instanceof RuntimeFault) {
    if (e.offset === undefined) e.offset = offset;
    return e;
  }
  const fault = new RuntimeFault(e instanceof Error ? e.message : String(e));
  fault.offset = offset;
  return fault;
}

/**
 * Turns a syntax tree into nested JS closures once, so that each run is a direct call chain with
 * no tree dispatch. Semantics follow the v1.9.0 compiler + VM (`compiler/compiler.go`, `vm/vm.go`).
 */
export function compileTree(root: Node, context: CompileContext): Evaluate {
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

  const compile = (node: Node): Evaluate => {
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
        return (state) => {
          const env = state.env;
          return Object.hasOwn(env, name) ? (env[name] ?? null) : null;
        };
      }
      case "Pointer":
        return (state) => state.pointer;
      case "Unary":
        return compileUnary(node.operator, compile(node.node), node.offset);
      case "Binary": {
        if (
          (node.operator === "/" || node.operator === "%") &&
          node.left.kind === "Integer" &&
          node.right.kind === "Integer" &&
          node.right.value === 0
        ) {
          // The v1.9.0 optimizer folds integer literals and fails the compilation here.
          throw new CompileFault("integer divide by zero", node.offset);
        }
        const optimized = compileOptimizedIn(node, compile);
        if (optimized) return optimized;
        return compileBinary(node.operator, compile(node.left), compile(node.right), node.offset);
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
        const steps: { property: string; offset: number }[] = [];
        let base: Node = node;
        while (base.kind === "Property") {
          steps.unshift({ property: base.property, offset: base.offset });
          base = base.node;
        }
        const target = compile(base);
        return (state) => {
          let value = target(state);
          for (const step of steps) {
            try {
              value = fetch(value, step.property);
            } catch (e) {
              throw withOffset(e, step.offset);
            }
          }
          return value;
        };
      }
      case "Index": {
        const target = compile(node.node);
        const index = compile(node.index);
        return located(node.offset, (state) => fetch(target(state), index(state)));
      }
      case "Slice": {
        const target = compile(node.node);
        const from = node.from ? compile(node.from) : null;
        const to = node.to ? compile(node.to) : null;
        return located(node.offset, (state) => {
          const value = target(state);
          const end = to ? to(state) : length(value);
          const start = from ? from(state) : 0;
          return slice(value, start, end);
        });
      }
      case "Method": {
        const target = compile(node.node);
        const args = node.args.map(compile);
        const method = node.method;
        return located(node.offset, (state) => {
          const obj = target(state);
          if (isNil(obj)) throw new RuntimeFault(`cannot get "${method}" from <nil>`);
          const fn =
            obj !== null && typeof obj === "object" && !(obj instanceof GoFloat)
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
        return compileBuiltin(node.name, node.args, node.offset);
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
        const kinds = new Set(node.items.map((i) => i.kind));
        const goType =
          kinds.size === 1 && kinds.has("Integer")
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

  const compileFunction = (name: string, args: Evaluate[], offset: number): Evaluate => {
    const resolved = context.resolveFunction(name);
    if (!resolved) throw new CompileFault(`unknown func ${name}`, offset);
    if (resolved.kind === "plain") {
      const fn = resolved.fn;
      return located(offset, (state) => fromPlain(fn(...args.map((a) => toPlain(a(state))))));
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
      return spec.call(helperContext, values);
    });
  };

  const compileBuiltin = (name: string, argNodes: Node[], offset: number): Evaluate => {
    const collection = compile(argNodes[0]!);
    if (name === "len") return located(offset, (state) => length(collection(state)));
    const body = compile(argNodes[1]!);
    const loop = (state: RunState, visit: (result: unknown, element: unknown) => boolean): void => {
      const items = collection(state);
      const size = length(items);
      const saved = state.pointer;
      try {
        for (let i = 0; i < size; i++) {
          const element = fetch(items, i);
          state.pointer = element;
          if (!visit(body(state), element)) break;
        }
      } finally {
        state.pointer = saved;
      }
    };
    const bool = (v: unknown): boolean => {
      if (typeof v !== "boolean") throw notBool(v);
      return v;
    };
    switch (name) {
      case "all":
        return located(offset, (state) => {
          let result = true;
          loop(state, (r) => {
            result = bool(r);
            return result;
          });
          return result;
        });
      case "none":
        return located(offset, (state) => {
          let result = true;
          loop(state, (r) => {
            result = !bool(r);
            return result;
          });
          return result;
        });
      case "any":
        return located(offset, (state) => {
          let result = false;
          loop(state, (r) => {
            result = bool(r);
            return !result;
          });
          return result;
        });
      case "one":
        return located(offset, (state) => {
          let count = 0;
          loop(state, (r) => {
            if (bool(r)) count++;
            return true;
          });
          return count === 1;
        });
      case "count":
        return located(offset, (state) => {
          let count = 0;
          loop(state, (r) => {
            if (bool(r)) count++;
            return true;
          });
          return count;
        });
      case "filter":
        return located(offset, (state) => {
          const out: unknown[] = [];
          loop(state, (r, element) => {
            if (bool(r)) out.push(element);
            return true;
          });
          charge(state, out.length);
          return out;
        });
      case "map":
        return located(offset, (state) => {
          const out: unknown[] = [];
          loop(state, (r) => {
            out.push(r);
            return true;
          });
          charge(state, out.length);
          return out;
        });
      default:
        throw new CompileFault(`unknown builtin ${name}`, offset);
    }
  };

  return compile(root);
}

/**
 * expr v1.9.0's optimizer rewrites `x in ["a", "b"]` (all string literals) into a lookup in a Go
 * map, so the needle must be a string: `nil in ["a"]` fails with "cannot use <nil>
 * as index to map[string]struct {}" (checked against the 1.4.6 binary). `x in 1..3` with literal
 * bounds becomes `x >= 1 and x <= 3`. Both are reproduced here (and the set is faster).
 */
function compileOptimizedIn(
  node: Extract<Node, { kind: "Binary" }>,
  compile: (node: Node) => Evaluate,
): Evaluate | null {
  if (node.operator !== "in" && node.operator !== "not in") return null;
  const negated = node.operator === "not in";
  const right = node.right;
  if (right.kind === "Array" && right.items.length > 0) {
    if (right.items.some((i) => i.kind !== "String")) return null;
    const set = new Set(right.items.map((i) => (i as { value: string }).value));
    const left = compile(node.left);
    return located(node.offset, (state) => {
      const needle = left(state);
      if (typeof needle !== "string") {
        if (isNil(needle))
          throw new RuntimeFault("cannot use <nil> as index to map[string]struct {}");
        throw new RuntimeFault(
          `reflect.Value.MapIndex: value of type ${goTypeName(needle)} is not assignable to type string`,
        );
      }
      return set.has(needle) !== negated;
    });
  }
  if (
    right.kind === "Binary" &&
    right.operator === ".." &&
    right.left.kind === "Integer" &&
    right.right.kind === "Integer"
  ) {
    const min = right.left.value;
    const max = right.right.value;
    const left = compile(node.left);
    return located(node.offset, (state) => {
      const needle = left(state);
      const inside = moreOrEqual(needle, min) && lessOrEqual(needle, max);
      return inside !== negated;
    });
  }
  return null;
}

function compileUnary(operator: string, operand: Evaluate, offset: number): Evaluate {
  switch (operator) {
    case "not":
    case "!":
      return located(offset, (state) => {
        const v = operand(state);
        if (typeof v !== "boolean") throw notBool(v);
        return !v;
      });
    case "-":
      return located(offset, (state) => negate(operand(state)));
    case "+":
      return operand;
    default:
      throw new CompileFault(`unknown operator (${operator})`, offset);
  }
}

const SIMPLE_BINARY: Readonly<Record<string, (a: unknown, b: unknown) => unknown>> = {
  "==": equal,
  "!=": (a, b) => !equal(a, b),
  "<": less,
  ">": more,
  "<=": lessOrEqual,
  ">=": moreOrEqual,
  "+": add,
  "-": subtract,
  "*": multiply,
  "/": divide,
  "%": modulo,
  "**": exponent,
  in: inOp,
  "not in": (a, b) => !inOp(a, b),
  contains: stringOp((a, b) => a.includes(b)),
  startsWith: stringOp((a, b) => a.startsWith(b)),
  endsWith: stringOp((a, b) => a.endsWith(b)),
};

/** `strings.Contains(a.(string), b.(string))`: Go asserts the left operand first. */
function stringOp(op: (a: string, b: string) => boolean) {
  return (a: unknown, b: unknown) => {
    if (typeof a !== "string") throw notString(a);
    if (typeof b !== "string") throw notString(b);
    return op(a, b);
  };
}

function compileBinary(
  operator: string,
  left: Evaluate,
  right: Evaluate,
  offset: number,
): Evaluate {
  switch (operator) {
    case "and":
    case "&&":
      return located(offset, (state) => {
        const a = left(state);
        if (a === false) return false;
        if (a !== true) throw notBool(a);
        return right(state);
      });
    case "or":
    case "||":
      return located(offset, (state) => {
        const a = left(state);
        if (a === true) return true;
        if (a !== false) throw notBool(a);
        return right(state);
      });
    case "..":
      return located(offset, (state) => {
        const min = toInt(left(state));
        const max = toInt(right(state));
        const size = max - min + 1;
        if (state.memory + size >= MEMORY_BUDGET) throw new RuntimeFault("memory budget exceeded");
        state.memory += Math.max(size, 0);
        const out: number[] = [];
        for (let i = min; i <= max; i++) out.push(i);
        return withGoType(out, "[]int");
      });
  }
  const op = SIMPLE_BINARY[operator];
  if (!op) throw new CompileFault(`unknown operator (${operator})`, offset);
  if (operator === "==" || operator === "!=") {
    // Hot path for the hub's most common comparison: two strings.
    const negated = operator === "!=";
    return located(offset, (state) => {
      const a = left(state);
      const b = right(state);
      if (typeof a === "string" && typeof b === "string") return negated ? a !== b : a === b;
      return op(a, b);
    });
  }
  return located(offset, (state) => op(left(state), right(state)));
}

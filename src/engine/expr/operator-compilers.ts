import type { Node } from "./ast.js";
import { RuntimeFault } from "./errors.js";
import { goTypeName, isNil, toInt, withGoType } from "./go-value.js";
import {
  add,
  divide,
  equal,
  exponent,
  inOp,
  less,
  lessOrEqual,
  modulo,
  more,
  moreOrEqual,
  multiply,
  negate,
  subtract,
} from "./operations.js";
import {
  CompileFault,
  chargeString,
  type Evaluate,
  located,
  MEMORY_BUDGET,
  notBool,
  notString,
} from "./run-state.js";

/**
 * expr v1.9.0's optimizer rewrites `x in ["a", "b"]` (all string literals) into a lookup in a Go
 * map, so the needle must be a string: `nil in ["a"]` fails with "cannot use <nil>
 * as index to map[string]struct {}" (checked against the 1.4.6 binary). `x in 1..3` with literal
 * bounds becomes `x >= 1 and x <= 3`. Both are reproduced here (and the set is faster).
 */
export function compileOptimizedIn(
  node: Extract<Node, { kind: "Binary" }>,
  compile: (node: Node) => Evaluate,
  current = false,
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
      // v1.17 only builds the set for a string-typed needle; anything else is compared element
      // by element, which a non-string never matches.
      if (current && typeof needle !== "string") return negated;
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

export function compileUnary(operator: string, operand: Evaluate, offset: number): Evaluate {
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

export function compileBinary(
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
  if (operator === "+") {
    return located(offset, (state) => chargeString(state, add(left(state), right(state))));
  }
  return located(offset, (state) => op(left(state), right(state)));
}

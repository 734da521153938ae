import { children, type Node } from "./ast.js";
import { ITERATION_BUDGET, MEMORY_BUDGET, STRING_BUDGET } from "./run-state.js";

/**
 * A static cost check over a parsed expression (issue 12, hole 4): what the run-time budgets
 * would stop on every evaluation, found before the expression is ever run, so registered content
 * that can only burn the budget is refused with a message instead of failing event after event.
 * It only reasons about constants — literal ranges and arrays, constant `Sprintf` formats and
 * `repeat` counts — multiplied by the static sizes of the loops around them. Anything it cannot
 * size (collections from the event, computed counts) counts as one element: the run-time
 * budgets remain the safety net for those.
 *
 * Rules (each multiplied by the iterations of the enclosing closures):
 * - a constant range `a..b` allocates `b-a+1` elements: refused past `MEMORY_BUDGET`;
 * - a closure builtin (`all`, `map`, …) over a collection of static size n runs n iterations of
 *   its body: refused when nested loops reach past `ITERATION_BUDGET`;
 * - a `Sprintf` constant format with a width or precision past Go's limit (1,000,000) is refused
 *   (Go prints `%!(NOVERB)`: the expression is broken, or probing), and its widths add up to the
 *   characters it builds: refused past `STRING_BUDGET`;
 * - `repeat(s, n)` with a constant n past 1,000,000 (the run-time refusal), or building more
 *   than `STRING_BUDGET` characters, is refused.
 */

/** Go `fmt`'s largest width or precision (`print.go` `tooLarge`). */
const MAX_FORMAT_NUMBER = 1_000_000;
/** `repeat`'s largest count at run time (`builtins.ts`). */
const MAX_REPEAT = 1_000_000;

/** Builtins that run their closure once per element of their first argument. */
const LOOPS = new Set([
  "all",
  "none",
  "any",
  "one",
  "filter",
  "map",
  "count",
  "sum",
  "find",
  "findIndex",
  "findLast",
  "findLastIndex",
  "groupBy",
  "sortBy",
  "reduce",
]);

/** Why an expression is refused, and where. */
export interface CostProblem {
  message: string;
  offset: number;
}

class Refused extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

function constInt(node: Node | undefined): number | undefined {
  if (!node) return undefined;
  if (node.kind === "Integer") return node.value;
  if (node.kind === "Unary" && node.operator === "-" && node.node.kind === "Integer") {
    return -node.node.value;
  }
  return undefined;
}

/** The widths and precisions of a Go format string, and the largest one. */
function formatNumbers(format: string): { total: number; largest: number } {
  let total = 0;
  let largest = 0;
  for (const m of format.matchAll(/%[-+ 0#]*(\d*)(?:\.(\d*))?/g)) {
    for (const digits of [m[1], m[2]]) {
      if (!digits) continue;
      // Past 16 digits the number is not exact, and only its size matters here.
      const n = digits.length > 15 ? Number.POSITIVE_INFINITY : Number(digits);
      total += n;
      largest = Math.max(largest, n);
    }
  }
  return { total, largest };
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toLocaleString("en-US") : "unbounded");

/**
 * Walks `node` with `times` = iterations of the enclosing loops; returns the static size of the
 * collection the node evaluates to (undefined when not known).
 */
function walk(node: Node, times: number): number | undefined {
  switch (node.kind) {
    case "Binary": {
      walk(node.left, times);
      walk(node.right, times);
      if (node.operator !== "..") return undefined;
      const from = constInt(node.left);
      const to = constInt(node.right);
      if (from === undefined || to === undefined) return undefined;
      const size = Math.max(0, to - from + 1);
      if (size * times > MEMORY_BUDGET) {
        throw new Refused(
          `range ${from}..${to} allocates ${fmt(size * times)} elements per evaluation ` +
            `(limit ${fmt(MEMORY_BUDGET)})`,
          node.offset,
        );
      }
      return size;
    }
    case "Array":
      for (const item of node.items) walk(item, times);
      return node.items.length;
    case "Builtin":
    case "Function": {
      if (LOOPS.has(node.name) && node.args.length >= 2) {
        const size = walk(node.args[0]!, times) ?? 1;
        const inner = times * size;
        if (inner > ITERATION_BUDGET) {
          throw new Refused(
            `${node.name}() runs ${fmt(inner)} closure iterations per evaluation ` +
              `(limit ${fmt(ITERATION_BUDGET)})`,
            node.offset,
          );
        }
        for (const arg of node.args.slice(1)) walk(arg, inner);
        return node.name === "map" || node.name === "filter" || node.name === "sortBy"
          ? size
          : undefined;
      }
      for (const arg of node.args) walk(arg, times);
      if (node.name === "Sprintf" && node.args[0]?.kind === "String") {
        const { total, largest } = formatNumbers(node.args[0].value);
        if (largest > MAX_FORMAT_NUMBER) {
          throw new Refused(
            `Sprintf width or precision ${fmt(largest)} is past Go's limit of ` +
              `${fmt(MAX_FORMAT_NUMBER)}`,
            node.args[0].offset,
          );
        }
        if (total * times > STRING_BUDGET) {
          throw new Refused(
            `Sprintf builds ${fmt(total * times)} characters per evaluation ` +
              `(limit ${fmt(STRING_BUDGET)})`,
            node.offset,
          );
        }
      }
      if (node.name === "repeat") {
        const count = constInt(node.args[1]);
        if (count !== undefined) {
          const s = node.args[0];
          const chars = (s?.kind === "String" ? s.value.length : 1) * count;
          if (count > MAX_REPEAT || chars * times > STRING_BUDGET) {
            throw new Refused(
              `repeat() builds ${fmt(chars * times)} characters per evaluation ` +
                `(limit ${fmt(STRING_BUDGET)}, count at most ${fmt(MAX_REPEAT)})`,
              node.offset,
            );
          }
        }
      }
      return undefined;
    }
    default:
      for (const child of children(node)) walk(child, times);
      return undefined;
  }
}

/** The first rule `tree` breaks, or null when its static cost is bounded. */
export function staticCostProblem(tree: Node): CostProblem | null {
  try {
    walk(tree, 1);
    return null;
  } catch (e) {
    if (e instanceof Refused) return { message: e.message, offset: e.offset };
    throw e;
  }
}

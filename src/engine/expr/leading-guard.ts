import type { Node } from "./ast.js";
import { DEFAULT_DIALECT, type Dialect } from "./dialect.js";
import { fetch } from "./operations.js";
import { parse } from "./parser.js";

/**
 * A cheap pre-test of an expression: false means the expression certainly evaluates to `false`
 * without an error, true means "unknown, run the expression".
 */
export type ExprGuard = (env: Record<string, unknown>) => boolean;

/**
 * `compileExpr`'s default limits: the guard is built for sources that already compiled, and one
 * that needed looser limits simply gets no guard.
 */
const PARSE_LIMITS = { maxNodes: 10_000, maxDepth: 200 };

/**
 * Helpers that map `""` to `""` without an error (checked against the helper table's
 * implementations: Go's `strings.ToUpper("")`, `url.PathUnescape("")`…). Hub compilers never
 * override these names (they add `GetFromStash`, `GetDecisionsCount`, …), so the guard may
 * assume CrowdSec's definitions.
 */
const EMPTY_PRESERVING = new Set(["Upper", "Lower", "PathUnescape", "QueryUnescape"]);

/**
 * One operand of the leading disjunction: `mayHold(value)` is false when the operand is certainly
 * `false`, without an error, for a string `value` read at the path.
 */
interface Term {
  root: string;
  steps: string[];
  mayHold(value: string): boolean;
}

/** The string operators, as the evaluator's `stringOp` computes them on two strings. */
const STRING_TESTS: Record<string, (value: string, literal: string) => boolean> = {
  "==": (value, literal) => value === literal,
  contains: (value, literal) => value.includes(literal),
  startsWith: (value, literal) => value.startsWith(literal),
  endsWith: (value, literal) => value.endsWith(literal),
};

/**
 * The guard of an expression whose leftmost `&&`/`and` operand (or the whole expression) is made
 * of comparisons that a single member read can show false. Nearly every hub scenario filter
 * starts this way — `evt.Meta.log_type == 'ssh_failed-auth'`, `evt.Meta.log_type in ['a', 'b']`,
 * or, for the CVE scenarios, `Upper(evt.Meta.http_path) contains Upper('/x')` (possibly several
 * joined by `or`) — and on a given event all but a few of the ~40 installed filters fail there.
 * The terms of that operand (split on `||`/`or`) each have one of two shapes:
 *
 * - `path == 'lit'`, `'lit' == path`, `path in ['lit', …]`, `path startsWith 'lit'` (also
 *   `contains`, `endsWith`): computed exactly on the string the path reads (the s01 parser
 *   filters: `evt.Parsed.program startsWith 'nginx'`);
 * - `F(path) op 'lit'` where `F` is a chain of `Upper`/`Lower`/`PathUnescape`/`QueryUnescape`,
 *   `op` is `==`, `contains`, `startsWith` or `endsWith`, and the right side is a non-empty
 *   string literal or `Upper`/`Lower` of one: false when the path reads `""` (a missing
 *   `evt.Meta` key reads `""` too).
 *
 * When every term is false, expr's `||` returns the last `false` and `&&` short-circuits on it
 * at every level, so the whole expression is `false` with nothing else evaluated and no error:
 * the guard answers that without running the expression. Anything else (a non-string value, a
 * failing read) answers true, so the caller runs the expression and gets its exact value or
 * error. Null when the expression does not start that way.
 */
export function compileLeadingGuard(
  source: string,
  dialect: Dialect = DEFAULT_DIALECT,
): ExprGuard | null {
  let node: Node;
  try {
    node = parse(source, { ...PARSE_LIMITS, dialect });
  } catch {
    return null;
  }
  while (node.kind === "Binary" && (node.operator === "&&" || node.operator === "and")) {
    node = node.left;
  }
  const terms: Term[] = [];
  if (!collectTerms(node, terms)) return null;
  return (env) => {
    for (const term of terms) {
      // The same reads as the compiled `Identifier` and `Property` closures (evaluator.ts).
      let value: unknown = Object.hasOwn(env, term.root) ? (env[term.root] ?? null) : null;
      try {
        for (const step of term.steps) value = fetch(value, step);
      } catch {
        return true;
      }
      if (typeof value !== "string" || term.mayHold(value)) return true;
    }
    return false;
  };
}

/** Appends the terms of the disjunction `node` to `out`; false when a term has another shape. */
function collectTerms(node: Node, out: Term[]): boolean {
  if (node.kind === "Binary" && (node.operator === "||" || node.operator === "or")) {
    return collectTerms(node.left, out) && collectTerms(node.right, out);
  }
  const term = comparisonTerm(node) ?? emptyInputTerm(node);
  if (term === null) return false;
  out.push(term);
  return true;
}

/** `path op 'lit'` (a string operator), `'lit' == path` or `path in ['lit', …]`. */
function comparisonTerm(node: Node): Term | null {
  if (node.kind !== "Binary") return null;
  const test = Object.hasOwn(STRING_TESTS, node.operator) ? STRING_TESTS[node.operator] : null;
  if (test) {
    const path = memberPath(node.left);
    if (path !== null && node.right.kind === "String") {
      const literal = node.right.value;
      return { ...path, mayHold: (value) => test(value, literal) };
    }
    const reversed = node.operator === "==" ? memberPath(node.right) : null;
    if (reversed !== null && node.left.kind === "String") {
      const literal = node.left.value;
      return { ...reversed, mayHold: (value) => value === literal };
    }
    return null;
  }
  if (node.operator === "in" && node.right.kind === "Array" && node.right.items.length > 0) {
    const path = memberPath(node.left);
    const items = node.right.items;
    if (path === null || !items.every((i) => i.kind === "String")) return null;
    const values = new Set(items.map((i) => (i as { value: string }).value));
    return { ...path, mayHold: (value) => values.has(value) };
  }
  return null;
}

/** `F(path) op 'lit'` with a non-empty literal (see `compileLeadingGuard`). */
function emptyInputTerm(node: Node): Term | null {
  if (node.kind !== "Binary" || !Object.hasOwn(STRING_TESTS, node.operator)) return null;
  if (!isNonEmptyLiteral(node.right)) return null;
  let left = node.left;
  while (left.kind === "Function" && EMPTY_PRESERVING.has(left.name) && left.args.length === 1) {
    left = left.args[0] as Node;
  }
  const path = memberPath(left);
  return path === null ? null : { ...path, mayHold: (value) => value !== "" };
}

/** `'x'`, `Upper('x')` or `Lower('x')` with a non-empty `x` (case mapping keeps it non-empty). */
function isNonEmptyLiteral(node: Node): boolean {
  if (node.kind === "String") return node.value !== "";
  if (node.kind === "Function" && (node.name === "Upper" || node.name === "Lower")) {
    return node.args.length === 1 && isNonEmptyLiteral(node.args[0] as Node);
  }
  return false;
}

/** `a.b.c` (an identifier followed by at least one property), else null. */
function memberPath(node: Node): { root: string; steps: string[] } | null {
  const steps: string[] = [];
  let base = node;
  while (base.kind === "Property") {
    steps.unshift(base.property);
    base = base.node;
  }
  if (base.kind !== "Identifier" || steps.length === 0) return null;
  return { root: base.name, steps };
}

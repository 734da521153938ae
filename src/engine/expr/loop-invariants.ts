import { children, type Node } from "./ast.js";
import type { Evaluate, RunState } from "./run-state.js";

/**
 * Loop-invariant hoisting for closure bodies. In `any(File('sqli.txt'), {Upper(evt.Parsed.args)
 * contains Upper(#)})` the left side does not depend on `#`, yet the Go VM recomputes it for each
 * of the file's hundreds of lines. Such subtrees are evaluated at most once per loop run and
 * reused: same values, same first error at the same position (the first iteration evaluates
 * them exactly as before), far less work per element.
 *
 * A subtree qualifies when it does not read `#`, performs no call whose result could change
 * between iterations (env methods, caller functions, `TimeNow`), and allocates nothing that
 * counts against expr's memory budget (array/map literals, ranges, `map`/`filter`).
 */
export function hoistableSubtrees(body: Node, isPureFunction: (name: string) => boolean): Node[] {
  // A `let` in the body binds a per-iteration value that its identifiers read: no hoisting.
  if (containsLet(body)) return [];
  const out: Node[] = [];
  const visit = (node: Node): boolean => {
    // Returns whether `node` is invariant; collects maximal invariant subtrees of `body`.
    let invariant = isInvariantKind(node, isPureFunction);
    const kids = node.kind === "Builtin" ? [] : children(node);
    const flags = kids.map(visit);
    if (flags.some((f) => !f)) invariant = false;
    if (!invariant) {
      kids.forEach((kid, i) => {
        if (flags[i] && isWorthHoisting(kid)) out.push(kid);
      });
    }
    return invariant;
  };
  if (visit(body) && isWorthHoisting(body)) out.push(body);
  return out;
}

function containsLet(root: Node): boolean {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.kind === "Let") return true;
    stack.push(...children(node));
  }
  return false;
}

function isInvariantKind(node: Node, isPureFunction: (name: string) => boolean): boolean {
  switch (node.kind) {
    case "Pointer":
    case "Method":
    case "Array":
    case "Map":
    case "Builtin":
    case "Closure":
      return false;
    case "Function":
      return isPureFunction(node.name);
    case "Binary":
      return node.operator !== "..";
    default:
      return true;
  }
}

/** Literals and bare names are as cheap as a cache lookup. */
function isWorthHoisting(node: Node): boolean {
  return !["Nil", "Bool", "Integer", "Float", "String", "Identifier"].includes(node.kind);
}

/** Marks the start of one loop run; hoisted values are valid while this token is current. */
export interface LoopToken {
  readonly id: number;
}

/** Wraps an evaluator so that it runs once per loop run (`state.loop`), errors included. */
export function memoizePerLoop(evaluate: Evaluate): Evaluate {
  let token: LoopToken | null = null;
  let value: unknown;
  let state: RunState | null = null;
  return (current) => {
    if (current.loop === null || current.loop !== token || current !== state) {
      value = evaluate(current);
      token = current.loop;
      state = current;
    }
    return value;
  };
}

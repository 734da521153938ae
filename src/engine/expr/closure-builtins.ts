import type { Node } from "./ast.js";
import { fetch, length } from "./operations.js";
import {
  CompileFault,
  charge,
  type Evaluate,
  located,
  notBool,
  type RunState,
  step,
} from "./run-state.js";

/**
 * The builtins of expr v1.9.0 (`compiler.go` `BuiltinNode`): `len`, and the closure builtins
 * `all none any one filter map count`, which loop over an array (or a string's bytes) with `#`
 * bound to the element. Closures must yield bools except in `map`; `all` and `none` of nothing are
 * true, `any` false; `filter` and `map` results count against the memory budget.
 */
export function compileBuiltin(
  name: string,
  argNodes: Node[],
  offset: number,
  compile: (node: Node) => Evaluate,
): Evaluate {
  const collection = compile(argNodes[0]!);
  if (name === "len") return located(offset, (state) => length(collection(state)));
  const body = compile(argNodes[1]!);
  let runs = 0;
  const loop = (state: RunState, visit: (result: unknown, element: unknown) => boolean): void => {
    const items = collection(state);
    const size = length(items);
    const saved = state.pointer;
    const savedLoop = state.loop;
    state.loop = { id: ++runs };
    try {
      for (let i = 0; i < size; i++) {
        step(state);
        const element = fetch(items, i);
        state.pointer = element;
        if (!visit(body(state), element)) break;
      }
    } finally {
      state.pointer = saved;
      state.loop = savedLoop;
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
}

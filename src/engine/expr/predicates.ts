import type { Node } from "./ast.js";
import { RuntimeFault } from "./errors.js";
import { isNil } from "./go-value.js";
import { add, fetch, length, less, more } from "./operations.js";
import { fetchCurrent } from "./operations-current.js";
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
 * The predicate builtins of expr-lang v1.17 (`compiler.go` `BuiltinNode`, used by the current
 * dialect): `all none any one filter map count sum find findIndex findLast findLastIndex groupBy
 * sortBy reduce`. The predicate sees the element as `#` (or a leading `.field`), its position as
 * `#index` and, in `reduce`, the accumulator as `#acc`. `count(xs)` and `sum(xs)` without a
 * predicate use the elements themselves.
 */
export function compilePredicate(
  name: string,
  argNodes: Node[],
  offset: number,
  compile: (node: Node) => Evaluate,
): Evaluate {
  const collection = compile(argNodes[0]!);
  const body: Evaluate = argNodes[1] ? compile(argNodes[1]) : (state) => state.pointer;
  const extra = argNodes[2] ? compile(argNodes[2]) : null;
  let runs = 0;

  /** Runs `visit` per element (forwards, or backwards from the end); false stops the loop. */
  const loop = (
    state: RunState,
    visit: (result: unknown, element: unknown, index: number) => boolean,
    options: { backwards?: boolean; from?: number; items?: unknown } = {},
  ): void => {
    const items = "items" in options ? options.items : collection(state);
    const size = length(items);
    const saved = { pointer: state.pointer, loop: state.loop, index: state.index };
    state.loop = { id: ++runs };
    try {
      for (let k = options.from ?? 0; k < size; k++) {
        const i = options.backwards ? size - 1 - k : k;
        step(state);
        const element = fetch(items, i);
        state.pointer = element;
        state.index = i;
        if (!visit(body(state), element, i)) break;
      }
    } finally {
      state.pointer = saved.pointer;
      state.loop = saved.loop;
      state.index = saved.index;
    }
  };
  const bool = (v: unknown): boolean => {
    if (typeof v !== "boolean") throw notBool(v);
    return v;
  };
  const counting = (state: RunState) => {
    let count = 0;
    loop(state, (r) => {
      if (bool(r)) count++;
      return true;
    });
    return count;
  };
  const finder = (backwards: boolean, wantIndex: boolean): Evaluate =>
    located(offset, (state) => {
      let found: unknown = null;
      loop(
        state,
        (r, element, i) => {
          if (!bool(r)) return true;
          found = wantIndex ? i : element;
          return false;
        },
        { backwards },
      );
      return found;
    });

  switch (name) {
    case "all":
    case "none":
      return located(offset, (state) => {
        let result = true;
        loop(state, (r) => {
          result = bool(r) === (name === "all");
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
      return located(offset, (state) => counting(state) === 1);
    case "count":
      return located(offset, counting);
    case "sum":
      return located(offset, (state) => {
        let total: unknown = 0;
        loop(state, (r) => {
          total = add(r, total);
          return true;
        });
        return total;
      });
    case "filter":
    case "map":
      return located(offset, (state) => {
        const out: unknown[] = [];
        loop(state, (r, element) => {
          if (name === "map") out.push(r);
          else if (bool(r)) out.push(element);
          return true;
        });
        charge(state, out.length);
        return out;
      });
    case "find":
      return finder(false, false);
    case "findIndex":
      return finder(false, true);
    case "findLast":
      return finder(true, false);
    case "findLastIndex":
      return finder(true, true);
    case "groupBy":
      return located(offset, (state) => {
        const groups = new Map<unknown, unknown[]>();
        loop(state, (key, element) => {
          const k = isNil(key) ? null : key;
          const group = groups.get(k);
          if (group) group.push(element);
          else groups.set(k, [element]);
          return true;
        });
        return groups;
      });
    case "sortBy":
      return located(offset, (state) => {
        const order = extra ? extra(state) : "asc";
        if (order !== "asc" && order !== "desc") {
          throw new RuntimeFault(`unknown order, use asc or desc`);
        }
        const keyed: { key: unknown; element: unknown }[] = [];
        loop(state, (key, element) => {
          keyed.push({ key, element });
          return true;
        });
        keyed.sort((a, b) => (less(a.key, b.key) ? -1 : more(a.key, b.key) ? 1 : 0));
        if (order === "desc") keyed.reverse();
        charge(state, keyed.length);
        return keyed.map((k) => k.element);
      });
    case "reduce":
      return located(offset, (state) => {
        const savedAcc = state.acc;
        try {
          const items = collection(state);
          let from = 0;
          if (extra) {
            state.acc = extra(state);
          } else {
            // No initial value: the first element is the accumulator and the loop starts at 1.
            state.acc = fetchCurrent(items, 0);
            from = 1;
          }
          loop(
            state,
            (r) => {
              state.acc = r;
              return true;
            },
            { from, items },
          );
          return state.acc;
        } finally {
          state.acc = savedAcc;
        }
      });
    default:
      throw new CompileFault(`unknown builtin ${name}`, offset);
  }
}

import { RuntimeFault } from "./errors.js";
import { goTypeName } from "./go-value.js";

/** Per-run state: the env, the closure element (`#`) and the VM's allocation budget. */
export interface RunState {
  env: Record<string, unknown>;
  pointer: unknown;
  memory: number;
  /** Closure iterations run so far (`ITERATION_BUDGET`); absent means none yet. */
  steps?: number;
  /** Characters of strings built so far (`STRING_BUDGET`); absent means none yet. */
  built?: number;
  /** The innermost closure loop running, for loop-invariant caching (`loop-invariants.ts`). */
  loop: { readonly id: number } | null;
  /** `#index` and `#acc` of the innermost predicate (current dialect). */
  index?: number;
  acc?: unknown;
  /** Values of `let` variables, by slot (current dialect). */
  vars?: unknown[];
}

/** A compiled node: evaluates against the run state. */
export type Evaluate = (state: RunState) => unknown;

/** expr v1.9.0 `vm.MemoryBudget`: elements allocated by ranges, literals, `map` and `filter`. */
export const MEMORY_BUDGET = 1_000_000;

/** Thrown at compile time with the offending node's offset. */
export class CompileFault extends RuntimeFault {
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** Go's failed type assertion message (`x.(bool)`): a nil interface prints as `nil`. */
export function conversionFault(v: unknown, want: string): RuntimeFault {
  const type = v === null || v === undefined ? "nil" : goTypeName(v);
  return new RuntimeFault(`interface conversion: interface {} is ${type}, not ${want}`);
}

export const notBool = (v: unknown) => conversionFault(v, "bool");
export const notString = (v: unknown) => conversionFault(v, "string");

/**
 * Closure iterations (`all`, `map`, `filter`, … over any collection, nested loops multiplied) one
 * evaluation may run. Not in expr: a loop over an existing array allocates nothing, so the memory
 * budget alone let `all(a, {all(a, {all(a, {true})})})` run a billion steps (issue 12, hole 4).
 * The hub's largest loops walk data files of a few thousand lines.
 */
export const ITERATION_BUDGET = 1_000_000;

/**
 * Characters of strings one evaluation may build (`+`, `Sprintf`, `repeat`, `join`, `replace` and
 * every helper result). Not in expr, whose budget counts elements only: a 10 MB `Sprintf` per loop
 * step froze the LAPI. Hub expressions build strings of a log line's size.
 */
export const STRING_BUDGET = 16 * 1024 * 1024;

export const BUDGET_EXCEEDED = "memory budget exceeded";

/** Counts one closure iteration against `ITERATION_BUDGET`. */
export function step(state: RunState): void {
  state.steps = (state.steps ?? 0) + 1;
  if (state.steps > ITERATION_BUDGET) throw new RuntimeFault("iteration budget exceeded");
}

/** Counts a built string against `STRING_BUDGET`; returns the value unchanged. */
export function chargeString<T>(state: RunState, value: T): T {
  if (typeof value === "string" && value.length > 64) {
    state.built = (state.built ?? 0) + value.length;
    if (state.built > STRING_BUDGET) throw new RuntimeFault(BUDGET_EXCEEDED);
  }
  return value;
}

export function charge(state: RunState, size: number): void {
  state.memory += size;
  if (state.memory >= MEMORY_BUDGET) throw new RuntimeFault("memory budget exceeded");
}

/**
 * Thrown by an optional member (`a?.b`) on nil and caught by its `Chain` node, which turns the
 * whole member chain into nil. Passes through `located` untouched.
 */
export const CHAIN_BREAK: unique symbol = Symbol("chain break");

/** Attaches the node position to faults raised below it (the innermost node wins). */
export function located(offset: number, evaluate: Evaluate): Evaluate {
  return (state) => {
    try {
      return evaluate(state);
    } catch (e) {
      throw withOffset(e, offset);
    }
  };
}

export function withOffset(e: unknown, offset: number): RuntimeFault | typeof CHAIN_BREAK {
  if (e === CHAIN_BREAK) return e;
  if (e instanceof RuntimeFault) {
    if (e.offset === undefined) e.offset = offset;
    return e;
  }
  const fault = new RuntimeFault(e instanceof Error ? e.message : String(e));
  fault.offset = offset;
  return fault;
}

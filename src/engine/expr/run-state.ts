import { RuntimeFault } from "./errors.js";
import { goTypeName } from "./go-value.js";

/** Per-run state: the env, the closure element (`#`) and the VM's allocation budget. */
export interface RunState {
  env: Record<string, unknown>;
  pointer: unknown;
  memory: number;
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

export function charge(state: RunState, size: number): void {
  state.memory += size;
  if (state.memory >= MEMORY_BUDGET) throw new RuntimeFault("memory budget exceeded");
}

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

export function withOffset(e: unknown, offset: number): RuntimeFault {
  if (e instanceof RuntimeFault) {
    if (e.offset === undefined) e.offset = offset;
    return e;
  }
  const fault = new RuntimeFault(e instanceof Error ? e.message : String(e));
  fault.offset = offset;
  return fault;
}

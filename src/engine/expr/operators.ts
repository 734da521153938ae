import type { Dialect } from "./dialect.js";

/**
 * The operator table of antonmedv/expr v1.9.0 (`parser/parser.go`), as data: precedence and
 * associativity drive the precedence-climbing parser. Higher binds tighter. Note that unary `not`
 * (50) binds tighter than `matches` (20): `not a matches b` is `(not a) matches b`.
 */
export type Associativity = "left" | "right";

export interface OperatorInfo {
  precedence: number;
  associativity: Associativity;
}

/** Prefix operators. */
export const UNARY_OPERATORS: Readonly<Record<string, OperatorInfo>> = {
  not: { precedence: 50, associativity: "left" },
  "!": { precedence: 50, associativity: "left" },
  "-": { precedence: 500, associativity: "left" },
  "+": { precedence: 500, associativity: "left" },
};

/** Infix operators. `not in` is lexed as one token. */
export const BINARY_OPERATORS: Readonly<Record<string, OperatorInfo>> = {
  or: { precedence: 10, associativity: "left" },
  "||": { precedence: 10, associativity: "left" },
  and: { precedence: 15, associativity: "left" },
  "&&": { precedence: 15, associativity: "left" },
  "==": { precedence: 20, associativity: "left" },
  "!=": { precedence: 20, associativity: "left" },
  "<": { precedence: 20, associativity: "left" },
  ">": { precedence: 20, associativity: "left" },
  ">=": { precedence: 20, associativity: "left" },
  "<=": { precedence: 20, associativity: "left" },
  "not in": { precedence: 20, associativity: "left" },
  in: { precedence: 20, associativity: "left" },
  matches: { precedence: 20, associativity: "left" },
  contains: { precedence: 20, associativity: "left" },
  startsWith: { precedence: 20, associativity: "left" },
  endsWith: { precedence: 20, associativity: "left" },
  "..": { precedence: 25, associativity: "left" },
  "+": { precedence: 30, associativity: "left" },
  "-": { precedence: 30, associativity: "left" },
  "*": { precedence: 60, associativity: "left" },
  "/": { precedence: 60, associativity: "left" },
  "%": { precedence: 60, associativity: "left" },
  "**": { precedence: 70, associativity: "right" },
};

/**
 * Builtins parsed specially (v1.9.0 `builtins` map): arity 1 takes an expression, arity 2 takes an
 * expression and a `{ closure }` in which `#` (or a leading `.field`) is the current element.
 */
export const BUILTINS: Readonly<Record<string, 1 | 2>> = {
  len: 1,
  all: 2,
  none: 2,
  any: 2,
  one: 2,
  filter: 2,
  map: 2,
  count: 2,
};

/** Words the lexer turns into operator tokens rather than identifiers. */
export const WORD_OPERATORS: ReadonlySet<string> = new Set([
  "in",
  "or",
  "and",
  "matches",
  "contains",
  "startsWith",
  "endsWith",
]);

/**
 * expr-lang/expr v1.17 (`parser/operator/operator.go`, embedded by CrowdSec 1.7): unary `-`/`+`
 * drop to 90 and `**` rises to 100, so `-2 ** 2` is `-(2 ** 2)`; `^` is `**`; `??` binds tightest;
 * `|` (pipe) is the loosest. `not in` & co. are `not` + operator, negated by the parser.
 */
export const CURRENT_UNARY_OPERATORS: Readonly<Record<string, OperatorInfo>> = {
  not: { precedence: 50, associativity: "left" },
  "!": { precedence: 50, associativity: "left" },
  "-": { precedence: 90, associativity: "left" },
  "+": { precedence: 90, associativity: "left" },
};

export const CURRENT_BINARY_OPERATORS: Readonly<Record<string, OperatorInfo>> = {
  "|": { precedence: 0, associativity: "left" },
  or: { precedence: 10, associativity: "left" },
  "||": { precedence: 10, associativity: "left" },
  and: { precedence: 15, associativity: "left" },
  "&&": { precedence: 15, associativity: "left" },
  "==": { precedence: 20, associativity: "left" },
  "!=": { precedence: 20, associativity: "left" },
  "<": { precedence: 20, associativity: "left" },
  ">": { precedence: 20, associativity: "left" },
  ">=": { precedence: 20, associativity: "left" },
  "<=": { precedence: 20, associativity: "left" },
  in: { precedence: 20, associativity: "left" },
  matches: { precedence: 20, associativity: "left" },
  contains: { precedence: 20, associativity: "left" },
  startsWith: { precedence: 20, associativity: "left" },
  endsWith: { precedence: 20, associativity: "left" },
  "..": { precedence: 25, associativity: "left" },
  "+": { precedence: 30, associativity: "left" },
  "-": { precedence: 30, associativity: "left" },
  "*": { precedence: 60, associativity: "left" },
  "/": { precedence: 60, associativity: "left" },
  "%": { precedence: 60, associativity: "left" },
  "**": { precedence: 100, associativity: "right" },
  "^": { precedence: 100, associativity: "right" },
  "??": { precedence: 500, associativity: "left" },
};

/** Operators that `not` may negate (`a not in b`, `a not startsWith b`): v1.17 `AllowedNegateSuffix`. */
export const NEGATABLE_OPERATORS: ReadonlySet<string> = new Set([
  "contains",
  "matches",
  "startsWith",
  "endsWith",
  "in",
]);

/** Words the v1.17 lexer turns into operator tokens (`not` is handled on its own). */
export const CURRENT_WORD_OPERATORS: ReadonlySet<string> = new Set([
  ...WORD_OPERATORS,
  "let",
  "if",
  "else",
]);

/** What a predicate builtin takes (v1.17 `parser.go` `predicates`): `?` marks an optional slot. */
export type PredicateArg = "expr" | "predicate" | "expr?" | "predicate?";

export const CURRENT_PREDICATES: Readonly<Record<string, readonly PredicateArg[]>> = {
  all: ["expr", "predicate"],
  none: ["expr", "predicate"],
  any: ["expr", "predicate"],
  one: ["expr", "predicate"],
  filter: ["expr", "predicate"],
  map: ["expr", "predicate"],
  count: ["expr", "predicate?"],
  sum: ["expr", "predicate?"],
  find: ["expr", "predicate"],
  findIndex: ["expr", "predicate"],
  findLast: ["expr", "predicate"],
  findLastIndex: ["expr", "predicate"],
  groupBy: ["expr", "predicate"],
  sortBy: ["expr", "predicate", "expr?"],
  reduce: ["expr", "predicate", "expr?"],
};

/** The operator tables of a dialect. */
export function operatorTables(dialect: Dialect): {
  unary: Readonly<Record<string, OperatorInfo>>;
  binary: Readonly<Record<string, OperatorInfo>>;
} {
  return dialect === "crowdsec-1.4"
    ? { unary: UNARY_OPERATORS, binary: BINARY_OPERATORS }
    : { unary: CURRENT_UNARY_OPERATORS, binary: CURRENT_BINARY_OPERATORS };
}

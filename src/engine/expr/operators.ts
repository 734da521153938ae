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

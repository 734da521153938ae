import type { Node } from "./ast.js";
import { BUILTIN_NAMES } from "./builtins.js";
import type { Dialect } from "./dialect.js";
import { RuntimeFault } from "./errors.js";
import { describeToken, isValidIdentifier, lex, type Token } from "./lexer.js";
import {
  BUILTINS,
  CURRENT_PREDICATES,
  NEGATABLE_OPERATORS,
  type OperatorInfo,
  operatorTables,
} from "./operators.js";

/** A parse failure at `offset`; the caller turns it into an ExprError. */
export class ParseError extends RuntimeFault {
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** Limits against hostile input; both count syntax-tree nodes. */
export interface ParseLimits {
  maxNodes: number;
  maxDepth: number;
  /** Which expr grammar to follow (default `"crowdsec-1.4"`). */
  dialect?: Dialect;
  /**
   * Names defined as functions by the caller (CrowdSec's helpers, caller functions): in the
   * current dialect they win over an expr builtin of the same name (v1.17 `IsOverridden`).
   */
  isFunction?: (name: string) => boolean;
}

/**
 * Parses an expression with expr v1.9.0's precedence-climbing parser (`parser/parser.go`):
 * binary operators from the table in `operators.ts`, unary operators parsed at their own
 * precedence, `?:` only at the top of an expression, postfix `.name`, `[i]`, `[i:j]` and
 * method calls, builtins with closures, `#`/`.field` only inside closures.
 */
export function parse(source: string, limits: ParseLimits): Node {
  return new Parser(lex(source, limits.dialect), limits).parseRoot();
}

class Parser {
  private pos = 0;
  private current: Token;
  /** Closure nesting: `#` is allowed only when > 0. */
  private closureDepth = 0;
  private depth = 0;
  private nodes = 0;
  private readonly current17: boolean;
  private readonly unary: Readonly<Record<string, OperatorInfo>>;
  private readonly binary: Readonly<Record<string, OperatorInfo>>;

  constructor(
    private readonly tokens: Token[],
    private readonly limits: ParseLimits,
  ) {
    this.current = tokens[0]!;
    const dialect = limits.dialect ?? "crowdsec-1.4";
    this.current17 = dialect === "current";
    ({ unary: this.unary, binary: this.binary } = operatorTables(dialect));
  }

  parseRoot(): Node {
    const node = this.current17 ? this.parseSequence() : this.parseExpression(0);
    if (this.current.kind !== "EOF") this.unexpected();
    return node;
  }

  /** v1.17: `a; b; c` evaluates each and yields the last; a trailing `;` is allowed. */
  private parseSequence(): Node {
    const first = this.parseExpression(0);
    const nodes = [first];
    while (this.is("Operator", ";")) {
      this.next();
      if (this.is("EOF")) break;
      nodes.push(this.parseExpression(0));
    }
    if (nodes.length === 1) return first;
    return this.make({ kind: "Sequence", offset: first.offset, nodes });
  }

  private error(message: string, token: Token = this.current): never {
    throw new ParseError(message, token.offset);
  }

  private unexpected(): never {
    this.error(`unexpected token ${describeToken(this.current)}`);
  }

  private is(kind: Token["kind"], value?: string): boolean {
    return this.current.kind === kind && (value === undefined || this.current.value === value);
  }

  private next(): void {
    this.pos++;
    const token = this.tokens[this.pos];
    if (!token) this.error("unexpected end of expression");
    this.current = token;
  }

  private expect(kind: Token["kind"], value: string): void {
    if (this.is(kind, value)) this.next();
    else this.unexpected();
  }

  private make<N extends Node>(node: N): N {
    if (++this.nodes > this.limits.maxNodes) {
      throw new ParseError(
        this.current17
          ? "compilation failed: expression exceeds maximum allowed nodes"
          : `expression too large (more than ${this.limits.maxNodes} nodes)`,
        node.offset,
      );
    }
    return node;
  }

  private parseExpression(precedence: number): Node {
    if (++this.depth > this.limits.maxDepth) {
      this.error(`expression nested too deeply (more than ${this.limits.maxDepth} levels)`);
    }
    if (this.current17) {
      const node = this.parseExpression17(precedence);
      this.depth--;
      return node;
    }
    let left = this.parsePrimary();
    let token = this.current;
    while (token.kind === "Operator") {
      const op = this.binary[token.value];
      if (!op || op.precedence < precedence) break;
      this.next();
      const right =
        op.associativity === "left"
          ? this.parseExpression(op.precedence + 1)
          : this.parseExpression(op.precedence);
      left =
        token.value === "matches"
          ? this.make({ kind: "Matches", offset: token.offset, left, right })
          : this.make({ kind: "Binary", offset: token.offset, operator: token.value, left, right });
      token = this.current;
    }
    if (precedence === 0) left = this.parseConditional(left);
    this.depth--;
    return left;
  }

  private parsePrimary(): Node {
    const token = this.current;
    if (token.kind === "Operator") {
      const op = this.unary[token.value];
      if (op) {
        this.next();
        const operand = this.parseExpression(op.precedence);
        const node = this.make({
          kind: "Unary" as const,
          offset: token.offset,
          operator: token.value,
          node: operand,
        });
        return this.parsePostfix(node);
      }
    }
    if (this.is("Bracket", "(")) {
      this.next();
      const inner = this.current17 ? this.parseSequence() : this.parseExpression(0);
      this.expect("Bracket", ")");
      return this.parsePostfix(inner);
    }
    if (this.is("Operator", "#") || this.is("Operator", ".")) {
      if (this.closureDepth === 0) {
        this.error(
          `cannot use pointer accessor outside ${this.current17 ? "predicate" : "closure"}`,
        );
      }
      let name: string | undefined;
      if (this.is("Operator", "#")) {
        this.next();
        // v1.17: `#index`, `#acc` (the lexer emits the name right after `#`).
        if (this.current17 && this.is("Identifier") && this.current.offset === token.offset + 1) {
          name = this.current.value;
          this.next();
        }
      }
      const pointer: Node = { kind: "Pointer", offset: token.offset };
      if (name !== undefined) pointer.name = name;
      return this.parsePostfix(this.make(pointer));
    }
    return this.parsePrimaryExpression();
  }

  private parseConditional(cond: Node): Node {
    let node = cond;
    while (this.is("Operator", "?")) {
      const offset = this.current.offset;
      this.next();
      let then: Node;
      let otherwise: Node;
      if (!this.is("Operator", ":")) {
        then = this.parseExpression(0);
        this.expect("Operator", ":");
        otherwise = this.parseExpression(0);
      } else {
        // `a ?: b` reuses the condition as the first branch.
        this.next();
        then = node;
        otherwise = this.parseExpression(0);
      }
      node = this.make({ kind: "Conditional", offset, cond: node, then, else: otherwise });
    }
    return node;
  }

  private parsePrimaryExpression(): Node {
    const token = this.current;
    let node: Node;
    switch (token.kind) {
      case "Identifier":
        this.next();
        if (token.value === "true" || token.value === "false") {
          return this.make({ kind: "Bool", offset: token.offset, value: token.value === "true" });
        }
        if (token.value === "nil") return this.make({ kind: "Nil", offset: token.offset });
        node = this.parseIdentifier(token);
        break;
      case "Number":
        this.next();
        return this.make(this.parseNumber(token));
      case "String":
        this.next();
        return this.make({ kind: "String", offset: token.offset, value: token.value });
      default:
        if (this.is("Bracket", "[")) node = this.parseArray(token);
        else if (this.is("Bracket", "{")) node = this.parseMap(token);
        else this.unexpected();
    }
    return this.parsePostfix(node);
  }

  private parseNumber(token: Token): Node {
    const text = token.value.replace(/_/g, "");
    if (/[.eE]/.test(text)) {
      // Go `strconv.ParseFloat`: decimal only here (so `0xfe`, which contains an `e`, fails).
      if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
        this.error(
          `invalid float literal: strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`,
          token,
        );
      }
      return { kind: "Float", offset: token.offset, value: Number(text) };
    }
    let value: bigint;
    if (text.includes("x")) {
      if (!/^0[xX][0-9a-fA-F]+$/.test(text)) {
        this.error(
          `invalid hex literal: strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`,
          token,
        );
      }
      value = BigInt(text);
    } else {
      if (!/^\d+$/.test(text)) {
        this.error(
          `invalid integer literal: strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`,
          token,
        );
      }
      value = BigInt(text);
    }
    if (value > 9223372036854775807n) {
      const kind = text.includes("x") ? "hex" : "integer";
      this.error(
        `invalid ${kind} literal: strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`,
        token,
      );
    }
    return { kind: "Integer", offset: token.offset, value: Number(value) };
  }

  private parseIdentifier(token: Token): Node {
    if (!this.is("Bracket", "(")) {
      return this.make({ kind: "Identifier", offset: token.offset, name: token.value });
    }
    if (this.current17) return this.parseCall17(token, []);
    const arity = BUILTINS[token.value];
    if (arity !== undefined) {
      this.expect("Bracket", "(");
      const args: Node[] = [this.parseExpression(0)];
      if (arity === 2) {
        this.expect("Operator", ",");
        args.push(this.parseClosure());
      }
      this.expect("Bracket", ")");
      return this.make({ kind: "Builtin", offset: token.offset, name: token.value, args });
    }
    const args = this.parseArguments();
    return this.make({ kind: "Function", offset: token.offset, name: token.value, args });
  }

  private parseClosure(): Node {
    const token = this.current;
    this.expect("Bracket", "{");
    this.closureDepth++;
    const body = this.parseExpression(0);
    this.closureDepth--;
    this.expect("Bracket", "}");
    return this.make({ kind: "Closure", offset: token.offset, node: body });
  }

  private parseArray(token: Token): Node {
    const items: Node[] = [];
    this.expect("Bracket", "[");
    while (!this.is("Bracket", "]")) {
      if (items.length > 0) {
        this.expect("Operator", ",");
        if (this.is("Bracket", "]")) break;
      }
      items.push(this.parseExpression(0));
    }
    this.expect("Bracket", "]");
    return this.make({ kind: "Array", offset: token.offset, items });
  }

  private parseMap(token: Token): Node {
    this.expect("Bracket", "{");
    const pairs: { key: Node; value: Node }[] = [];
    while (!this.is("Bracket", "}")) {
      if (pairs.length > 0) {
        this.expect("Operator", ",");
        if (this.is("Bracket", "}")) break;
        if (this.is("Operator", ",")) this.unexpected();
      }
      let key: Node;
      if (this.is("Number") || this.is("String") || this.is("Identifier")) {
        // Bare identifiers and numbers are string keys, as in expr.
        key = this.make({ kind: "String", offset: token.offset, value: this.current.value });
        this.next();
      } else if (this.is("Bracket", "(")) {
        key = this.parseExpression(0);
      } else {
        this.error(
          `a map key must be a quoted string, a number, a identifier, or an expression enclosed in parentheses (unexpected token ${describeToken(this.current)})`,
        );
      }
      this.expect("Operator", ":");
      pairs.push({ key, value: this.parseExpression(0) });
    }
    this.expect("Bracket", "}");
    return this.make({ kind: "Map", offset: token.offset, pairs });
  }

  private parsePostfix(start: Node): Node {
    if (this.current17) return this.parsePostfix17(start);
    let node = start;
    for (;;) {
      const token = this.current;
      if (token.kind !== "Operator" && token.kind !== "Bracket") break;
      if (token.value === ".") {
        this.next();
        const name = this.current;
        this.next();
        if (
          name.kind !== "Identifier" &&
          (name.kind !== "Operator" || !isValidIdentifier(name.value))
        ) {
          this.error("expected name");
        }
        if (this.is("Bracket", "(")) {
          const args = this.parseArguments();
          node = this.make({
            kind: "Method",
            offset: name.offset,
            node,
            method: name.value,
            args,
          });
        } else {
          node = this.make({
            kind: "Property",
            offset: name.offset,
            node,
            property: name.value,
          });
        }
      } else if (token.value === "[") {
        this.next();
        if (this.is("Operator", ":")) {
          this.next();
          const to = this.is("Bracket", "]") ? null : this.parseExpression(0);
          node = this.make({ kind: "Slice", offset: token.offset, node, from: null, to });
          this.expect("Bracket", "]");
        } else {
          const from = this.parseExpression(0);
          if (this.is("Operator", ":")) {
            this.next();
            const to = this.is("Bracket", "]") ? null : this.parseExpression(0);
            node = this.make({ kind: "Slice", offset: token.offset, node, from, to });
          } else {
            node = this.make({ kind: "Index", offset: token.offset, node, index: from });
          }
          this.expect("Bracket", "]");
        }
      } else {
        break;
      }
    }
    return node;
  }

  private parseArguments(): Node[] {
    this.expect("Bracket", "(");
    const args: Node[] = [];
    while (!this.is("Bracket", ")")) {
      if (args.length > 0) this.expect("Operator", ",");
      args.push(this.parseExpression(0));
    }
    this.expect("Bracket", ")");
    return args;
  }

  // expr-lang v1.17 (`parser/parser.go`), used by the "current" dialect.

  private parseExpression17(precedence: number): Node {
    if (precedence === 0 && this.is("Operator", "let")) return this.parseLet();
    if (precedence === 0 && this.is("Operator", "if")) return this.parseIf();
    let left = this.parsePrimary();
    let previous = "";
    for (;;) {
      let token = this.current;
      if (token.kind !== "Operator") break;
      let negated: Token | null = null;
      if (token.value === "not") {
        // `a not in b`, `a not startsWith b`: the operator, wrapped in `not`.
        const saved = this.pos;
        this.next();
        if (!NEGATABLE_OPERATORS.has(this.current.value)) this.unexpected();
        if (this.binary[this.current.value]!.precedence < precedence) {
          this.pos = saved;
          this.current = token;
          break;
        }
        negated = token;
        token = this.current;
      }
      const op = this.binary[token.value];
      if (!op || op.precedence < precedence) break;
      this.next();
      if (token.value === "|") {
        const name = this.current;
        this.expect("Identifier", name.value);
        left = this.parseCall17(name, [left]);
        previous = token.value;
        continue;
      }
      if (previous === "??" && token.value !== "??") {
        this.error(
          `Operator (${token.value}) and coalesce expressions (??) cannot be mixed. Wrap either by parentheses.`,
          token,
        );
      }
      if (["<", ">", "<=", ">="].includes(token.value)) {
        // `1 < x < 3` is `1 < x && x < 3`.
        left = this.parseComparison(left, token, op.precedence);
        previous = token.value;
        continue;
      }
      const right = this.parseExpression(
        op.associativity === "left" ? op.precedence + 1 : op.precedence,
      );
      left =
        token.value === "matches"
          ? this.make({ kind: "Matches", offset: token.offset, left, right })
          : this.make({ kind: "Binary", offset: token.offset, operator: token.value, left, right });
      if (negated) {
        left = this.make({ kind: "Unary", offset: negated.offset, operator: "not", node: left });
      }
      previous = token.value;
    }
    if (precedence === 0) left = this.parseConditional(left);
    return left;
  }

  private parseComparison(first: Node, firstToken: Token, precedence: number): Node {
    let left = first;
    let token = firstToken;
    let root: Node | null = null;
    for (;;) {
      const right = this.parseExpression(precedence + 1);
      const comparison = this.make({
        kind: "Binary" as const,
        offset: token.offset,
        operator: token.value,
        left,
        right,
      });
      root =
        root === null
          ? comparison
          : this.make({
              kind: "Binary",
              offset: token.offset,
              operator: "&&",
              left: root,
              right: comparison,
            });
      left = right;
      token = this.current;
      if (token.kind !== "Operator" || !["<", ">", "<=", ">="].includes(token.value)) break;
      this.next();
    }
    return root;
  }

  /** `let name = value; body` — `body` is a sequence and sees `name`. */
  private parseLet(): Node {
    this.expect("Operator", "let");
    const name = this.current;
    this.expect("Identifier", name.value);
    this.expect("Operator", "=");
    const value = this.parseExpression(0);
    this.expect("Operator", ";");
    const body = this.parseSequence();
    return this.make({ kind: "Let", offset: name.offset, name: name.value, value, body });
  }

  /** `if cond { a } else if cond2 { b } else { c }`. */
  private parseIf(): Node {
    const offset = this.current.offset;
    this.next();
    const cond = this.parseExpression(0);
    this.expect("Bracket", "{");
    const then = this.parseSequence();
    this.expect("Bracket", "}");
    this.expect("Operator", "else");
    let otherwise: Node;
    if (this.is("Operator", "if")) {
      otherwise = this.parseIf();
    } else {
      this.expect("Bracket", "{");
      otherwise = this.parseSequence();
      this.expect("Bracket", "}");
    }
    return this.make({ kind: "Conditional", offset, cond, then, else: otherwise });
  }

  /**
   * A call: a predicate builtin (`filter(xs, {…})` or `filter(xs, # > 1)`), another builtin
   * (`lower(s)`), or a function. `piped` holds the left side of `|`.
   */
  private parseCall17(token: Token, piped: Node[]): Node {
    const overridden = this.limits.isFunction?.(token.value) ?? false;
    const spec = Object.hasOwn(CURRENT_PREDICATES, token.value)
      ? CURRENT_PREDICATES[token.value]
      : undefined;
    if (spec && !overridden) {
      this.expect("Bracket", "(");
      const args = [...piped];
      const slots = spec.slice(piped.length);
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        if (this.is("Bracket", ")")) {
          if (slot.endsWith("?")) break;
          this.error(`expected at least ${slots.length} arguments`);
        }
        if (i > 0) this.expect("Operator", ",");
        args.push(slot.startsWith("predicate") ? this.parsePredicate() : this.parseExpression(0));
      }
      if (this.is("Operator", ",")) this.next();
      this.expect("Bracket", ")");
      return this.make({ kind: "Builtin", offset: token.offset, name: token.value, args });
    }
    const args = [...piped, ...this.parseArguments17(piped.length)];
    if (BUILTIN_NAMES.has(token.value) && !overridden) {
      return this.make({ kind: "Builtin", offset: token.offset, name: token.value, args });
    }
    return this.make({ kind: "Function", offset: token.offset, name: token.value, args });
  }

  /** Arguments in parentheses; a trailing comma is allowed. */
  private parseArguments17(piped = 0): Node[] {
    this.expect("Bracket", "(");
    const args: Node[] = [];
    while (!this.is("Bracket", ")")) {
      if (args.length + piped > piped) this.expect("Operator", ",");
      if (this.is("Bracket", ")")) break;
      args.push(this.parseExpression(0));
    }
    this.expect("Bracket", ")");
    return args;
  }

  private parsePredicate(): Node {
    const token = this.current;
    const braces = this.is("Bracket", "{");
    if (braces) this.next();
    this.closureDepth++;
    let body: Node;
    if (braces) {
      body = this.parseSequence();
    } else {
      body = this.parseExpression(0);
      if (this.is("Operator", ";")) this.error("wrap predicate with brackets { and }");
    }
    this.closureDepth--;
    if (braces) this.expect("Bracket", "}");
    return this.make({ kind: "Closure", offset: token.offset, node: body });
  }

  /**
   * Postfix `.name`, `?.name`, `?.[i]`, `[i]`, `[i:j]` and method calls. A `?.` makes the whole
   * member chain a `Chain`: a nil before an optional step short-circuits the chain to nil.
   */
  private parsePostfix17(start: Node): Node {
    let node = start;
    for (;;) {
      let token = this.current;
      if (token.kind !== "Operator" && token.kind !== "Bracket") break;
      const optional = token.value === "?.";
      if (optional && this.tokens[this.pos + 1]?.kind === "Bracket") {
        if (this.tokens[this.pos + 1]!.value === "[") {
          this.next();
          token = this.current;
        }
      }
      if (token.value === "." || token.value === "?.") {
        this.next();
        const name = this.current;
        this.next();
        if (
          name.kind !== "Identifier" &&
          (name.kind !== "Operator" || !isValidIdentifier(name.value))
        ) {
          this.error("expected name");
        }
        const isChain = node.kind === "Chain";
        const base = node.kind === "Chain" ? node.node : node;
        let member: Node;
        if (this.is("Bracket", "(")) {
          const args = this.parseArguments17();
          member = this.make({
            kind: "Method",
            offset: name.offset,
            node: base,
            method: name.value,
            args,
            optional,
          });
        } else {
          member = this.make({
            kind: "Property",
            offset: name.offset,
            node: base,
            property: name.value,
            optional,
          });
        }
        node =
          isChain || optional
            ? this.make({ kind: "Chain", offset: name.offset, node: member })
            : member;
      } else if (token.value === "[") {
        this.next();
        let from: Node | null = null;
        if (!this.is("Operator", ":")) from = this.parseExpression(0);
        if (this.is("Operator", ":")) {
          this.next();
          const to = this.is("Bracket", "]") ? null : this.parseExpression(0);
          node = this.make({ kind: "Slice", offset: token.offset, node, from, to });
        } else {
          node = this.make({ kind: "Index", offset: token.offset, node, index: from!, optional });
          if (optional) node = this.make({ kind: "Chain", offset: token.offset, node });
        }
        this.expect("Bracket", "]");
      } else {
        break;
      }
    }
    return node;
  }
}

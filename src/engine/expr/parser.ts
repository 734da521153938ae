import type { Node } from "./ast.js";
import { RuntimeFault } from "./errors.js";
import { describeToken, isValidIdentifier, lex, type Token } from "./lexer.js";
import { BINARY_OPERATORS, BUILTINS, UNARY_OPERATORS } from "./operators.js";

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
}

/**
 * Parses an expression with expr v1.9.0's precedence-climbing parser (`parser/parser.go`):
 * binary operators from the table in `operators.ts`, unary operators parsed at their own
 * precedence, `?:` only at the top of an expression, postfix `.name`, `[i]`, `[i:j]` and
 * method calls, builtins with closures, `#`/`.field` only inside closures.
 */
export function parse(source: string, limits: ParseLimits): Node {
  return new Parser(lex(source), limits).parseRoot();
}

class Parser {
  private pos = 0;
  private current: Token;
  /** Closure nesting: `#` is allowed only when > 0. */
  private closureDepth = 0;
  private depth = 0;
  private nodes = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly limits: ParseLimits,
  ) {
    this.current = tokens[0]!;
  }

  parseRoot(): Node {
    const node = this.parseExpression(0);
    if (this.current.kind !== "EOF") this.unexpected();
    return node;
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
        `expression too large (more than ${this.limits.maxNodes} nodes)`,
        node.offset,
      );
    }
    return node;
  }

  private parseExpression(precedence: number): Node {
    if (++this.depth > this.limits.maxDepth) {
      this.error(`expression nested too deeply (more than ${this.limits.maxDepth} levels)`);
    }
    let left = this.parsePrimary();
    let token = this.current;
    while (token.kind === "Operator") {
      const op = BINARY_OPERATORS[token.value];
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
      const op = UNARY_OPERATORS[token.value];
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
      const inner = this.parseExpression(0);
      this.expect("Bracket", ")");
      return this.parsePostfix(inner);
    }
    if (this.is("Operator", "#") || this.is("Operator", ".")) {
      if (this.closureDepth === 0) this.error("cannot use pointer accessor outside closure");
      if (this.is("Operator", "#")) this.next();
      return this.parsePostfix(this.make({ kind: "Pointer", offset: token.offset }));
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
}

import { describe, expect, it } from "vitest";
import type { Node } from "./ast.js";
import { BINARY_OPERATORS, UNARY_OPERATORS } from "./operators.js";
import { parse } from "./parser.js";

const LIMITS = { maxNodes: 10_000, maxDepth: 200 };

/** Renders a tree with explicit parentheses. */
function show(node: Node): string {
  switch (node.kind) {
    case "Identifier":
      return node.name;
    case "Integer":
    case "Float":
      return String(node.value);
    case "String":
      return JSON.stringify(node.value);
    case "Bool":
      return String(node.value);
    case "Nil":
      return "nil";
    case "Unary":
      return `(${node.operator} ${show(node.node)})`;
    case "Binary":
      return `(${show(node.left)} ${node.operator} ${show(node.right)})`;
    case "Matches":
      return `(${show(node.left)} matches ${show(node.right)})`;
    case "Conditional":
      return `(${show(node.cond)} ? ${show(node.then)} : ${show(node.else)})`;
    case "Property":
      return `${show(node.node)}${node.optional ? "?." : "."}${node.property}`;
    case "Method":
      return `${show(node.node)}.${node.method}(${node.args.map(show).join(", ")})`;
    case "Function":
    case "Builtin":
      return `${node.name}(${node.args.map(show).join(", ")})`;
    case "Closure":
      return `{${show(node.node)}}`;
    case "Pointer":
      return `#${node.name ?? ""}`;
    case "Index":
      return `${show(node.node)}${node.optional ? "?." : ""}[${show(node.index)}]`;
    case "Let":
      return `(let ${node.name} = ${show(node.value)}; ${show(node.body)})`;
    case "Sequence":
      return `(${node.nodes.map(show).join("; ")})`;
    case "Chain":
      return `chain(${show(node.node)})`;
    case "Slice":
      return `${show(node.node)}[${node.from ? show(node.from) : ""}:${node.to ? show(node.to) : ""}]`;
    case "Array":
      return `[${node.items.map(show).join(", ")}]`;
    case "Map":
      return `{${node.pairs.map((p) => `${show(p.key)}: ${show(p.value)}`).join(", ")}}`;
  }
}

const p = (source: string) => show(parse(source, LIMITS));

describe("parse", () => {
  const binary = Object.entries(BINARY_OPERATORS);

  it("groups every pair of operators by the precedence table", () => {
    for (const [low, lowInfo] of binary) {
      for (const [high, highInfo] of binary) {
        if (lowInfo.precedence >= highInfo.precedence) continue;
        expect(p(`a ${low} b ${high} c`), `${low} vs ${high}`).toBe(
          `(a ${low} (b ${high} c))`.replace(/\(a matches \((.*)\)\)/, "(a matches ($1))"),
        );
        expect(p(`a ${high} b ${low} c`), `${high} vs ${low}`).toBe(`((a ${high} b) ${low} c)`);
      }
    }
  });

  it("associates operators of equal precedence as the table says", () => {
    for (const [op, info] of binary) {
      const expected =
        info.associativity === "left" ? `((a ${op} b) ${op} c)` : `(a ${op} (b ${op} c))`;
      expect(p(`a ${op} b ${op} c`), op).toBe(expected);
    }
  });

  it("parses unary operators at their own precedence", () => {
    expect(UNARY_OPERATORS.not!.precedence).toBeGreaterThan(BINARY_OPERATORS.matches!.precedence);
    expect(p("not a matches b")).toBe("((not a) matches b)");
    expect(p("not a == b")).toBe("((not a) == b)");
    expect(p("-a ** 2")).toBe("((- a) ** 2)");
    expect(p("!a && b")).toBe("((! a) && b)");
  });

  it("parses ternaries only at the top of an expression, nesting to the right", () => {
    expect(p("a ? b : c ? d : e")).toBe("(a ? b : (c ? d : e))");
    expect(p("a ?: b")).toBe("(a ? a : b)");
    expect(p("a == b ? 1 : 2")).toBe("((a == b) ? 1 : 2)");
  });

  it("parses member access, indexes, slices and method calls", () => {
    expect(p("evt.Meta['x'].y")).toBe('evt.Meta["x"].y');
    expect(p("a[1:2]")).toBe("a[1:2]");
    expect(p("a[:2]")).toBe("a[:2]");
    expect(p("a[1:]")).toBe("a[1:]");
    expect(p("evt.GetMeta('k')")).toBe('evt.GetMeta("k")');
    expect(p("a.not")).toBe("a.not");
  });

  it("parses builtins with closures, where # and .field refer to the element", () => {
    expect(p("any(a, {# > 1})")).toBe("any(a, {(# > 1)})");
    expect(p("filter(a, {.key == 'u'})")).toBe('filter(a, {(#.key == "u")})');
    expect(p("len(a)")).toBe("len(a)");
  });

  it("parses literals: numbers, strings, arrays, maps with bare keys", () => {
    expect(p("0x10 + 1_000 + 1.5e1")).toBe("((16 + 1000) + 15)");
    expect(p("{a: 1, 'b': [1, 2,], 3: nil}")).toBe('{"a": 1, "b": [1, 2], "3": nil}');
  });

  it("fails with expr's messages", () => {
    expect(() => parse("a ==", LIMITS)).toThrow("unexpected token EOF");
    expect(() => parse("a b", LIMITS)).toThrow('unexpected token Identifier("b")');
    expect(() => parse("#", LIMITS)).toThrow("cannot use pointer accessor outside closure");
    expect(() => parse("a.1", LIMITS)).toThrow("unexpected token Number");
    expect(() => parse("a.(b)", LIMITS)).toThrow("expected name");
    expect(() => parse("0xfe1.0", LIMITS)).toThrow(/bad number syntax|invalid/);
    expect(() => parse("0o17", LIMITS)).toThrow("invalid integer literal");
    expect(() => parse("9223372036854775808", LIMITS)).toThrow("value out of range");
    expect(() => parse("all(a, b)", LIMITS)).toThrow('unexpected token Identifier("b")');
  });

  it("enforces the node and depth limits", () => {
    expect(() => parse("[1, 2, 3, 4]", { maxNodes: 3, maxDepth: 10 })).toThrow("too large");
    expect(() => parse("((((1))))", { maxNodes: 100, maxDepth: 3 })).toThrow("nested too deeply");
  });
});

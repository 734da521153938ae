/**
 * Expression syntax tree, one node kind per expr `ast` node (v1.9.0, plus the v1.17 additions:
 * `Let`, `Sequence`, `Chain`, optional members, named pointers). `offset` is the UTF-16 offset
 * in the source used for error positions.
 */
export type Node =
  | { kind: "Nil"; offset: number }
  | { kind: "Bool"; offset: number; value: boolean }
  | { kind: "Integer"; offset: number; value: number }
  | { kind: "Float"; offset: number; value: number }
  | { kind: "String"; offset: number; value: string }
  | { kind: "Identifier"; offset: number; name: string }
  | { kind: "Unary"; offset: number; operator: string; node: Node }
  | { kind: "Binary"; offset: number; operator: string; left: Node; right: Node }
  | { kind: "Matches"; offset: number; left: Node; right: Node }
  | { kind: "Property"; offset: number; node: Node; property: string; optional?: boolean }
  | { kind: "Index"; offset: number; node: Node; index: Node; optional?: boolean }
  | { kind: "Slice"; offset: number; node: Node; from: Node | null; to: Node | null }
  | {
      kind: "Method";
      offset: number;
      node: Node;
      method: string;
      args: Node[];
      optional?: boolean;
    }
  | { kind: "Function"; offset: number; name: string; args: Node[] }
  | { kind: "Builtin"; offset: number; name: string; args: Node[] }
  | { kind: "Closure"; offset: number; node: Node }
  | { kind: "Pointer"; offset: number; name?: string }
  | { kind: "Let"; offset: number; name: string; value: Node; body: Node }
  | { kind: "Sequence"; offset: number; nodes: Node[] }
  | { kind: "Chain"; offset: number; node: Node }
  | { kind: "Conditional"; offset: number; cond: Node; then: Node; else: Node }
  | { kind: "Array"; offset: number; items: Node[] }
  | { kind: "Map"; offset: number; pairs: { key: Node; value: Node }[] };

/** Every child of a node, in evaluation order. */
export function children(node: Node): Node[] {
  switch (node.kind) {
    case "Nil":
    case "Bool":
    case "Integer":
    case "Float":
    case "String":
    case "Identifier":
    case "Pointer":
      return [];
    case "Unary":
    case "Closure":
    case "Property":
    case "Chain":
      return [node.node];
    case "Let":
      return [node.value, node.body];
    case "Sequence":
      return node.nodes;
    case "Binary":
    case "Matches":
      return [node.left, node.right];
    case "Index":
      return [node.node, node.index];
    case "Slice":
      return [node.node, ...(node.from ? [node.from] : []), ...(node.to ? [node.to] : [])];
    case "Method":
      return [node.node, ...node.args];
    case "Function":
    case "Builtin":
      return node.args;
    case "Conditional":
      return [node.cond, node.then, node.else];
    case "Array":
      return node.items;
    case "Map":
      return node.pairs.flatMap((p) => [p.key, p.value]);
  }
}

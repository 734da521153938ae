/**
 * A subset of Go's `text/template` (plus the sprig functions CrowdSec's notification `format`
 * examples use), enough for the http/slack templates of the CrowdSec docs:
 *
 * - text and `{{ }}` actions with `{{-` / `-}}` whitespace trimming and `{{/* comments *\/}}`;
 * - `if` / `else if` / `else` / `end`, `range` (with `$i, $e :=` or `$e :=`, and `else`),
 *   `with`, variables (`$x := …`, `$x = …`, `$`);
 * - pipelines `a | f b`, parenthesised pipelines, field chains (`.Source.Value`,
 *   `$alert.Decisions`), string / raw-string / number / `true` `false` `nil` literals;
 * - functions: `and or not len index print printf println eq ne lt le gt ge` (Go) and
 *   `toJson toPrettyJson quote squote upper lower trim join default replace contains
 *   hasPrefix hasSuffix first last` (sprig).
 *
 * Anything else (`define`, `template`, `block`, method calls, unknown functions or fields) is
 * refused by `parseTemplate`, so a notifier that could not render is rejected when uploaded.
 * Data are JSON objects (CrowdSec's `models.Alert` JSON); Go field names (`.Source.Cn`) are
 * mapped to their JSON keys through `GO_FIELDS`, and `toJson` prints the JSON as Go's
 * `encoding/json` would (HTML characters escaped).
 */
import { GO_FIELDS, str, TEMPLATE_FUNCTIONS, truthy } from "./template-functions";

type Node =
  | { kind: "text"; text: string }
  | { kind: "print"; pipe: Pipe }
  | { kind: "if" | "with"; pipe: Pipe; yes: Node[]; no: Node[] }
  | {
      kind: "range";
      pipe: Pipe;
      keyVar: string | null;
      valueVar: string | null;
      body: Node[];
      no: Node[];
    }
  | { kind: "set"; name: string; declare: boolean; pipe: Pipe };

type Operand =
  | { kind: "field"; base: "dot" | string | Pipe; path: string[] }
  | { kind: "literal"; value: unknown }
  | { kind: "func"; name: string };

type Command = Operand[];
type Pipe = Command[];

/** A parse error: position and reason, shown at upload time. */
export class TemplateError extends Error {
  override name = "TemplateError";
}

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+(?:\.\d+)?)|(\$[A-Za-z0-9_]*)|((?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)|([A-Za-z_][A-Za-z0-9_]*)|(:=|=|\||\(|\)|,))/y;

interface Tok {
  type: "string" | "number" | "var" | "field" | "ident" | "punct";
  text: string;
}

function tokenize(src: string, where: string): Tok[] {
  const toks: Tok[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m)
      throw new TemplateError(`${where}: unexpected "${src.slice(start).trim()[0]}" in action`);
    if (m[1] !== undefined || m[2] !== undefined)
      toks.push({ type: "string", text: m[1] ?? m[2]! });
    else if (m[3] !== undefined) toks.push({ type: "number", text: m[3] });
    else if (m[4] !== undefined) {
      // `$x.Field` arrives as a var token followed by a field token.
      toks.push({ type: "var", text: m[4] });
    } else if (m[5] !== undefined) toks.push({ type: "field", text: m[5] });
    else if (m[6] !== undefined) toks.push({ type: "ident", text: m[6] });
    else toks.push({ type: "punct", text: m[7]! });
  }
  return toks;
}

function fieldPath(text: string, where: string): string[] {
  if (text === ".") return [];
  const names = text.slice(1).split(".");
  for (const n of names) {
    if (!Object.hasOwn(GO_FIELDS, n)) {
      throw new TemplateError(`${where}: can't evaluate field ${n} (not a field of models.Alert)`);
    }
  }
  return names;
}

class PipeParser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly where: string,
  ) {}

  get done() {
    return this.i >= this.toks.length;
  }

  peek(): Tok | undefined {
    return this.toks[this.i];
  }

  next(): Tok {
    const t = this.toks[this.i++];
    if (!t) throw new TemplateError(`${this.where}: unexpected end of action`);
    return t;
  }

  pipe(): Pipe {
    const cmds: Pipe = [this.command()];
    while (this.peek()?.text === "|" && this.peek()?.type === "punct") {
      this.i++;
      cmds.push(this.command());
    }
    return cmds;
  }

  private command(): Command {
    const ops: Operand[] = [];
    while (!this.done) {
      const t = this.peek()!;
      if (t.type === "punct" && (t.text === "|" || t.text === ")")) break;
      ops.push(this.operand());
    }
    if (ops.length === 0) throw new TemplateError(`${this.where}: missing value for command`);
    if (ops.length > 1 && ops[0]!.kind !== "func") {
      throw new TemplateError(`${this.where}: can't give argument to non-function`);
    }
    return ops;
  }

  private operand(): Operand {
    const t = this.next();
    const chained = (base: "dot" | string | Pipe, path: string[]): Operand => {
      const n = this.peek();
      if (n?.type === "field" && n.text !== ".") {
        this.i++;
        return { kind: "field", base, path: [...path, ...fieldPath(n.text, this.where)] };
      }
      return { kind: "field", base, path };
    };
    switch (t.type) {
      case "string":
        return {
          kind: "literal",
          value: t.text.startsWith("`") ? t.text.slice(1, -1) : (JSON.parse(t.text) as string),
        };
      case "number":
        return { kind: "literal", value: Number(t.text) };
      case "var":
        return chained(t.text, []);
      case "field":
        return { kind: "field", base: "dot", path: fieldPath(t.text, this.where) };
      case "ident":
        if (t.text === "true" || t.text === "false")
          return { kind: "literal", value: t.text === "true" };
        if (t.text === "nil") return { kind: "literal", value: null };
        if (!Object.hasOwn(TEMPLATE_FUNCTIONS, t.text)) {
          throw new TemplateError(`${this.where}: function "${t.text}" not defined`);
        }
        return { kind: "func", name: t.text };
      case "punct": {
        if (t.text !== "(") throw new TemplateError(`${this.where}: unexpected "${t.text}"`);
        const inner = this.pipe();
        if (this.next().text !== ")") throw new TemplateError(`${this.where}: unclosed left paren`);
        return chained(inner, []);
      }
    }
  }
}

interface Frame {
  kind: "root" | "if" | "with" | "range";
  node: Node | null;
  nodes: Node[];
  inElse: boolean;
  /** `else if` chains close with the outer `end`. */
  chained: number;
}

/** Index of the `}}` closing an action that starts at `from`, skipping quoted strings. */
function actionEnd(text: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\" && quote === '"') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "`") quote = ch;
    else if (ch === "}" && text[i + 1] === "}") return i;
  }
  return -1;
}

/** Parses a template; throws `TemplateError` naming the line and the problem. */
export function parseTemplate(text: string): Node[] {
  const root: Node[] = [];
  const stack: Frame[] = [{ kind: "root", node: null, nodes: root, inElse: false, chained: 0 }];
  const top = () => stack[stack.length - 1]!;
  let pos = 0;
  let trimNext = false;
  const open = /\{\{(-\s)?/g;
  while (pos <= text.length) {
    open.lastIndex = pos;
    const m = open.exec(text);
    let literal = m ? text.slice(pos, m.index) : text.slice(pos);
    if (trimNext) literal = literal.replace(/^\s+/, "");
    if (m?.[1]) literal = literal.replace(/\s+$/, "");
    if (literal) top().nodes.push({ kind: "text", text: literal });
    if (!m) break;
    const line = text.slice(0, m.index).split("\n").length;
    const where = `line ${line}`;
    const bodyStart = m.index + m[0].length;
    const close = actionEnd(text, bodyStart);
    if (close < 0) throw new TemplateError(`${where}: unclosed action`);
    let body = text.slice(bodyStart, close);
    trimNext = /\s-$/.test(body) || body === "-";
    if (trimNext) body = body.replace(/-$/, "");
    pos = close + 2;
    body = body.trim();
    if (body.startsWith("/*")) {
      if (!body.endsWith("*/")) throw new TemplateError(`${where}: unclosed comment`);
      continue;
    }
    const toks = tokenize(body, where);
    const first = toks[0];
    if (!first) throw new TemplateError(`${where}: missing value for command`);
    const word = first.type === "ident" ? first.text : "";
    const rest = new PipeParser(toks.slice(1), where);
    const fullPipe = () => {
      const p = rest.pipe();
      if (!rest.done) throw new TemplateError(`${where}: unexpected "${rest.peek()!.text}"`);
      return p;
    };
    if (word === "if" || word === "with") {
      const node: Node = { kind: word, pipe: fullPipe(), yes: [], no: [] };
      top().nodes.push(node);
      stack.push({ kind: word, node, nodes: node.yes, inElse: false, chained: 0 });
    } else if (word === "range") {
      let keyVar: string | null = null;
      let valueVar: string | null = null;
      const decl = toks.findIndex((t) => t.text === ":=");
      let pipeToks = toks.slice(1);
      if (decl > 0) {
        const vars = toks.slice(1, decl).filter((t) => t.text !== ",");
        if (vars.some((v) => v.type !== "var") || vars.length > 2) {
          throw new TemplateError(`${where}: bad range variables`);
        }
        if (vars.length === 2) [keyVar, valueVar] = [vars[0]!.text, vars[1]!.text];
        else valueVar = vars[0]!.text;
        pipeToks = toks.slice(decl + 1);
      }
      const p = new PipeParser(pipeToks, where);
      const node: Node = {
        kind: "range",
        pipe: p.pipe(),
        keyVar,
        valueVar,
        body: [],
        no: [],
      };
      if (!p.done) throw new TemplateError(`${where}: unexpected "${p.peek()!.text}"`);
      top().nodes.push(node);
      stack.push({ kind: "range", node, nodes: node.body, inElse: false, chained: 0 });
    } else if (word === "else") {
      const f = top();
      if (f.kind === "root" || f.inElse) throw new TemplateError(`${where}: unexpected {{else}}`);
      const node = f.node as Extract<Node, { no: Node[] }>;
      f.inElse = true;
      f.nodes = node.no;
      if (toks[1]?.text === "if") {
        const nested = new PipeParser(toks.slice(2), where);
        const inner: Node = { kind: "if", pipe: nested.pipe(), yes: [], no: [] };
        if (!nested.done) throw new TemplateError(`${where}: unexpected "${nested.peek()!.text}"`);
        f.nodes.push(inner);
        stack.push({
          kind: "if",
          node: inner,
          nodes: inner.yes,
          inElse: false,
          chained: f.chained + 1,
        });
        f.chained = 0;
      } else if (toks.length > 1) {
        throw new TemplateError(`${where}: unexpected "${toks[1]!.text}" after else`);
      }
    } else if (word === "end") {
      if (toks.length > 1)
        throw new TemplateError(`${where}: unexpected "${toks[1]!.text}" after end`);
      const f = top();
      if (f.kind === "root") throw new TemplateError(`${where}: unexpected {{end}}`);
      stack.pop();
      for (let k = 0; k < f.chained; k++) stack.pop();
    } else if (["define", "template", "block", "break", "continue"].includes(word)) {
      throw new TemplateError(`${where}: {{${word}}} is not supported`);
    } else if (first.type === "var" && (toks[1]?.text === ":=" || toks[1]?.text === "=")) {
      const p = new PipeParser(toks.slice(2), where);
      const node: Node = {
        kind: "set",
        name: first.text,
        declare: toks[1].text === ":=",
        pipe: p.pipe(),
      };
      if (!p.done) throw new TemplateError(`${where}: unexpected "${p.peek()!.text}"`);
      top().nodes.push(node);
    } else {
      const p = new PipeParser(toks, where);
      const node: Node = { kind: "print", pipe: p.pipe() };
      if (!p.done) throw new TemplateError(`${where}: unexpected "${p.peek()!.text}"`);
      top().nodes.push(node);
    }
  }
  if (stack.length > 1) throw new TemplateError(`unexpected EOF: missing {{end}}`);
  return root;
}

type Scope = Map<string, unknown>[];

function lookupVar(scope: Scope, name: string): unknown {
  for (let i = scope.length - 1; i >= 0; i--) if (scope[i]!.has(name)) return scope[i]!.get(name);
  throw new Error(`undefined variable: ${name}`);
}

function field(value: unknown, name: string): unknown {
  if (value === null || value === undefined) throw new Error(`nil pointer evaluating .${name}`);
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new Error(
      `can't evaluate field ${name} in a ${Array.isArray(value) ? "slice" : typeof value}`,
    );
  }
  return (value as Record<string, unknown>)[GO_FIELDS[name]!] ?? null;
}

function evalPipe(pipe: Pipe, dot: unknown, scope: Scope): unknown {
  let prev: unknown;
  let hasPrev = false;
  for (const cmd of pipe) {
    const [head, ...args] = cmd;
    const value = (op: Operand): unknown => {
      if (op.kind === "literal") return op.value;
      if (op.kind === "func") return TEMPLATE_FUNCTIONS[op.name]!();
      let base: unknown;
      if (op.base === "dot") base = dot;
      else if (typeof op.base === "string") base = lookupVar(scope, op.base);
      else base = evalPipe(op.base, dot, scope);
      return op.path.reduce(field, base);
    };
    if (head!.kind === "func") {
      const argv = args.map(value);
      if (hasPrev) argv.push(prev);
      prev = TEMPLATE_FUNCTIONS[head!.name]!(...argv);
    } else {
      if (hasPrev) throw new Error("can't give argument to non-function");
      prev = value(head!);
    }
    hasPrev = true;
  }
  return prev;
}

function execNodes(nodes: Node[], dot: unknown, scope: Scope, out: string[]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case "text":
        out.push(node.text);
        break;
      case "print": {
        const v = evalPipe(node.pipe, dot, scope);
        out.push(v === null || v === undefined ? "<no value>" : str(v));
        break;
      }
      case "set": {
        const v = evalPipe(node.pipe, dot, scope);
        if (node.declare) scope[scope.length - 1]!.set(node.name, v);
        else {
          const frame = [...scope].reverse().find((s) => s.has(node.name));
          if (!frame) throw new Error(`undefined variable: ${node.name}`);
          frame.set(node.name, v);
        }
        break;
      }
      case "if":
      case "with": {
        const v = evalPipe(node.pipe, dot, scope);
        scope.push(new Map());
        if (truthy(v)) execNodes(node.yes, node.kind === "with" ? v : dot, scope, out);
        else execNodes(node.no, dot, scope, out);
        scope.pop();
        break;
      }
      case "range": {
        const v = evalPipe(node.pipe, dot, scope);
        const entries: [unknown, unknown][] = Array.isArray(v)
          ? v.map((e, i) => [i, e])
          : v && typeof v === "object"
            ? Object.keys(v)
                .sort()
                .map((k) => [k, (v as Record<string, unknown>)[k]])
            : typeof v === "number"
              ? Array.from({ length: v }, (_, i) => [i, i])
              : [];
        if (v !== null && v !== undefined && typeof v !== "object" && typeof v !== "number") {
          throw new Error(`range can't iterate over ${str(v)}`);
        }
        if (entries.length === 0) {
          scope.push(new Map());
          execNodes(node.no, dot, scope, out);
          scope.pop();
        }
        for (const [k, e] of entries) {
          const frame = new Map<string, unknown>();
          if (node.keyVar) frame.set(node.keyVar, k);
          if (node.valueVar) frame.set(node.valueVar, e);
          scope.push(frame);
          execNodes(node.body, e, scope, out);
          scope.pop();
        }
        break;
      }
    }
  }
}

/** Renders a parsed template with `data` as `.` and `$`; throws on a run-time error. */
export function renderTemplate(nodes: Node[], data: unknown): string {
  const out: string[] = [];
  execNodes(nodes, data, [new Map([["$", data]])], out);
  return out.join("");
}

export type ParsedTemplate = Node[];

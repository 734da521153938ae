import type { XmlElement } from "./xml-document.js";

/**
 * `beevik/etree` path queries (the syntax CrowdSec's XML helpers accept): `/` from the document,
 * `//` descendants-or-self, `.`, `..`, `*`, `tag`, and filters `[n]` (1-based, negative from the
 * end), `[@attr]`, `[@attr='v']`, `[tag]`, `[tag='v']`, `[text()]`, `[text()='v']`. Evaluation is
 * breadth-first per segment with filters applied to each context element's candidates, as etree
 * does; `findElement` returns etree's first result.
 */
type Selector =
  | { kind: "root" }
  | { kind: "self" }
  | { kind: "parent" }
  | { kind: "children" }
  | { kind: "descendants" }
  | { kind: "tag"; tag: string };

type Filter =
  | { kind: "position"; index: number }
  | { kind: "attr"; key: string; value?: string }
  | { kind: "child"; tag: string; value?: string }
  | { kind: "text"; value?: string };

interface Segment {
  selector: Selector;
  filters: Filter[];
}

export type XmlPath = Segment[];

/** Compiles a path; returns an error message for an invalid one (etree `CompilePath`). */
export function compileXmlPath(path: string): XmlPath | { error: string } {
  const segments: Segment[] = [];
  let rest = path;
  if (rest.startsWith("/")) {
    segments.push({ selector: { kind: "root" }, filters: [] });
    rest = rest.slice(1);
  }
  const parts = splitOutsideBrackets(rest);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === "") {
      // `a//b`: an empty piece between slashes selects descendants; a trailing `/` is ignored.
      if (i < parts.length - 1) segments.push({ selector: { kind: "descendants" }, filters: [] });
      continue;
    }
    const bracket = part.indexOf("[");
    const head = bracket === -1 ? part : part.slice(0, bracket);
    let selector: Selector;
    if (head === ".") selector = { kind: "self" };
    else if (head === "..") selector = { kind: "parent" };
    else if (head === "*") selector = { kind: "children" };
    else if (head === "") return { error: `path has invalid segment '${part}'` };
    else selector = { kind: "tag", tag: head };
    const filters: Filter[] = [];
    let tail = bracket === -1 ? "" : part.slice(bracket);
    while (tail.length > 0) {
      const m = /^\[([^\]]*)\]/.exec(tail);
      if (!m) return { error: "path has invalid filter [brackets]." };
      const filter = parseFilter(m[1]!);
      if ("error" in filter) return filter;
      filters.push(filter);
      tail = tail.slice(m[0].length);
    }
    segments.push({ selector, filters });
  }
  return segments;
}

function splitOutsideBrackets(path: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = "";
  let current = "";
  for (const c of path) {
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (c === "/" && depth === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts;
}

function unquote(v: string): string | undefined {
  const m = /^(['"])(.*)\1$/.exec(v);
  return m ? m[2] : undefined;
}

function parseFilter(body: string): Filter | { error: string } {
  if (body === "") return { error: "path contains an empty filter expression." };
  const eq = body.indexOf("=");
  const key = eq === -1 ? body : body.slice(0, eq);
  let value: string | undefined;
  if (eq !== -1) {
    value = unquote(body.slice(eq + 1));
    if (value === undefined) return { error: "path has mismatched filter quotes." };
  }
  if (key.startsWith("@")) return { kind: "attr", key: key.slice(1), value };
  if (key === "text()") return { kind: "text", value };
  if (/^-?\d+$/.test(key) && value === undefined) {
    const n = Number(key);
    return { kind: "position", index: n > 0 ? n - 1 : n };
  }
  return { kind: "child", tag: key, value };
}

function childElements(e: XmlElement): XmlElement[] {
  return e.children.filter((c): c is XmlElement => typeof c !== "string");
}

function text(e: XmlElement): string {
  let out = "";
  for (const c of e.children) {
    if (typeof c !== "string") break;
    out += c;
  }
  return out;
}

function select(selector: Selector, e: XmlElement, document: XmlElement): XmlElement[] {
  switch (selector.kind) {
    case "root":
      return [document];
    case "self":
      return [e];
    case "parent":
      return e.parent ? [e.parent] : [];
    case "children":
      return childElements(e);
    case "tag":
      return childElements(e).filter((c) => c.tag === selector.tag);
    case "descendants": {
      const out: XmlElement[] = [];
      const queue = [e];
      for (let i = 0; i < queue.length; i++) {
        out.push(queue[i]!);
        queue.push(...childElements(queue[i]!));
      }
      return out;
    }
  }
}

function applyFilter(filter: Filter, candidates: XmlElement[]): XmlElement[] {
  switch (filter.kind) {
    case "position": {
      const i = filter.index >= 0 ? filter.index : candidates.length + filter.index;
      const hit = candidates[i];
      return hit ? [hit] : [];
    }
    case "attr":
      return candidates.filter((c) =>
        c.attrs.some(
          (a) => a.key === filter.key && (filter.value === undefined || a.value === filter.value),
        ),
      );
    case "text":
      return candidates.filter((c) =>
        filter.value === undefined ? text(c) !== "" : text(c) === filter.value,
      );
    case "child":
      return candidates.filter((c) =>
        childElements(c).some(
          (k) => k.tag === filter.tag && (filter.value === undefined || text(k) === filter.value),
        ),
      );
  }
}

/** First element matched by `path` from `document` (the pseudo-root of `parseXml`), or null. */
export function findElement(document: XmlElement, path: XmlPath): XmlElement | null {
  if (path.length === 0) return null;
  let queue: { element: XmlElement; index: number }[] = [{ element: document, index: 0 }];
  const seen = new Set<string>();
  const ids = new Map<XmlElement, number>();
  const idOf = (e: XmlElement) => {
    let id = ids.get(e);
    if (id === undefined) {
      id = ids.size;
      ids.set(e, id);
    }
    return id;
  };
  while (queue.length > 0) {
    const next: typeof queue = [];
    for (const { element, index } of queue) {
      const segment = path[index]!;
      let candidates = select(segment.selector, element, document);
      for (const filter of segment.filters) candidates = applyFilter(filter, candidates);
      if (index === path.length - 1) {
        const hit = candidates.find((c) => c !== document);
        if (hit) return hit;
        continue;
      }
      for (const c of candidates) {
        const key = `${idOf(c)}:${index + 1}`;
        if (seen.has(key)) continue;
        seen.add(key);
        next.push({ element: c, index: index + 1 });
      }
    }
    queue = next;
  }
  return null;
}

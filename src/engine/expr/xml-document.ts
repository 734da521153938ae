/**
 * A small XML reader for CrowdSec's `XMLGetNodeValue`/`XMLGetAttributeValue`, which parse with
 * `beevik/etree` on top of Go's `encoding/xml` raw tokens: elements, attributes, character data,
 * CDATA, comments, processing instructions and a skipped DOCTYPE. Like etree, an end tag closes
 * the innermost element whatever its name and unclosed elements are kept; malformed tokens (bad
 * names, unquoted attributes, unknown entities) return null, as the helpers then return `""`.
 * Iterative, so deep nesting cannot overflow the stack.
 */
export interface XmlElement {
  /** Qualified name as written (`prefix:local`); etree matches on it. */
  tag: string;
  attrs: { key: string; value: string }[];
  children: (XmlElement | string)[];
  parent: XmlElement | null;
}

const NAME = /[A-Za-z_:\u00c0-\uffff][\w.:\-\u00b7\u00c0-\uffff]*/y;
const ENTITIES: Readonly<Record<string, string>> = {
  lt: "<",
  gt: ">",
  amp: "&",
  apos: "'",
  quot: '"',
};

function decodeEntities(text: string): string | null {
  if (!text.includes("&")) return text;
  let failed = false;
  const out = text.replace(/&([^;&]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(";")) {
      failed = true;
      return whole;
    }
    if (name.startsWith("#x") || name.startsWith("#X")) {
      const code = Number.parseInt(name.slice(2), 16);
      if (!/^#[xX][0-9a-fA-F]+$/.test(name) || code > 0x10ffff) failed = true;
      return failed ? whole : String.fromCodePoint(code);
    }
    if (name.startsWith("#")) {
      const code = Number(name.slice(1));
      if (!/^#\d+$/.test(name) || code > 0x10ffff) failed = true;
      return failed ? whole : String.fromCodePoint(code);
    }
    const entity = ENTITIES[name];
    if (entity === undefined) failed = true;
    return entity ?? whole;
  });
  return failed ? null : out;
}

/** Parses a document; returns its pseudo-root (tag `""`) whose children are the top-level nodes. */
export function parseXml(text: string): XmlElement | null {
  const root: XmlElement = { tag: "", attrs: [], children: [], parent: null };
  let current = root;
  let pos = 0;
  const readName = (): string | null => {
    NAME.lastIndex = pos;
    const m = NAME.exec(text);
    if (!m) return null;
    pos += m[0].length;
    return m[0];
  };
  const skipWs = () => {
    while (pos < text.length && /[ \t\r\n]/.test(text[pos]!)) pos++;
  };
  while (pos < text.length) {
    const lt = text.indexOf("<", pos);
    const chunk = text.slice(pos, lt === -1 ? text.length : lt);
    if (chunk.length > 0) {
      const decoded = decodeEntities(chunk);
      if (decoded === null) return null;
      current.children.push(decoded);
    }
    if (lt === -1) break;
    pos = lt;
    if (text.startsWith("<!--", pos)) {
      const end = text.indexOf("-->", pos + 4);
      if (end === -1) return null;
      pos = end + 3;
    } else if (text.startsWith("<![CDATA[", pos)) {
      const end = text.indexOf("]]>", pos + 9);
      if (end === -1) return null;
      current.children.push(text.slice(pos + 9, end));
      pos = end + 3;
    } else if (text.startsWith("<?", pos)) {
      const end = text.indexOf("?>", pos + 2);
      if (end === -1) return null;
      pos = end + 2;
    } else if (text.startsWith("<!", pos)) {
      const end = text.indexOf(">", pos + 2);
      if (end === -1) return null;
      pos = end + 1;
    } else if (text.startsWith("</", pos)) {
      pos += 2;
      const name = readName();
      skipWs();
      if (name === null || text[pos] !== ">") return null;
      pos++;
      // etree reads raw tokens: an end tag closes the innermost open element whatever its name.
      if (current.parent) current = current.parent;
    } else {
      pos++;
      const tag = readName();
      if (tag === null) return null;
      const element: XmlElement = { tag, attrs: [], children: [], parent: current };
      for (;;) {
        const before = pos;
        skipWs();
        if (text[pos] === ">" || text.startsWith("/>", pos)) break;
        if (pos === before) return null;
        const key = readName();
        if (key === null) return null;
        skipWs();
        if (text[pos] !== "=") return null;
        pos++;
        skipWs();
        const quote = text[pos];
        if (quote !== '"' && quote !== "'") return null;
        const end = text.indexOf(quote, pos + 1);
        if (end === -1) return null;
        const rawValue = text.slice(pos + 1, end);
        const value = rawValue.includes("<") ? null : decodeEntities(rawValue);
        if (value === null) return null;
        element.attrs.push({ key, value });
        pos = end + 1;
      }
      current.children.push(element);
      if (text[pos] === ">") {
        pos++;
        current = element;
      } else {
        pos += 2;
      }
    }
  }
  // Unclosed elements at the end are kept, as etree does.
  return root;
}

/** etree `Element.Text()`: the character data before the first child element. */
export function elementText(element: XmlElement): string {
  let text = "";
  for (const child of element.children) {
    if (typeof child !== "string") break;
    text += child;
  }
  return text;
}

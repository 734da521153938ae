import type { Dialect } from "./dialect.js";
import { RuntimeFault } from "./errors.js";
import { CURRENT_WORD_OPERATORS, NEGATABLE_OPERATORS, WORD_OPERATORS } from "./operators.js";
import { unescapeLiteral } from "./string-escape.js";

/** Token kinds, named as expr names them in error messages (`unexpected token Operator("=")`). */
export type TokenKind = "Identifier" | "Number" | "String" | "Operator" | "Bracket" | "EOF";

export interface Token {
  kind: TokenKind;
  /** Decoded value (string literals are unescaped; `not   in` becomes `not in`). */
  value: string;
  /** UTF-16 offset of the token's first character in the source. */
  offset: number;
}

/** A lexing failure at `offset`; the caller turns it into an ExprError. */
export class LexError extends RuntimeFault {
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** How expr prints a token in `unexpected token …` messages (Go `%s(%#v)`). */
export function describeToken(token: Token): string {
  if (token.value === "") return token.kind;
  return `${token.kind}(${JSON.stringify(token.value)})`;
}

// `?` is always a single token: the 1.4.6 binary rejects `a?.b` ("cannot use pointer accessor
// outside closure"), i.e. its expr has no nil-safe navigation yet.
const SINGLE_RUNE_OPERATORS = "#,?:%+-/";
const DOUBLE_RUNE_STARTS = "&|!=*<>";
const DOUBLE_RUNE_SECONDS = "&|=*";

/** Go `unicode.IsSpace`. */
function isSpace(c: string): boolean {
  return /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/.test(c);
}

/** expr `IsAlphabetic`: `_`, `$` or a Unicode letter. */
function isAlphabetic(c: string): boolean {
  return c === "_" || c === "$" || /^\p{L}$/u.test(c);
}

/** expr `IsAlphaNumeric`: alphabetic or a Unicode decimal digit. */
export function isAlphaNumeric(c: string): boolean {
  return isAlphabetic(c) || /^\p{Nd}$/u.test(c);
}

/** A valid identifier: alphabetic first, alphanumeric after (`isValidIdentifier`). */
export function isValidIdentifier(word: string): boolean {
  const chars = Array.from(word);
  if (chars.length === 0 || !isAlphabetic(chars[0]!)) return false;
  return chars.every(isAlphaNumeric);
}

/**
 * Splits an expression into tokens, following the state machine of expr v1.9.0
 * (`parser/lexer/state.go`), including its quirks: `?.` after `?`, two-rune operators formed from
 * `&|!=*<>` + `&|=*`, `not in` as one token when separated by plain spaces, `1..2` as a range.
 * The `"current"` dialect follows expr-lang v1.17's lexer instead (`lexCurrent`).
 */
export function lex(source: string, dialect: Dialect = "crowdsec-1.4"): Token[] {
  if (dialect === "current") return lexCurrent(source);
  const tokens: Token[] = [];
  const chars = Array.from(source);
  // Offsets of each code point in UTF-16 units, plus the end.
  const offsets: number[] = new Array(chars.length + 1);
  let o = 0;
  for (let i = 0; i < chars.length; i++) {
    offsets[i] = o;
    o += chars[i]!.length;
  }
  offsets[chars.length] = o;

  let pos = 0;
  const at = (i: number) => chars[i] ?? "";
  const emit = (kind: TokenKind, start: number, value: string) =>
    tokens.push({ kind, value, offset: offsets[start]! });
  const fail = (message: string, index: number): never => {
    throw new LexError(message, offsets[Math.min(index, chars.length)]!);
  };

  while (pos < chars.length) {
    const start = pos;
    const c = chars[pos]!;
    if (isSpace(c)) {
      pos++;
      continue;
    }
    if (c === "'" || c === '"') {
      pos = scanString(chars, pos, c, fail);
      const decoded = unescapeLiteral(chars.slice(start, pos).join(""));
      if ("error" in decoded) fail(decoded.error, pos);
      emit("String", start, (decoded as { value: string }).value);
      continue;
    }
    if (c >= "0" && c <= "9") {
      pos = scanNumber(chars, pos, fail);
      emit("Number", start, chars.slice(start, pos).join(""));
      continue;
    }
    if ("([{)]}".includes(c)) {
      pos++;
      emit("Bracket", start, c);
      continue;
    }
    if (SINGLE_RUNE_OPERATORS.includes(c)) {
      pos++;
      emit("Operator", start, c);
      continue;
    }
    if (DOUBLE_RUNE_STARTS.includes(c)) {
      pos++;
      if (at(pos) !== "" && DOUBLE_RUNE_SECONDS.includes(at(pos))) pos++;
      emit("Operator", start, chars.slice(start, pos).join(""));
      continue;
    }
    if (c === ".") {
      if (at(pos + 1) >= "0" && at(pos + 1) <= "9") {
        pos = scanNumber(chars, pos, fail);
        emit("Number", start, chars.slice(start, pos).join(""));
        continue;
      }
      pos++;
      if (at(pos) === ".") pos++;
      emit("Operator", start, chars.slice(start, pos).join(""));
      continue;
    }
    if (isAlphaNumeric(c)) {
      while (pos < chars.length && isAlphaNumeric(chars[pos]!)) pos++;
      const word = chars.slice(start, pos).join("");
      if (word === "not") {
        // acceptWord("in"): plain spaces, then `in`, then a space or the end.
        let p = pos;
        while (at(p) === " ") p++;
        if (at(p) === "i" && at(p + 1) === "n" && (at(p + 2) === " " || p + 2 >= chars.length)) {
          pos = p + 2;
          emit("Operator", start, "not in");
        } else {
          emit("Operator", start, "not");
        }
      } else if (WORD_OPERATORS.has(word)) {
        emit("Operator", start, word);
      } else {
        emit("Identifier", start, word);
      }
      continue;
    }
    const code = c.codePointAt(0)!;
    fail(
      `unrecognized character: U+${code.toString(16).toUpperCase().padStart(4, "0")} '${c}'`,
      pos + 1,
    );
  }
  // expr points EOF at the last character for friendlier messages.
  tokens.push({ kind: "EOF", value: "", offset: offsets[Math.max(chars.length - 1, 0)]! });
  return tokens;
}

function scanString(
  chars: string[],
  start: number,
  quote: string,
  fail: (message: string, index: number) => never,
): number {
  let pos = start + 1;
  for (;;) {
    const c = chars[pos];
    if (c === undefined || c === "\n") fail("literal not terminated", pos);
    if (c === quote) return pos + 1;
    if (c === "\\") {
      const e = chars[pos + 1];
      pos += 2;
      if (e === undefined) fail("literal not terminated", pos);
      if ("abfnrtv\\".includes(e!) || e === quote) continue;
      const digits = (base: number, n: number, first: number) => {
        let p = first;
        for (let k = 0; k < n; k++, p++) {
          const d = chars[p];
          if (d === undefined || !isDigitOfBase(d, base)) fail("invalid char escape", p + 1);
        }
        return p;
      };
      if (e! >= "0" && e! <= "7") pos = digits(8, 3, pos - 1);
      else if (e === "x") pos = digits(16, 2, pos);
      else if (e === "u") pos = digits(16, 4, pos);
      else if (e === "U") pos = digits(16, 8, pos);
      else fail("invalid char escape", pos);
      continue;
    }
    pos++;
  }
}

function isDigitOfBase(c: string, base: number): boolean {
  const v = Number.parseInt(c, 16);
  return /^[0-9a-fA-F]$/.test(c) && v < base;
}

function scanNumber(
  chars: string[],
  start: number,
  fail: (message: string, index: number) => never,
): number {
  let pos = start;
  const at = (i: number) => chars[i] ?? "";
  let digits = "0123456789_";
  if (at(pos) === "0") {
    pos++;
    if ("xX".includes(at(pos)) && at(pos) !== "") {
      pos++;
      digits = "0123456789abcdefABCDEF_";
    } else if ("oO".includes(at(pos)) && at(pos) !== "") {
      pos++;
      digits = "01234567_";
    } else if ("bB".includes(at(pos)) && at(pos) !== "") {
      pos++;
      digits = "01_";
    }
  }
  while (at(pos) !== "" && digits.includes(at(pos))) pos++;
  if (at(pos) === ".") {
    // `1..2` is a range: leave both dots to the operator.
    if (at(pos + 1) === ".") return pos;
    pos++;
    while (at(pos) !== "" && digits.includes(at(pos))) pos++;
  }
  if (at(pos) === "e" || at(pos) === "E") {
    pos++;
    if (at(pos) === "+" || at(pos) === "-") pos++;
    while (at(pos) !== "" && digits.includes(at(pos))) pos++;
  }
  if (at(pos) !== "" && isAlphaNumeric(at(pos))) {
    fail(`bad number syntax: ${JSON.stringify(chars.slice(start, pos + 1).join(""))}`, pos + 1);
  }
  return pos;
}

/** Code points of `source` and the UTF-16 offset of each (plus the end). */
function codePoints(source: string): { chars: string[]; offsets: number[] } {
  const chars = Array.from(source);
  const offsets: number[] = new Array(chars.length + 1);
  let o = 0;
  for (let i = 0; i < chars.length; i++) {
    offsets[i] = o;
    o += chars[i]!.length;
  }
  offsets[chars.length] = o;
  return { chars, offsets };
}

/**
 * expr-lang v1.17's lexer (`parser/lexer/state.go`): `;`, `^`, `|`, `??`, `?.`, `::`, `//` and
 * `/* *\/` comments, backquoted raw strings, `#name` pointers (`#index`, `#acc`), `let`/`if`/`else`
 * keywords, and `not` followed by its own operator token (`not`, `in`) for the parser to negate.
 */
function lexCurrent(source: string): Token[] {
  const tokens: Token[] = [];
  const { chars, offsets } = codePoints(source);
  let pos = 0;
  const at = (i: number) => chars[i] ?? "";
  const emit = (kind: TokenKind, start: number, value: string) =>
    tokens.push({ kind, value, offset: offsets[start]! });
  const fail = (message: string, index: number): never => {
    throw new LexError(message, offsets[Math.min(index, chars.length)]!);
  };
  const word = (start: number) => {
    let p = start;
    while (p < chars.length && isAlphaNumeric(chars[p]!)) p++;
    return p;
  };

  while (pos < chars.length) {
    const start = pos;
    const c = chars[pos]!;
    if (isSpace(c)) {
      pos++;
      continue;
    }
    if (c === "'" || c === '"') {
      pos = scanString(chars, pos, c, fail);
      const decoded = unescapeLiteral(chars.slice(start, pos).join(""));
      if ("error" in decoded) fail(decoded.error, pos);
      emit("String", start, (decoded as { value: string }).value);
      continue;
    }
    if (c === "`") {
      let p = pos + 1;
      while (p < chars.length && chars[p] !== "`") p++;
      if (p >= chars.length) fail("literal not terminated", p);
      emit("String", start, chars.slice(pos + 1, p).join(""));
      pos = p + 1;
      continue;
    }
    if ((c >= "0" && c <= "9") || (c === "." && at(pos + 1) >= "0" && at(pos + 1) <= "9")) {
      pos = scanNumber(chars, pos, fail);
      emit("Number", start, chars.slice(start, pos).join(""));
      continue;
    }
    if (c === "/" && at(pos + 1) === "/") {
      while (pos < chars.length && chars[pos] !== "\n") pos++;
      continue;
    }
    if (c === "/" && at(pos + 1) === "*") {
      pos += 2;
      while (!(at(pos) === "*" && at(pos + 1) === "/")) {
        if (pos >= chars.length) fail("unclosed comment", pos);
        pos++;
      }
      pos += 2;
      continue;
    }
    if (c === "#") {
      pos++;
      if (at(pos) === "#") pos++;
      emit("Operator", start, chars.slice(start, pos).join(""));
      const end = word(pos);
      if (end > pos) emit("Identifier", pos, chars.slice(pos, end).join(""));
      pos = end;
      continue;
    }
    if ("([{)]}".includes(c)) {
      pos++;
      emit("Bracket", start, c);
      continue;
    }
    // Two-rune operators: `??` `?.` `||` `::` `..` and `&!=*<>` followed by one of `&=*`.
    const second = at(pos + 1);
    let width = 1;
    if (c === "?" && (second === "." || second === "?")) width = 2;
    else if ((c === "|" || c === ":" || c === ".") && second === c) width = 2;
    else if ("&!=*<>".includes(c) && second !== "" && "&=*".includes(second)) width = 2;
    if (",;%+-^/?|:.&!=*<>".includes(c)) {
      pos += width;
      emit("Operator", start, chars.slice(start, pos).join(""));
      continue;
    }
    if (isAlphaNumeric(c)) {
      pos = word(pos);
      const text = chars.slice(start, pos).join("");
      if (text === "not") {
        emit("Operator", start, "not");
        let p = pos;
        while (p < chars.length && isSpace(chars[p]!)) p++;
        const end = word(p);
        const next = chars.slice(p, end).join("");
        if (NEGATABLE_OPERATORS.has(next)) {
          emit("Operator", p, next);
          pos = end;
        }
      } else {
        emit(CURRENT_WORD_OPERATORS.has(text) ? "Operator" : "Identifier", start, text);
      }
      continue;
    }
    const code = c.codePointAt(0)!;
    fail(
      `unrecognized character: U+${code.toString(16).toUpperCase().padStart(4, "0")} '${c}'`,
      pos + 1,
    );
  }
  tokens.push({ kind: "EOF", value: "", offset: offsets[Math.max(chars.length - 1, 0)]! });
  return tokens;
}

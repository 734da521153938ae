/** A 1-based line and 1-based column (counted in Unicode code points), as expr prints them. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Longest source excerpt shown in a caret snippet; hostile one-line inputs can be megabytes. */
const SNIPPET_WINDOW = 80;

/** Converts a UTF-16 offset into a line/column position (columns count code points, like Go runes). */
export function positionAt(source: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: codePointCount(source, lineStart, end) + 1 };
}

function codePointCount(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * Renders the offending source line and a caret under the column, in the same shape as expr's
 * `file.Error` (` | source` then ` | ....^`). Long lines are cut to a window around the column.
 */
export function renderSnippet(source: string, position: SourcePosition): string {
  const lines = source.split("\n");
  const text = (lines[position.line - 1] ?? "").replace(/\t/g, " ");
  const chars = Array.from(text);
  let start = 0;
  let column = position.column - 1;
  if (chars.length > SNIPPET_WINDOW) {
    start = Math.max(0, Math.min(column - SNIPPET_WINDOW / 2, chars.length - SNIPPET_WINDOW));
    column -= start;
  }
  const shown = chars.slice(start, start + SNIPPET_WINDOW).join("");
  const prefix = start > 0 ? "…" : "";
  return ` | ${prefix}${shown}\n | ${prefix ? "." : ""}${".".repeat(Math.max(column, 0))}^`;
}

/**
 * A compile-time error in an expression (lexing, parsing, limits, unknown function, bad regex).
 * `message` reads like expr's: `reason (line:column)`; `render()` adds the caret snippet.
 */
export class ExprError extends Error {
  override name = "ExprError";
  /** The error without its position, e.g. `unexpected token Operator("=")`. */
  readonly reason: string;
  /** Where in `source` the error was detected. */
  readonly position: SourcePosition;
  /** The whole expression source. */
  readonly source: string;

  constructor(reason: string, source: string, offset: number) {
    const position = positionAt(source, offset);
    super(`${reason} (${position.line}:${position.column})`);
    this.reason = reason;
    this.position = position;
    this.source = source;
  }

  /** The source line with a caret under the offending column. */
  snippet(): string {
    return renderSnippet(this.source, this.position);
  }

  /** Message, then the source line and caret: what a config error shows to a person. */
  render(): string {
    return `${this.message}\n${this.snippet()}`;
  }
}

/**
 * An error while running a compiled expression (the Go VM's panics: nil member access, type
 * mismatches, memory budget, out-of-range index). CrowdSec treats these as "expression failed".
 */
export class ExprRuntimeError extends ExprError {
  override name = "ExprRuntimeError";
}

/** Internal: a failure inside the lexer, parser or VM; `offset` is filled in where known. */
export class RuntimeFault extends Error {
  override name = "RuntimeFault";
  offset: number | undefined;
}

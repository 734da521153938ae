import { describe, expect, it } from "vitest";
import { ExprError, positionAt, renderSnippet } from "./errors.js";

describe("expression errors", () => {
  it("locates offsets by line and code-point column", () => {
    expect(positionAt("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
    expect(positionAt("😀x", 2)).toEqual({ line: 1, column: 2 });
  });

  it("renders the source line with a caret like expr", () => {
    const error = new ExprError("unexpected token EOF", "a ==", 3);
    expect(error.message).toBe("unexpected token EOF (1:4)");
    expect(error.position).toEqual({ line: 1, column: 4 });
    expect(error.render()).toBe("unexpected token EOF (1:4)\n | a ==\n | ...^");
  });

  it("cuts very long lines to a window around the column", () => {
    const source = `${"x".repeat(10_000)}@${"y".repeat(10_000)}`;
    const snippet = renderSnippet(source, positionAt(source, 10_000));
    const [line, caret] = snippet.split("\n");
    expect(line!.length).toBeLessThan(100);
    expect(line![caret!.indexOf("^")]).toBe("@");
  });
});

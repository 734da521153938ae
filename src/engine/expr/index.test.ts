import { describe, expect, it } from "vitest";
import {
  BINARY_OPERATORS,
  compileExpr,
  createDataFiles,
  ExprError,
  ExprRuntimeError,
  goTypeName,
  withZeroValue,
} from "./index.js";

describe("public API", () => {
  it("throws ExprError with a position and a caret rendering on bad source", () => {
    try {
      compileExpr("evt.Meta.x ==\n  'a' +* 1");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExprError);
      expect(e).not.toBeInstanceOf(ExprRuntimeError);
      const error = e as ExprError;
      expect(error.position).toEqual({ line: 2, column: 8 });
      expect(error.render()).toBe(
        `unexpected token Operator("*") (2:8)\n |   'a' +* 1\n | .......^`,
      );
    }
  });

  it("throws ExprRuntimeError from run, not from compile", () => {
    const compiled = compileExpr("evt.Overflow.Alert.Source.IP");
    expect(compiled.source).toBe("evt.Overflow.Alert.Source.IP");
    expect(() => compiled.run({ evt: { Overflow: { Alert: null } } })).toThrow(ExprRuntimeError);
  });

  it("keeps Go types with runGo so callers can tell int from float64", () => {
    expect(goTypeName(compileExpr("len('ab')").runGo({}))).toBe("int");
    expect(goTypeName(compileExpr("4 / 2.0").runGo({}))).toBe("float64");
    expect(compileExpr("4 / 2.0").run({})).toBe(2);
  });

  it("applies custom limits", () => {
    expect(() => compileExpr("1 + 2 + 3", { maxNodes: 3 })).toThrow(
      /exceeds maximum allowed nodes/,
    );
    expect(() => compileExpr("1 + 2 + 3", { maxNodes: 3, dialect: "crowdsec-1.4" })).toThrow(
      /too large/,
    );
    expect(() => compileExpr("((1))", { maxDepth: 1 })).toThrow(/nested too deeply/);
  });

  it("reads data files through the injected DataFiles", () => {
    const dataFiles = createDataFiles({ "bots.txt": ["curl", "wget"] });
    const compiled = compileExpr("any(File('bots.txt'), {evt.Parsed.ua startsWith #})", {
      dataFiles,
    });
    expect(compiled.run({ evt: { Parsed: { ua: "curl/8.0" } } })).toBe(true);
  });

  it("honours an explicit zero value for maps that are not map[string]string", () => {
    const evt = { Unmarshaled: withZeroValue({ a: "x" }, null) };
    expect(compileExpr("evt.Unmarshaled.b == nil").run({ evt })).toBe(true);
  });

  it("exports the operator table as data", () => {
    expect(BINARY_OPERATORS["**"]).toEqual({ precedence: 70, associativity: "right" });
  });
});

import { describe, expect, it } from "vitest";
import { compileExpr, ExprRuntimeError } from "./index.js";

describe("evaluator", () => {
  it("compiles once and runs many times against different envs", () => {
    const filter = compileExpr(
      "evt.Meta.log_type == 'ssh_failed-auth' && evt.Meta.source_ip != ''",
    );
    expect(
      filter.run({ evt: { Meta: { log_type: "ssh_failed-auth", source_ip: "1.2.3.4" } } }),
    ).toBe(true);
    expect(filter.run({ evt: { Meta: { log_type: "ssh_failed-auth" } } })).toBe(false);
    expect(filter.run({ evt: { Meta: {} } })).toBe(false);
  });

  it("calls env methods with the object as this", () => {
    class Event {
      Meta: Record<string, string> = { k: "v" };
      GetMeta(key: string) {
        return this.Meta[key] ?? "";
      }
    }
    expect(compileExpr("evt.GetMeta('k') + evt.GetMeta('z')").run({ evt: new Event() })).toBe("v");
  });

  it("reads class getters but never Object.prototype members", () => {
    class Alert {
      get Scope() {
        return "Ip";
      }
    }
    expect(compileExpr("Alert.Scope").run({ Alert: new Alert() })).toBe("Ip");
    expect(() => compileExpr("evt.toString()").run({ evt: {} })).toThrow('cannot get "toString"');
    expect(compileExpr("evt.constructor").run({ evt: { a: 1 } })).toBeNull();
  });

  it("reads unknown root names as nil", () => {
    expect(compileExpr("nothing == nil").run({})).toBe(true);
  });

  it("wraps errors thrown by env functions as runtime errors with a position", () => {
    const env = {
      evt: {
        Boom() {
          throw new Error("kaput");
        },
      },
    };
    try {
      compileExpr("1 == 1 && evt.Boom()").run(env);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExprRuntimeError);
      expect((e as ExprRuntimeError).message).toBe("kaput (1:15)");
    }
  });

  it("restores the closure element after nested closures", () => {
    expect(compileExpr("map([1, 2], {# + count([10, 20, 30], {# > 15})})").run({})).toEqual([3, 4]);
  });

  it("caches dynamic regexps per compiled expression and stays correct past the cache size", () => {
    const compiled = compileExpr("evt.s matches evt.p");
    for (let i = 0; i < 600; i++) {
      expect(compiled.run({ evt: { s: `x${i}y`, p: `^x${i}y$` } })).toBe(true);
    }
  });

  it("returns floats as plain numbers", () => {
    expect(compileExpr("[1.5, {'a': 2.0}]").run({})).toEqual([1.5, { a: 2 }]);
  });

  it("resets the memory budget on every run", () => {
    const compiled = compileExpr("len(1..600000)");
    expect(compiled.run({})).toBe(600000);
    expect(compiled.run({})).toBe(600000);
  });
});

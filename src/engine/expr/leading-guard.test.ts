import { describe, expect, it } from "vitest";
import { stringMap } from "../event.js";
import { compileExpr } from "./index.js";
import { compileLeadingGuard } from "./leading-guard.js";

const GUARDED = [
  "evt.Meta.log_type == 'ssh_failed-auth'",
  "'ssh_failed-auth' == evt.Meta.log_type",
  "evt.Meta.log_type in ['http_access-log', 'http_error-log'] && evt.Parsed.verb in ['GET']",
  "evt.Meta.service == 'http' and evt.Meta.sub_type == 'auth_fail' and len(evt.Meta.x) > 0",
  "Upper(PathUnescape(evt.Meta.http_path)) contains Upper('/x') or Lower(evt.Meta.p) == 'y'",
  "(Upper(evt.Meta.http_path) contains 'A' || evt.Meta.log_type == 'b') and evt.Meta.p.q == 1",
  "QueryUnescape(evt.Meta.http_path) startsWith '/a' && evt.Meta.missing.deeper == 1",
  "Lower(evt.Parsed.args) endsWith 'z'",
  "evt.Parsed.program startsWith 'nginx'",
  "evt.Parsed.program contains 'ss' or evt.Parsed.program endsWith 'x' or evt.Meta.p == Upper('y')",
];

const UNGUARDED = [
  "evt.Meta.log_type != 'x'",
  "true && evt.Meta.log_type == 'x'",
  "'a' == 'a'",
  "evt.Meta.a == evt.Meta.b",
  "Upper(evt.Meta.p) matches 'x'",
  "Upper(evt.Meta.p) contains ''",
  "Upper(evt.Meta.p) contains Upper('')",
  "Trim(evt.Meta.p) contains 'x'",
  "evt.Meta.log_type in ['a', 1]",
  "evt.Meta.log_type == 'a' || evt.Meta.n > 1",
  "evt.GetMeta('log_type') == 'a'",
];

/** Events the guarded expressions are tried on: matching, missing and odd values. */
const EVENTS: Record<string, unknown>[] = [
  { Meta: stringMap({ log_type: "ssh_failed-auth" }), Parsed: stringMap({ program: "sshd" }) },
  { Meta: stringMap({ p: "Y" }), Parsed: stringMap({ program: "nginx-proxy" }) },
  { Meta: stringMap({ p: "" }), Parsed: stringMap({ program: "ssx" }) },
  { Meta: stringMap({ log_type: "http_access-log" }), Parsed: stringMap({ verb: "GET" }) },
  { Meta: stringMap({ service: "http", sub_type: "auth_fail" }), Parsed: stringMap() },
  { Meta: stringMap({ http_path: "/X%2fy", p: "Y" }), Parsed: stringMap({ args: "Z" }) },
  { Meta: stringMap({ http_path: "/a" }), Parsed: stringMap({ args: "" }) },
  { Meta: stringMap(), Parsed: stringMap() },
  { Meta: { log_type: 7, http_path: 3 }, Parsed: stringMap() },
  { Meta: null, Parsed: null },
];

/** The expression's outcome: its value, or its error message. */
function outcome(source: string, env: Record<string, unknown>): unknown {
  try {
    return compileExpr(source).run(env);
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe("compileLeadingGuard", () => {
  it("finds a guard in filters that start with comparisons of one member read", () => {
    for (const source of GUARDED) expect(compileLeadingGuard(source), source).not.toBeNull();
  });

  it("finds none when the leading operand can be true on an empty or unlisted value", () => {
    for (const source of UNGUARDED) expect(compileLeadingGuard(source), source).toBeNull();
  });

  it("answers false only where the expression evaluates to false without an error", () => {
    let skipped = 0;
    for (const source of GUARDED) {
      const guard = compileLeadingGuard(source)!;
      for (const evt of EVENTS) {
        const env = { evt };
        if (guard(env)) continue;
        skipped++;
        expect(outcome(source, env), `${source} on ${JSON.stringify(evt)}`).toBe(false);
      }
    }
    // Most (expression, event) pairs are decided by the guard alone.
    expect(skipped).toBeGreaterThan(GUARDED.length * 3);
  });

  it("defers to the expression when the read fails or is not a string", () => {
    const guard = compileLeadingGuard("evt.Meta.log_type == 'x' && evt.Meta.y == 'z'")!;
    expect(guard({ evt: { Meta: null } })).toBe(true);
    expect(outcome("evt.Meta.log_type == 'x'", { evt: { Meta: null } })).toMatch(/^error: /);
    expect(guard({ evt: { Meta: { log_type: 7 } } })).toBe(true);
    expect(guard({ evt: { Meta: stringMap({ log_type: "x" }) } })).toBe(true);
    expect(guard({ evt: { Meta: stringMap({ log_type: "w" }) } })).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { decodeAs, parseGoJson, t } from "./go-json";

describe("parseGoJson", () => {
  it.each([
    ["", "EOF"],
    ["te", "invalid character 'e' in literal true (expecting 'r')"],
    ["x", "invalid character 'x' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', "invalid character '\"' after object key:value pair"],
    ["[1 2]", "invalid character '2' after array element"],
    ['{"a":', "unexpected EOF"],
    ["{a:1}", "invalid character 'a' looking for beginning of object key string"],
  ])("reports %j as Go does", (text, message) => {
    expect(parseGoJson(text)).toEqual({ ok: false, message });
  });

  it("refuses nesting deeper than 10,000 like encoding/json, even when balanced", () => {
    const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    expect(parseGoJson(deep(10_000)).ok).toBe(true);
    expect(parseGoJson(deep(10_001))).toEqual({
      ok: false,
      message: "invalid character '[' exceeded max depth",
    });
    expect(parseGoJson(`{"a":${"[".repeat(20_000)}${"]".repeat(20_000)}}`)).toEqual({
      ok: false,
      message: "invalid character '[' exceeded max depth",
    });
    // Many brackets, shallow: accepted.
    expect(parseGoJson(`[${Array(12_000).fill("[]").join(",")}]`).ok).toBe(true);
  });

  it("ignores what follows the first value, like a Go decoder", () => {
    expect(parseGoJson('{"a":1} trailing')).toEqual({ ok: true, value: { a: 1 } });
  });
});

describe("decodeAs", () => {
  const login = t.struct("WatcherAuthRequest", {
    machine_id: { type: t.string, required: true },
    password: { type: t.string, required: true },
    scenarios: { type: t.array(t.string) },
  });

  it("matches keys case-insensitively and ignores unknown keys", () => {
    expect(decodeAs({ Machine_ID: "m", password: "p", extra: 1 }, login, "x")).toEqual({
      ok: true,
      value: { machine_id: "m", password: "p" },
    });
  });

  it("lists missing required fields with go-swagger wording", () => {
    expect(decodeAs({ scenarios: null }, login, "x")).toEqual({
      ok: false,
      kind: "validation",
      message:
        "validation failure list:\nmachine_id in body is required\npassword in body is required",
    });
  });

  it("names the Go struct field on a type error", () => {
    const metrics = t.struct("AllMetrics", {
      remediation_components: {
        type: t.array(t.struct("RC", { utc_startup_timestamp: { type: t.int64, required: true } })),
      },
    });
    const r = decodeAs(
      { remediation_components: [{ utc_startup_timestamp: "x" }] },
      metrics,
      "AllMetrics",
    );
    expect(r).toEqual({
      ok: false,
      kind: "type",
      message:
        "json: cannot unmarshal string into Go struct field AllMetrics.remediation_components.utc_startup_timestamp of type int64",
    });
  });

  it("reports a top-level type mismatch against the named Go value", () => {
    const alerts = t.array(t.struct("Alert", {}));
    expect(decodeAs({}, alerts, "models.AddAlertsRequest")).toMatchObject({
      message: "json: cannot unmarshal object into Go value of type models.AddAlertsRequest",
    });
  });

  it("prefixes array indexes in validation paths", () => {
    const alerts = t.array(t.struct("Alert", { scenario: { type: t.string, required: true } }));
    expect(decodeAs([{ scenario: "a" }, {}], alerts, "models.AddAlertsRequest")).toMatchObject({
      message: "validation failure list:\n1.scenario in body is required",
    });
  });
});

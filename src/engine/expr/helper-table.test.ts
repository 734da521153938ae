import { describe, expect, it } from "vitest";
import { CROWDSEC_HELPER_NAMES, CROWDSEC_HELPERS, UNSUPPORTED_HELPERS } from "./helper-table.js";
import { compileExpr } from "./index.js";

/** The 26 helpers of CrowdSec 1.4.6 (`GetExprEnv` in `pkg/exprhelpers/exprlib.go`). */
const HELPERS_146 = [
  "Atof",
  "JsonExtract",
  "JsonExtractUnescape",
  "JsonExtractLib",
  "JsonExtractSlice",
  "JsonExtractObject",
  "ToJsonString",
  "File",
  "RegexpInFile",
  "Upper",
  "Lower",
  "IpInRange",
  "TimeNow",
  "ParseUri",
  "PathUnescape",
  "QueryUnescape",
  "PathEscape",
  "QueryEscape",
  "XMLGetAttributeValue",
  "XMLGetNodeValue",
  "IpToRange",
  "IsIPV6",
  "LookupHost",
  "GetDecisionsCount",
  "GetDecisionsSinceCount",
  "Sprintf",
];

describe("CrowdSec helper table", () => {
  it("registers Go's exprFuncs table in its order, a superset of 1.4.6's helpers", () => {
    expect(Object.keys(CROWDSEC_HELPERS)).toEqual([...CROWDSEC_HELPER_NAMES]);
    for (const name of HELPERS_146) expect(CROWDSEC_HELPERS[name], name).toBeDefined();
  });

  it("leaves the unsupported entries unknown, so expressions using them fail to compile", () => {
    for (const name of Object.keys(UNSUPPORTED_HELPERS)) {
      expect(CROWDSEC_HELPERS[name]).toBeUndefined();
      expect(() => compileExpr(`${name}('a')`)).toThrow(`unknown func ${name}`);
    }
  });

  for (const [name, spec] of Object.entries(CROWDSEC_HELPERS)) {
    it(`${name} ${spec.signature} checks its argument count at compile time`, () => {
      const tooMany = Array.from({ length: spec.params.length + 1 }, () => "'a'").join(", ");
      if (spec.variadic) {
        expect(() => compileExpr(`${name}(${tooMany})`)).not.toThrow();
      } else {
        expect(() => compileExpr(`${name}(${tooMany})`)).toThrow(
          `too many arguments to call ${name}`,
        );
      }
      if (spec.params.length > 0) {
        expect(() => compileExpr(`${name}()`)).toThrow(`not enough arguments to call ${name}`);
      }
    });
  }

  it("lets caller functions override a helper and add new ones", () => {
    const compiled = compileExpr("Upper('a') + Custom('1.2.3.4')", {
      functions: { Upper: () => "X", Custom: (ip) => `:${String(ip)}` },
    });
    expect(compiled.run({})).toBe("X:1.2.3.4");
  });

  it("rejects a string parameter of another type at run time like Go's reflect call", () => {
    expect(() => compileExpr("Upper(1)").run({})).toThrow("reflect: Call using int as type string");
    expect(() => compileExpr("Upper(nil)").run({})).toThrow(
      "reflect: Call using zero Value argument",
    );
  });
});

describe("provider-backed helpers", () => {
  it("read and write the stash provider", () => {
    const store = new Map<string, string>();
    const stash = {
      get: (cache: string, key: string) => store.get(`${cache}/${key}`) ?? "",
      set: (cache: string, key: string, value: string) => void store.set(`${cache}/${key}`, value),
    };
    const providers = { stash };
    compileExpr("SetInStash('pids', '42', 'sshd', nil)", { providers }).run({});
    expect(compileExpr("GetFromStash('pids', '42')", { providers }).run({})).toBe("sshd");
  });

  it("count decisions through the decisions provider (since: now minus a day-aware duration)", () => {
    const calls: { value: string; since: Date | null; activeOnly: boolean }[] = [];
    const decisions = {
      count: (value: string, o: { since: Date | null; activeOnly: boolean }) => {
        calls.push({ value, ...o });
        return 3;
      },
      timeLeft: () => 4 * 3_600_000_000_000,
    };
    const run = (e: string) => compileExpr(e, { providers: { decisions } }).run({});
    expect(run("GetDecisionsCount('1.2.3.4')")).toBe(3);
    expect(run("GetActiveDecisionsCount('1.2.3.4')")).toBe(3);
    expect(run("GetDecisionsSinceCount('1.2.3.4', '1d')")).toBe(3);
    expect(run("GetDecisionsSinceCount('1.2.3.4', 'soon')")).toBe(0);
    expect(run("GetActiveDecisionsTimeLeft('1.2.3.4') > duration('3h')")).toBe(true);
    expect(calls.map((c) => c.activeOnly)).toEqual([false, true, false]);
    const since = calls[2]!.since!.getTime();
    expect(Math.abs(Date.now() - 86_400_000 - since)).toBeLessThan(5_000);
  });

  it("answer CTI, DNS, GeoIP, host name, HTTP and logs through their providers", () => {
    const logs: string[] = [];
    const providers = {
      cti: (ip: string) => ({ ip, reputation: "malicious" }),
      lookupHost: () => ["192.0.2.1"],
      geoip: {
        city: () => ({ Country: { IsoCode: "FR" } }),
        asn: () => ({ AutonomousSystemNumber: 64_496 }),
        range: () => "192.0.2.0/24",
      },
      hostname: () => "agent-1",
      http: (r: { method: string; url: string; headers: Record<string, string> }) => ({
        StatusCode: 200,
        Body: `${r.method} ${r.url} ${r.headers.a}`,
        Headers: {},
      }),
      log: (m: string) => void logs.push(m),
    };
    const run = (e: string) => compileExpr(e, { providers }).run({});
    expect(run("CrowdsecCTI('1.2.3.4').reputation")).toBe("malicious");
    expect(run("LookupHost('x')")).toEqual(["192.0.2.1"]);
    expect(run("IPToCountry('1.2.3.4')")).toBe("FR");
    expect(run("GeoIPASNEnrich('1.2.3.4').AutonomousSystemNumber")).toBe(64_496);
    expect(run("Hostname()")).toBe("agent-1");
    expect(run("HTTPRequest('GET', 'http://x/', {'a': 1}, '').Body")).toBe("GET http://x/ 1");
    expect(run("LogInfo('ip %s', '1.2.3.4')")).toBe(true);
    expect(logs).toEqual(["ip 1.2.3.4"]);
  });
});

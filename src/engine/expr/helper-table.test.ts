import { describe, expect, it } from "vitest";
import { createDataFiles } from "./data-files.js";
import { CROWDSEC_HELPERS } from "./helper-table.js";
import { compileExpr } from "./index.js";

/** At least one behaviour per helper: [expression, env, expected result]. */
const EXAMPLES: Record<string, [string, Record<string, unknown>, unknown][]> = {
  Atof: [["Atof('2.5') * 2", {}, 5]],
  JsonExtract: [["JsonExtract(raw, 'a.b[1]')", { raw: '{"a":{"b":[0,"x"]}}' }, "x"]],
  JsonExtractUnescape: [
    ["JsonExtractUnescape(raw, 'a', 'b')", { raw: '{"a":{"b":"\\u00e9"}}' }, "é"],
  ],
  JsonExtractLib: [["JsonExtractLib(raw, 'a', '[0]')", { raw: '{"a":["v"]}' }, "v"]],
  JsonExtractSlice: [["JsonExtractSlice(raw, 'a')", { raw: '{"a":[1,"x"]}' }, [1, "x"]]],
  JsonExtractObject: [["JsonExtractObject(raw, 'a').k", { raw: '{"a":{"k":"v"}}' }, "v"]],
  ToJsonString: [["ToJsonString(['a', 1])", {}, '["a",1]']],
  File: [["File('list.txt')", {}, ["a", "b"]]],
  RegexpInFile: [["RegexpInFile('Nikto/2', 'ua.regex')", {}, true]],
  Upper: [["Upper('abc')", {}, "ABC"]],
  Lower: [["Lower('ABC')", {}, "abc"]],
  IpInRange: [["IpInRange('10.1.2.3', '10.0.0.0/8')", {}, true]],
  TimeNow: [
    ["TimeNow() matches '^\\\\d{4}-\\\\d{2}-\\\\d{2}T\\\\d{2}:\\\\d{2}:\\\\d{2}Z$'", {}, true],
  ],
  ParseUri: [["ParseUri('/a?x=1&x=2').x", {}, ["1", "2"]]],
  PathUnescape: [["PathUnescape('%2e%2e/etc')", {}, "../etc"]],
  QueryUnescape: [["QueryUnescape('a+b')", {}, "a b"]],
  PathEscape: [["PathEscape('a b')", {}, "a%20b"]],
  QueryEscape: [["QueryEscape('a b')", {}, "a+b"]],
  XMLGetAttributeValue: [["XMLGetAttributeValue('<a><b k=\"v\"/></a>', '/a/b', 'k')", {}, "v"]],
  XMLGetNodeValue: [["XMLGetNodeValue('<a><b>t</b></a>', '//b')", {}, "t"]],
  IpToRange: [["IpToRange('10.1.2.3', '/8')", {}, "10.0.0.0/8"]],
  IsIPV6: [["IsIPV6('::1')", {}, true]],
  Sprintf: [["Sprintf('%s=%d', 'n', 3)", {}, "n=3"]],
};

const dataFiles = createDataFiles({ "list.txt": ["a", "b"] }, { "ua.regex": ["(?i)^nikto"] });

describe("CrowdSec helper table", () => {
  it("registers the 23 I/O-free helpers of CrowdSec 1.4.6", () => {
    expect(Object.keys(CROWDSEC_HELPERS).sort()).toEqual(Object.keys(EXAMPLES).sort());
    for (const name of ["LookupHost", "GetDecisionsCount", "GetDecisionsSinceCount"]) {
      expect(CROWDSEC_HELPERS[name]).toBeUndefined();
    }
  });

  for (const [name, spec] of Object.entries(CROWDSEC_HELPERS)) {
    it(`${name} ${spec.signature} behaves as in CrowdSec`, () => {
      const examples = EXAMPLES[name];
      expect(examples, `no example for ${name}`).toBeDefined();
      for (const [source, env, want] of examples!) {
        expect(compileExpr(source, { dataFiles }).run(env)).toEqual(want);
      }
    });

    it(`${name} checks its argument count at compile time`, () => {
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
    const compiled = compileExpr("Upper('a') + GetDecisionsCount('1.2.3.4')", {
      functions: { Upper: () => "X", GetDecisionsCount: (ip) => `:${String(ip)}` },
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

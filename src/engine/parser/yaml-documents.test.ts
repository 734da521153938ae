import { describe, expect, it } from "vitest";
import { decodeYamlDocuments, yamlBool } from "./yaml-documents.js";

describe("YAML decoding as go-yaml v2 sees it", () => {
  it("keeps scalars' source text (numbers, floats, YAML 1.1 booleans) and nulls", () => {
    const [doc] = decodeYamlDocuments("a: 22\nb: 2.0\nc: yes\nd: ~\ne:\nf: 0x1F\ng: 'quoted'\n");
    expect(doc).toEqual({ a: "22", b: "2.0", c: "yes", d: null, e: null, f: "0x1F", g: "quoted" });
  });

  it("splits documents and returns empty ones as null", () => {
    expect(decodeYamlDocuments("a: 1\n---\n# nothing\n---\nb: 2\n")).toEqual([
      { a: "1" },
      null,
      { b: "2" },
    ]);
  });

  it("rejects duplicate keys like go-yaml", () => {
    expect(() => decodeYamlDocuments("a: 1\na: 2\n")).toThrow(/document 1/);
  });

  it("reads YAML 1.1 booleans for bool fields", () => {
    expect(yamlBool.parse("on")).toBe(true);
    expect(yamlBool.parse("No")).toBe(false);
    expect(yamlBool.parse(undefined)).toBe(false);
    expect(yamlBool.safeParse("maybe").success).toBe(false);
  });
});

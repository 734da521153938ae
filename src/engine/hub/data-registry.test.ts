import { describe, expect, it } from "vitest";
import { createDataRegistry } from "./data-registry.js";

describe("data files (1.4.6 exprhelpers.FileInit)", () => {
  const files: Record<string, string> = {
    "list.txt": "# comment\n\nalpha\r\n beta \n",
    "shipped-name.regex": "^bot\n(?i)crawler\n",
  };
  const read = (name: string) => files[name] ?? null;

  it("skips comments and empty lines, drops a trailing CR, and does not trim", () => {
    const data = createDataRegistry(read);
    expect(data.load({ source_url: "", dest_file: "list.txt", type: "string" })).toEqual({
      file: "list.txt",
      problem: null,
    });
    expect(data.strings["list.txt"]).toEqual(["alpha", " beta "]);
  });

  it("appends when the same dest_file is loaded twice", () => {
    const data = createDataRegistry(read);
    data.load({ source_url: "", dest_file: "list.txt", type: "string" });
    data.load({ source_url: "", dest_file: "list.txt", type: "string" });
    expect(data.strings["list.txt"]).toHaveLength(4);
  });

  it("falls back to the source_url file name and keys the lines by dest_file", () => {
    const data = createDataRegistry(read);
    const result = data.load({
      source_url: "https://example.invalid/x/shipped-name.regex",
      dest_file: "wanted.regex",
      type: "regexp",
    });
    expect(result.file).toBe("shipped-name.regex");
    expect(data.regexps["wanted.regex"]).toEqual(["^bot", "(?i)crawler"]);
  });

  it("reports a missing file and an unknown type without loading anything", () => {
    const data = createDataRegistry(read);
    expect(
      data.load({ source_url: "", dest_file: "absent.txt", type: "string" }).problem,
    ).toContain("absent.txt");
    expect(data.load({ source_url: "", dest_file: "list.txt", type: "json" }).problem).toContain(
      "unknown data type",
    );
    expect(data.strings["absent.txt"]).toBeUndefined();
  });

  it("puts a result cache in front of a regexp file that sets strategy, size or ttl (HEAD)", () => {
    const data = createDataRegistry(read);
    data.load({ source_url: "", dest_file: "list.txt", type: "string", size: 10 });
    data.load({ source_url: "", dest_file: "shipped-name.regex", type: "regexp", ttl: 5000 });
    expect(data.caches).toEqual({
      "shipped-name.regex": { strategy: "LRU", size: 50, ttlMs: 5000 },
    });
    const off = createDataRegistry(read);
    off.load({ source_url: "", dest_file: "shipped-name.regex", type: "regexp", cache: false });
    off.load({ source_url: "", dest_file: "shipped-name.regex", type: "regexp" });
    expect(off.caches).toEqual({});
  });

  it("reads a type: map file as JSON rows, skipping empty and # lines, and reports a bad line", () => {
    const files: Record<string, string> = {
      "tech.json":
        '## probing\n\n{"tag": "t1", "pattern": "/a", "type": "equals"}\r\n{"tag": "t2", "pattern": "b", "type": "contains"}\n',
      "bad.json": '{"tag": "t1", "pattern": "/a"}\n',
    };
    const data = createDataRegistry((name) => files[name] ?? null);
    expect(data.load({ source_url: "", dest_file: "tech.json", type: "map" }).problem).toBeNull();
    expect(data.maps["tech.json"]).toEqual([
      { tag: "t1", pattern: "/a", type: "equals" },
      { tag: "t2", pattern: "b", type: "contains" },
    ]);
    expect(data.load({ source_url: "", dest_file: "bad.json", type: "map" }).problem).toMatch(
      /missing mandatory 'type' field in bad.json/,
    );
    expect(data.maps["bad.json"]).toBeUndefined();
  });
});

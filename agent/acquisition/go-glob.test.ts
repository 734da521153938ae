import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/acquisition.js";
import { goGlob, segmentRegExp } from "./go-glob.js";

const t = tempDir();
afterAll(t.cleanup);
for (const path of [
  "a.log",
  "b.log",
  ".hidden.log",
  "c.txt",
  "x1.log",
  "xa.log",
  "sub/d.log",
  "sub/deep/e.log",
]) {
  mkdirSync(join(t.dir, path, ".."), { recursive: true });
  writeFileSync(join(t.dir, path), "");
}
const names = (pattern: string) =>
  goGlob(join(t.dir, pattern)).map((p) => p.slice(t.dir.length + 1));

describe("Go filepath.Glob semantics", () => {
  it("* matches dot files and never crosses a slash", () => {
    expect(names("*.log")).toEqual([".hidden.log", "a.log", "b.log", "x1.log", "xa.log"]);
    expect(names("*/*.log")).toEqual(["sub/d.log"]);
  });

  it("has no ** (it is a plain * inside one segment)", () => {
    expect(names("**/e.log")).toEqual([]);
    expect(names("sub/*/e.log")).toEqual(["sub/deep/e.log"]);
  });

  it("supports ?, classes, ranges, ^ negation and escapes", () => {
    expect(names("?.log")).toEqual(["a.log", "b.log"]);
    expect(names("x[0-9].log")).toEqual(["x1.log"]);
    expect(names("x[^0-9].log")).toEqual(["xa.log"]);
    expect(names("[ab].l\\og")).toEqual(["a.log", "b.log"]);
  });

  it("matches a literal path only when it exists", () => {
    expect(names("c.txt")).toEqual(["c.txt"]);
    expect(names("missing.txt")).toEqual([]);
  });

  it("rejects an unterminated class like Go's ErrBadPattern", () => {
    expect(segmentRegExp("[abc")).toBeNull();
    expect(() => goGlob(join(t.dir, "[abc"))).toThrow(/syntax error in pattern/);
  });
});

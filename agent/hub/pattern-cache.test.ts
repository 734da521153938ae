import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  compileGrok,
  GrokError,
  libraryExpansions,
  loadPatterns,
} from "../../src/engine/grok/index.js";
import { makeTempDir, removeDir } from "../../test/oracle/crowdsec-config.js";
import { loadPatternsCached, patternCacheKey } from "./pattern-cache.js";

const FILES = {
  "001": "RWORD \\b\\w+\\b\nRNUM [0-9]+\nRPAIR %{RWORD:key}=%{RNUM:value}\n",
  "002": "RLINE %{RPAIR} (?P<raw>x)?%{RWORD:tail}\n",
};

describe("the compiled grok library cache", () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir("pattern-cache");
  });
  afterEach(() => removeDir(dir));

  it("stores a validated library, then restores one that matches exactly like a fresh build", () => {
    expect(loadPatternsCached(FILES, dir).outcome).toBe("stored");
    const restored = loadPatternsCached(FILES, dir);
    expect(restored.outcome).toBe("hit");
    const fresh = loadPatterns(FILES);
    for (const line of ["a=1 b", "key=42 x tail", "nothing here"]) {
      expect(compileGrok("%{RLINE}", restored.library).match(line)).toEqual(
        compileGrok("%{RLINE}", fresh).match(line),
      );
    }
    expect(compileGrok("%{RLINE}", restored.library).match("a=1 b")).toEqual({
      key: "a",
      value: "1",
      tail: "b",
    });
  });

  it("misses when a pattern file changes, and never stores a library that does not validate", () => {
    loadPatternsCached(FILES, dir);
    const edited = { ...FILES, "002": "RLINE %{RPAIR} %{MISSING}\n" };
    expect(patternCacheKey(edited)).not.toBe(patternCacheKey(FILES));
    expect(() => loadPatternsCached(edited, dir)).toThrow(GrokError);
    expect(readdirSync(dir)).toEqual([patternCacheKey(FILES)]);
  });

  it("rebuilds over a corrupt cache file, and works without a writable directory", () => {
    loadPatternsCached(FILES, dir);
    writeFileSync(join(dir, patternCacheKey(FILES)), "{not json");
    expect(loadPatternsCached(FILES, dir).outcome).toBe("stored");
    expect(JSON.parse(readFileSync(join(dir, patternCacheKey(FILES)), "utf8"))).toEqual(
      libraryExpansions(loadPatterns(FILES)),
    );
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    expect(loadPatternsCached(FILES, join(file, "sub")).outcome).toBe("built");
    expect(loadPatternsCached(FILES, null).outcome).toBe("built");
  });
});

import { describe, expect, it } from "vitest";
import { defaultCompilerFactory } from "../hub/expr-compiler.js";
import type { HubSource } from "../hub/hub-loader.js";
import { compileHubScenarios } from "./hub-scenarios.js";

const INDEX = {
  collections: {
    "me/col": {
      path: "collections/me/col.yaml",
      version: "1.0",
      scenarios: ["me/words", "me/broken", "me/absent"],
    },
  },
  scenarios: {
    "me/words": {
      path: "scenarios/me/words.yaml",
      version: "0.3",
      versions: { "0.3": { digest: "abc123" } },
    },
    "me/broken": { path: "scenarios/me/broken.yaml", version: "0.1" },
  },
};

const FILES: Record<string, string> = {
  ".index.json": JSON.stringify(INDEX),
  "scenarios/me/words.yaml": `type: trigger
name: me/words
description: d
filter: "evt.Meta.word in File('words.txt')"
data:
  - source_url: https://example.org/renamed.txt
    dest_file: words.txt
    type: string
`,
  "scenarios/me/broken.yaml": `type: leaky\nname: me/broken\ndescription: d\nfilter: "true"\n`,
};

const source: HubSource = {
  readHub: (path) => FILES[path] ?? null,
  readData: (name) => (name === "words.txt" ? "alpha\nbeta\n" : null),
  patterns: {},
};

describe("compileHubScenarios", () => {
  it("compiles a collection's scenarios with their data, hub version and index digest", () => {
    const result = compileHubScenarios(source, {
      collections: ["me/col"],
      compilerFactory: defaultCompilerFactory,
    });
    expect(result.scenarios.map((s) => [s.name, s.version, s.hash])).toEqual([
      ["me/words", "0.3", "abc123"],
    ]);
    expect(result.missing).toEqual(["scenarios:me/absent"]);
    expect(result.problems).toEqual([
      {
        path: "scenarios/broken.yaml",
        reason: "scenarios/broken.yaml (me/broken): capacity: bad capacity for leaky '0'",
      },
    ]);
    const evt = { Meta: { word: "beta" } };
    expect(result.scenarios[0]!.filter.run({ evt })).toBe(true);
  });

  it("prefers the caller's hash of the file content", () => {
    const result = compileHubScenarios(source, {
      scenarios: ["me/words"],
      compilerFactory: defaultCompilerFactory,
      hash: (content) => `len-${content.length}`,
      simulated: (name) => name === "me/words",
    });
    expect(result.scenarios[0]).toMatchObject({
      hash: `len-${FILES["scenarios/me/words.yaml"]!.length}`,
      simulated: true,
    });
  });
});

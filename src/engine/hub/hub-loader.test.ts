import { describe, expect, it } from "vitest";
import { newLogEvent } from "../event.js";
import { defaultCompilerFactory } from "./expr-compiler.js";
import { type HubSource, loadHub } from "./hub-loader.js";

const files: Record<string, string> = {
  ".index.json": JSON.stringify({
    parsers: {
      "t/raw": { path: "parsers/s00-raw/t/raw.yaml", stage: "s00-raw" },
      "t/broken": { path: "parsers/s01-parse/t/broken.yaml", stage: "s01-parse" },
      "t/half": { path: "parsers/s01-parse/t/half.yaml", stage: "s01-parse" },
      "t/absent": { path: "parsers/s01-parse/t/absent.yaml", stage: "s01-parse" },
    },
    scenarios: {
      "t/good": { path: "scenarios/t/good.yaml" },
      "t/bad-filter": { path: "scenarios/t/bad-filter.yaml" },
    },
    postoverflows: {},
    collections: {
      "t/all": {
        path: "collections/t/all.yaml",
        parsers: ["t/raw", "t/broken", "t/half", "t/absent"],
        scenarios: ["t/good", "t/bad-filter", "t/ghost"],
      },
    },
  }),
  "parsers/s00-raw/t/raw.yaml":
    "name: t/raw\nonsuccess: next_stage\nstatics:\n  - parsed: message\n    expression: evt.Line.Raw\n",
  "parsers/s01-parse/t/broken.yaml": "name: t/broken\n  bad: [indent\n",
  "parsers/s01-parse/t/half.yaml":
    "name: t/half-ok\nstatics:\n  - meta: a\n    value: b\n---\nname: t/half-bad\nfilter: 'evt.Nope('\nstatics:\n  - meta: a\n    value: b\n",
  "scenarios/t/good.yaml": `type: leaky
name: t/good
description: d
filter: "evt.Meta.a in File('words.txt')"
groupby: evt.Meta.source_ip
capacity: 1
leakspeed: 10s
data:
  - dest_file: words.txt
    type: string
`,
  "scenarios/t/bad-filter.yaml":
    "type: trigger\nname: t/bad-filter\ndescription: d\nfilter: 'evt.Meta.a =='\n",
};

const source: HubSource = {
  readHub: (path) => files[path] ?? null,
  readData: () => null,
  patterns: {},
};

describe("loadHub on an in-memory hub", () => {
  const hub = loadHub(source, { collections: ["t/all"], compilerFactory: defaultCompilerFactory });
  const status = (name: string) => hub.report.items.find((item) => item.name === name);

  it("reports each item's status with its reasons instead of failing the load", () => {
    expect(status("t/raw")?.status).toBe("loaded");
    expect(status("t/broken")).toMatchObject({ status: "failed", loaded: 0 });
    expect(status("t/broken")?.problems[0]?.kind).toBe("yaml");
    expect(status("t/half")).toMatchObject({ status: "partial", loaded: 1 });
    expect(status("t/half")?.problems[0]).toMatchObject({ kind: "compile", name: "t/half-bad" });
    expect(status("t/absent")?.problems[0]?.reason).toContain("not found");
    expect(status("t/bad-filter")?.status).toBe("failed");
    expect(status("t/bad-filter")?.problems[0]?.reason).toContain("filter");
    expect(hub.report.missing).toEqual([
      { type: "scenarios", name: "t/ghost", requiredBy: "t/all" },
    ]);
  });

  it("loads an item whose data file is missing, with a warning", () => {
    expect(status("t/good")).toMatchObject({ status: "loaded", loaded: 1 });
    expect(status("t/good")?.warnings.join()).toContain("words.txt");
    const evt = newLogEvent({ Raw: "x" });
    evt.Meta.a = "anything";
    expect(hub.scenarios.find((s) => s.name === "t/good")?.filter.run({ evt })).toBe(false);
  });

  it("builds the parser pipeline from the items that loaded", () => {
    expect(hub.parsers.nodes.map((node) => node.name)).toEqual(["t/raw", "t/half-ok"]);
    const evt = newLogEvent({ Raw: "hello" });
    expect(hub.parsers.parse(evt).process).toBe(true);
    expect(evt.Parsed.message).toBe("hello");
  });
});

import { describe, expect, it } from "vitest";
import { newLogEvent } from "../event.js";
import { defaultCompilerFactory } from "./expr-compiler.js";
import { describeSkipped, type HubSource, loadHub, readHubIndex } from "./hub-loader.js";
import { renderLoadProblem } from "./load-problem.js";
import { memoryHub } from "./memory-hub.js";

const files: Record<string, string> = {
  ".index.json": JSON.stringify({
    parsers: {
      "t/raw": { path: "parsers/s00-raw/t/raw.yaml", stage: "s00-raw" },
      "t/broken": { path: "parsers/s01-parse/t/broken.yaml", stage: "s01-parse" },
      "t/half": { path: "parsers/s01-parse/t/half.yaml", stage: "s01-parse" },
      "t/absent": { path: "parsers/s01-parse/t/absent.yaml", stage: "s01-parse" },
    },
    scenarios: {
      "t/good": {
        path: "scenarios/t/good.yaml",
        version: "0.3",
        versions: { "0.3": { digest: "abc123" } },
      },
      "t/bad-filter": { path: "scenarios/t/bad-filter.yaml" },
      "t/bad-member": { path: "scenarios/t/bad-member.yaml" },
    },
    "appsec-rules": { "t/vpatch": { path: "appsec-rules/t/vpatch.yaml" } },
    postoverflows: {},
    collections: {
      "t/all": {
        path: "collections/t/all.yaml",
        parsers: ["t/raw", "t/broken", "t/half", "t/absent"],
        scenarios: ["t/good", "t/bad-filter", "t/bad-member", "t/ghost"],
        "appsec-rules": ["t/vpatch"],
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
  "scenarios/t/bad-member.yaml":
    "type: trigger\nname: t/bad-member\ndescription: d\nfilter: 'evt.Metas.a == \"x\"'\n",
  "scenarios/t/bad-filter.yaml":
    "type: trigger\nname: t/bad-filter\ndescription: d\nfilter: 'evt.Meta.a =='\n",
};

const source: HubSource = {
  readHub: (path) => files[path] ?? null,
  readData: () => null,
  patterns: {},
};

describe("loadHub on an in-memory hub", () => {
  const hub = loadHub(source, readHubIndex(source), {
    selection: { collections: ["t/all"], parsers: ["t/nowhere"] },
    compilerFactory: defaultCompilerFactory,
  });
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
      { type: "parsers", name: "t/nowhere", requiredBy: "(requested)" },
    ]);
  });

  it("refuses at load a filter naming a member Event does not have", () => {
    expect(status("t/bad-member")?.status).toBe("failed");
    expect(status("t/bad-member")?.problems[0]?.reason).toContain(
      "type types.Event has no field Metas",
    );
  });

  it("skips AppSec members of a collection with a note instead of failing", () => {
    expect(hub.report.skipped).toEqual([
      { type: "appsec-rules", name: "t/vpatch", requiredBy: "t/all" },
    ]);
    expect(describeSkipped(hub.report.skipped ?? [])).toEqual([
      "skipped 1 appsec-rules (AppSec (WAF) is not supported): t/vpatch",
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

describe("loadHub scenarios", () => {
  it("compiles scenarios with the hub version and, absent a hash function, the index digest", () => {
    const hub = loadHub(source, readHubIndex(source), {
      selection: { scenarios: ["t/good"] },
      compilerFactory: defaultCompilerFactory,
    });
    expect(hub.scenarios.map((s) => [s.name, s.version, s.hash])).toEqual([
      ["t/good", "0.3", "abc123"],
    ]);
    expect(hub.parsers.nodes).toEqual([]);
  });

  it("prefers the caller's hash of the file content and marks simulated scenarios", () => {
    const hub = loadHub(source, readHubIndex(source), {
      selection: { scenarios: ["t/good"] },
      compilerFactory: defaultCompilerFactory,
      hash: (content) => `len-${content.length}`,
      simulated: (name) => name === "t/good",
    });
    expect(hub.scenarios[0]).toMatchObject({
      hash: `len-${files["scenarios/t/good.yaml"]!.length}`,
      simulated: true,
    });
  });

  it("checks every item of the index in its own scope, returning no pipelines", () => {
    const hub = loadHub(source, readHubIndex(source), {
      selection: "every",
      compilerFactory: defaultCompilerFactory,
    });
    expect(hub.report.items.map((item) => item.name).sort()).toEqual(
      ["t/absent", "t/bad-filter", "t/bad-member", "t/broken", "t/good", "t/half", "t/raw"].sort(),
    );
    expect(hub.report.skipped).toEqual([
      { type: "appsec-rules", name: "t/vpatch", requiredBy: "(index)" },
    ]);
    expect(hub.parsers.nodes).toEqual([]);
    expect(hub.scenarios).toEqual([]);
  });
});

describe("one rendering of a bad expression", () => {
  it("names file, scenario and key, then the source line with a caret under the column", () => {
    const hub = loadHub(source, readHubIndex(source), {
      selection: { scenarios: ["t/bad-filter"] },
      compilerFactory: defaultCompilerFactory,
    });
    const problem = hub.report.items[0]!.problems[0]!;
    expect(renderLoadProblem(problem)).toBe(
      [
        "scenarios/bad-filter.yaml (t/bad-filter).filter: unexpected token EOF (1:13)",
        " | evt.Meta.a ==",
        " | ............^",
      ].join("\n"),
    );
  });

  it("reads the same for a hub on disk and for in-memory (registered) files", () => {
    const disk = loadHub(source, readHubIndex(source), {
      selection: { scenarios: ["t/bad-filter"] },
      compilerFactory: defaultCompilerFactory,
    });
    const memory = memoryHub([
      { type: "scenarios", name: "t/bad-filter", content: files["scenarios/t/bad-filter.yaml"]! },
    ]);
    const registered = loadHub(memory.source, memory.index, {
      selection: { scenarios: ["t/bad-filter"] },
      compilerFactory: defaultCompilerFactory,
    });
    const render = (hub: typeof disk) => renderLoadProblem(hub.report.items[0]!.problems[0]!);
    expect(render(registered)).toBe(render(disk));
  });

  it("prefixes file and document to problems that do not carry them", () => {
    expect(
      renderLoadProblem({ path: "parsers/s01-parse/x.yaml", document: 2, reason: "bad grok" }),
    ).toBe("parsers/s01-parse/x.yaml#2: bad grok");
  });
});

import { describe, expect, it } from "vitest";
import { type AlertSource, EventType, newLogEvent, PipelineEvent } from "../event.js";
import { defaultCompilerFactory } from "../hub/expr-compiler.js";
import { loadHub } from "../hub/hub-loader.js";
import { memoryHub } from "../hub/memory-hub.js";

/**
 * The pipeline of parser files given as `stage → YAML` (file `i` is parser `t/NN`, so files load
 * in the given order within a stage), with every problem and warning of the load.
 */
function buildPipeline(
  files: { stage: string; content: string }[],
  data: Record<string, string> = {},
  now?: () => Date,
) {
  const { index, source } = memoryHub(
    files.map((f, i) => ({
      type: "parsers" as const,
      name: `t/${String(i).padStart(2, "0")}`,
      ...f,
    })),
    { readData: (name) => data[name] ?? null },
  );
  const loaded = loadHub(source, index, {
    selection: { parsers: [...index.parsers.keys()] },
    compilerFactory: defaultCompilerFactory,
    ...(now ? { enrichers: { now } } : {}),
  });
  return {
    pipeline: loaded.parsers,
    problems: loaded.report.items.flatMap((item) => item.problems),
    warnings: loaded.report.items.flatMap((item) => item.warnings),
  };
}

/** Builds a pipeline from `stage → YAML` files (one file per entry, loaded in path order). */
function pipelineOf(files: [stage: string, yaml: string][], data: Record<string, string> = {}) {
  const built = buildPipeline(
    files.map(([stage, content]) => ({ stage, content })),
    data,
    () => new Date("2026-06-01T00:00:00Z"),
  );
  expect(built.problems).toEqual([]);
  return built;
}

function parse(built: ReturnType<typeof pipelineOf>, raw: string, parsed?: Record<string, string>) {
  const evt = newLogEvent({ Raw: raw, Labels: { type: "test" } });
  if (parsed) Object.assign(evt.Parsed, parsed);
  const trace: [string, string, boolean][] = [];
  const outcome = built.pipeline.parse(evt, {
    trace: (stage, node, _e, ok) => trace.push([stage, node.name, ok]),
  });
  return { evt, outcome, trace };
}

const KEEP_ALIVE = `name: keep
statics:
  - meta: end
    value: "yes"
`;

describe("parser node processing (1.4.6 node.process)", () => {
  it("drops the event when no node of a stage succeeds", () => {
    const built = pipelineOf([
      [
        "s00-raw",
        `name: a\nfilter: "evt.Line.Raw == 'x'"\nstatics:\n  - meta: a\n    value: "1"\n`,
      ],
    ]);
    const { evt, outcome } = parse(built, "y");
    expect(outcome.process).toBe(false);
    expect(evt.Meta).toEqual({});
  });

  it("drops the event when a stage succeeded without next_stage and a later stage exists", () => {
    const built = pipelineOf([
      ["s00-raw", `name: a\nstatics:\n  - meta: a\n    value: "1"\n`],
      ["s01-parse", KEEP_ALIVE],
    ]);
    const { outcome, trace } = parse(built, "y");
    expect(trace).toEqual([["s00-raw", "a", true]]);
    expect(outcome.process).toBe(false);
  });

  it("moves to the next stage on next_stage and stops the stage there", () => {
    const built = pipelineOf([
      ["s00-raw", `name: a\nonsuccess: next_stage\nstatics:\n  - meta: a\n    value: "1"\n`],
      ["s00-raw", `name: b\nstatics:\n  - meta: b\n    value: "1"\n`],
      ["s01-parse", KEEP_ALIVE],
    ]);
    const { evt, outcome, trace } = parse(built, "y");
    expect(outcome.process).toBe(true);
    expect(trace.map((t) => t[1])).toEqual(["a", "keep"]);
    expect(evt.Meta).toEqual({ a: "1", end: "yes" });
    expect(evt.Stage).toBe("s01-parse");
  });

  it("merges empty strings for optional grok captures that did not participate", () => {
    const built = pipelineOf([
      [
        "s00-raw",
        `name: g
grok:
  pattern: '^%{WORD:a}( %{INT:b})?'
  apply_on: Line.Raw
`,
      ],
    ]);
    const { evt, outcome } = parse(built, "hello", { b: "previous" });
    expect(outcome.process).toBe(true);
    expect(evt.Parsed).toEqual({ a: "hello", b: "" });
  });

  it("fails a grok whose apply_on field is missing from Parsed", () => {
    const built = pipelineOf([
      ["s00-raw", `name: g\ngrok:\n  pattern: '%{WORD:a}'\n  apply_on: nothere\n`],
    ]);
    expect(parse(built, "hello").outcome.process).toBe(false);
    expect(parse(built, "x", { nothere: "word" }).evt.Parsed.a).toBe("word");
  });

  it("lets the last child decide without next_stage, even after an earlier child's statics ran", () => {
    const built = pipelineOf([
      [
        "s00-raw",
        `name: parent
nodes:
  - statics:
      - meta: first
        value: ran
  - filter: "false"
    statics:
      - meta: second
        value: ran
statics:
  - meta: parent
    value: ran
`,
      ],
    ]);
    const { evt, outcome } = parse(built, "x");
    expect(outcome.process).toBe(false);
    expect(evt.Meta).toEqual({ first: "ran" });
  });

  it("succeeds with next_stage as soon as one child succeeds", () => {
    const built = pipelineOf([
      [
        "s00-raw",
        `name: parent
onsuccess: next_stage
nodes:
  - filter: "false"
    statics:
      - meta: a
        value: ran
  - statics:
      - meta: b
        value: ran
  - statics:
      - meta: c
        value: ran
`,
      ],
    ]);
    const { evt, outcome } = parse(built, "x");
    expect(outcome.process).toBe(true);
    expect(evt.Meta).toEqual({ b: "ran" });
  });

  it("keeps a node successful when its own grok matched, whatever its children do", () => {
    const built = pipelineOf([
      [
        "s00-raw",
        `name: parent
grok:
  pattern: '%{WORD:w}'
  apply_on: Line.Raw
  statics:
    - meta: grok
      value: ok
nodes:
  - filter: "false"
    statics:
      - meta: child
        value: ran
statics:
  - meta: parent
    value: ran
`,
      ],
    ]);
    const { evt, outcome } = parse(built, "word");
    expect(outcome.process).toBe(true);
    expect(evt.Meta).toEqual({ grok: "ok", parent: "ran" });
  });

  it("skips statics with an empty value, so a later static cannot clobber an earlier one", () => {
    const built = pipelineOf([
      [
        "s00-raw",
        `name: s
statics:
  - target: evt.StrTime
    expression: "'first'"
  - target: evt.StrTime
    expression: evt.Parsed.absent
  - meta: count
    expression: len(evt.Line.Raw)
  - meta: copy
    expression: evt.StrTime
`,
      ],
    ]);
    const { evt } = parse(built, "héllo");
    expect(evt.StrTime).toBe("first");
    expect(evt.Meta).toEqual({ count: "6", copy: "first" });
  });

  it("aborts the event when a static expression returns a bool (1.4.6 unexpected return type)", () => {
    const built = pipelineOf([
      ["s00-raw", `name: s\nstatics:\n  - meta: bad\n    expression: "1 == 1"\n`],
    ]);
    const { outcome } = parse(built, "x");
    expect(outcome.process).toBe(false);
    expect(outcome.error).toContain("bool");
  });

  it("whitelists by ip and cidr, running the node's statics only on a hit", () => {
    const built = pipelineOf([
      [
        "s00-raw",
        `name: wl
whitelist:
  reason: private
  ip: ["127.0.0.1"]
  cidr: ["10.0.0.0/8"]
statics:
  - meta: hit
    value: "yes"
`,
      ],
    ]);
    const wl = (ip: string) => {
      const evt = newLogEvent({ Raw: "x" });
      evt.Meta.source_ip = ip;
      built.pipeline.parse(evt);
      return [evt.Whitelisted, evt.WhitelistReason, evt.Meta.hit ?? ""];
    };
    expect(wl("10.1.2.3")).toEqual([true, "private", "yes"]);
    expect(wl("127.0.0.1")).toEqual([true, "private", "yes"]);
    expect(wl("::ffff:10.0.0.1")).toEqual([true, "private", "yes"]);
    expect(wl("8.8.8.8")).toEqual([false, "", ""]);
    // 1.4.6: without Meta.source_ip an ip/cidr-only whitelist counts as "no whitelist".
    const evt = newLogEvent({ Raw: "x" });
    built.pipeline.parse(evt);
    expect([evt.Whitelisted, evt.Meta.hit]).toEqual([false, "yes"]);
  });

  it("whitelists an overflow by its sources and marks the alert whitelisted", () => {
    const built = pipelineOf([
      ["s01-whitelist", `name: wl\nwhitelist:\n  reason: cdn\n  cidr: ["104.16.0.0/13"]\n`],
    ]);
    const evt = new PipelineEvent({ Type: EventType.OVFLW });
    evt.Overflow.Sources = { "104.16.1.1": {} as AlertSource };
    built.pipeline.parse(evt);
    expect([evt.Whitelisted, evt.Overflow.Whitelisted, evt.WhitelistReason]).toEqual([
      true,
      true,
      "cdn",
    ]);
    expect(evt.GetType()).toBe("overflow");
  });

  it("whitelists by expression", () => {
    const built = pipelineOf([
      [
        "s00-raw",
        `name: wl\nwhitelist:\n  reason: bots\n  expression:\n    - evt.Line.Raw contains 'bot'\n`,
      ],
    ]);
    expect(parse(built, "googlebot").evt.Whitelisted).toBe(true);
    expect(parse(built, "human").evt.Whitelisted).toBe(false);
  });

  it("writes enricher results into Enriched (ParseDate) and skips unregistered methods", () => {
    const built = pipelineOf([
      [
        "s00-raw",
        `name: d
statics:
  - method: GeoIpCity
    expression: "'1.2.3.4'"
  - method: ParseDate
    expression: evt.Line.Raw
  - target: MarshaledTime
    expression: evt.Enriched.MarshaledTime
`,
      ],
    ]);
    const { evt } = parse(built, "Jan 12 10:00:01");
    expect(evt.Enriched).toEqual({ MarshaledTime: "2026-01-12T10:00:01Z" });
    expect(evt.MarshaledTime).toBe("2026-01-12T10:00:01Z");
  });

  it("reads data files by dest_file, falling back to the source_url file name", () => {
    const built = pipelineOf(
      [
        [
          "s00-raw",
          `name: d
data:
  - source_url: https://example.invalid/list-as-shipped.txt
    dest_file: list.txt
    type: string
filter: "evt.Line.Raw in File('list.txt')"
statics:
  - meta: listed
    value: "yes"
`,
        ],
      ],
      { "list-as-shipped.txt": "# comment\n\nalpha\nbeta\r\n" },
    );
    expect(parse(built, "beta").outcome.process).toBe(true);
    expect(parse(built, "# comment").outcome.process).toBe(false);
  });

  it("stores stash values and reads them back with GetFromStash", () => {
    const built = pipelineOf([
      [
        "s00-raw",
        `name: st
grok:
  pattern: '%{WORD:user} %{IP:ip}'
  apply_on: Line.Raw
stash:
  - name: users
    key: evt.Parsed.ip
    value: evt.Parsed.user
    ttl: 1h
statics:
  - meta: seen
    expression: GetFromStash('users', '1.2.3.4')
`,
      ],
    ]);
    expect(parse(built, "alice 1.2.3.4").evt.Meta.seen).toBe("alice");
    expect(parse(built, "bob 5.6.7.8").evt.Meta.seen).toBe("alice");
  });
});

describe("parser node loading", () => {
  const load = (yaml: string) => buildPipeline([{ stage: "s00-raw", content: yaml }]);

  it.each([
    ["an empty node", "name: x\nfilter: 'true'\n", "Node is empty"],
    ["an unknown key (strict decoding)", "name: x\nfoo: 1\nstatics: []\n", "foo"],
    [
      "a bad onsuccess",
      "name: x\nonsuccess: later\nstatics:\n  - meta: a\n    value: b\n",
      "onsuccess",
    ],
    ["an unknown grok pattern", "name: x\ngrok:\n  name: NOPE\n  apply_on: Line.Raw\n", "NOPE"],
    ["a grok without apply_on", "name: x\ngrok:\n  pattern: '%{WORD:w}'\n", "apply_on"],
    [
      "an invalid filter",
      "name: x\nfilter: 'evt.Line.Raw =='\nstatics:\n  - meta: a\n    value: b\n",
      "filter",
    ],
  ])("reports %s", (_label, yaml, reason) => {
    const { problems } = load(yaml);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.reason).toContain(reason);
  });

  it("skips documents without name, description and author, and unsupported formats", () => {
    const { pipeline, problems } = load(
      "filter: 'true'\n---\nname: new\nformat: 3.0\nstatics:\n  - meta: a\n    value: b\n",
    );
    expect(pipeline.nodes).toHaveLength(0);
    expect(problems.map((p) => p.kind)).toEqual(["format"]);
  });

  it("keeps the first definition of a pattern_syntax name and warns", () => {
    const { pipeline, warnings } = buildPipeline([
      {
        stage: "s00-raw",
        content:
          "name: a\npattern_syntax:\n  MINE: 'a+'\ngrok:\n  pattern: '%{MINE:m}'\n  apply_on: Line.Raw\n",
      },
      {
        stage: "s00-raw",
        content:
          "name: b\npattern_syntax:\n  MINE: 'b+'\ngrok:\n  pattern: '%{MINE:m}'\n  apply_on: Line.Raw\n",
      },
    ]);
    expect(warnings.join()).toContain("MINE");
    const evt: PipelineEvent = newLogEvent({ Raw: "bbb" });
    pipeline.parse(evt);
    expect(evt.Parsed.m).toBeUndefined();
  });
});

describe("node hit counters (1.4.6 cs_node_hits*)", () => {
  /** Counts `[kind, name, source, module]` per call. */
  function recorder() {
    const calls: string[] = [];
    const at = (kind: string) => (name: string, evt: PipelineEvent) =>
      calls.push(`${kind} ${name} ${evt.Line.Src} ${evt.Line.Module}`);
    return { calls, hits: { hit: at("hit"), ok: at("ok"), ko: at("ko") } };
  }
  const parent = `name: t/parent
filter: "evt.Line.Raw startsWith 'x'"
onsuccess: next_stage
nodes:
  - grok:
      pattern: "^x%{INT:digit}$"
      apply_on: Line.Raw
  - name: t/letter
    grok:
      pattern: "^x-%{WORD:letter}$"
      apply_on: Line.Raw
`;
  const run = (raw: string) => {
    const built = pipelineOf([["s01-parse", parent]]);
    const { calls, hits } = recorder();
    const evt = newLogEvent({ Raw: raw, Src: "/var/log/a.log", Module: "file", Labels: {} });
    const outcome = built.pipeline.parse(evt, { hits });
    return { calls, outcome };
  };

  it("counts a hit after the filter, then ok or ko, children named child-<parent>", () => {
    expect(run("x1").calls).toEqual([
      "hit t/parent /var/log/a.log file",
      "hit child-t/parent /var/log/a.log file",
      "ok child-t/parent /var/log/a.log file",
      "ok t/parent /var/log/a.log file",
    ]);
    expect(run("x-a").calls).toEqual([
      "hit t/parent /var/log/a.log file",
      "hit child-t/parent /var/log/a.log file",
      "ko child-t/parent /var/log/a.log file",
      "hit t/letter /var/log/a.log file",
      "ok t/letter /var/log/a.log file",
      "ok t/parent /var/log/a.log file",
    ]);
    const failed = run("x!");
    expect(failed.outcome.process).toBe(false);
    expect(failed.calls).toEqual([
      "hit t/parent /var/log/a.log file",
      "hit child-t/parent /var/log/a.log file",
      "ko child-t/parent /var/log/a.log file",
      "hit t/letter /var/log/a.log file",
      "ko t/letter /var/log/a.log file",
      "ko t/parent /var/log/a.log file",
    ]);
  });

  it("counts nothing for an event the filter rejects, and parses alike without a counter", () => {
    expect(run("y1").calls).toEqual([]);
    const built = pipelineOf([["s01-parse", parent]]);
    const evt = newLogEvent({ Raw: "x1", Labels: {} });
    expect(built.pipeline.parse(evt).process).toBe(true);
    expect(evt.Parsed.digit).toBe("1");
  });
});

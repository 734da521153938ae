import { describe, expect, it } from "vitest";
import { parseHubIndex } from "../hub/hub-index.js";
import { type HubTestSource, runHubTest } from "./run-test.js";

const PARSER = `filter: "evt.Line.Labels.type == 'testlog'"
name: test/line-logs
onsuccess: next_stage
grok:
  pattern: "^login failed for %{IP:ip} as %{WORD:user}$"
  expression: evt.Line.Raw
statics:
  - meta: log_type
    value: test_fail
  - meta: source_ip
    expression: evt.Parsed.ip
  - target: evt.MarshaledTime
    value: "2024-01-01T10:00:00Z"
`;

const SCENARIO = `type: leaky
name: test/fail-bf
description: "two failed logins"
filter: "evt.Meta.log_type == 'test_fail'"
groupby: evt.Meta.source_ip
capacity: 1
leakspeed: 10s
blackhole: 1m
labels:
  remediation: true
`;

const INDEX = JSON.stringify({
  parsers: {
    "test/line-logs": {
      path: "parsers/s01-parse/test/line-logs.yaml",
      stage: "s01-parse",
      version: "0.1",
    },
    "test/needs-data": {
      path: "parsers/s01-parse/test/needs-data.yaml",
      stage: "s01-parse",
      version: "0.1",
    },
  },
  scenarios: { "test/fail-bf": { path: "scenarios/test/fail-bf.yaml", version: "0.1" } },
});

const LOG =
  "login failed for 1.2.3.4 as root\n\nlogin failed for 1.2.3.4 as admin\r\nlogin failed for 5.6.7.8 as root\n";

const PARSER_ASSERT = `len(results["s01-parse"]["test/line-logs"]) == 3
results["s01-parse"]["test/line-logs"][0].Success == true
results["s01-parse"]["test/line-logs"][1].Evt.Parsed["user"] == "admin"
results["s01-parse"]["test/line-logs"][2].Evt.Meta["source_ip"] == "5.6.7.8"
`;

const SCENARIO_ASSERT = `len(results) == 1
results[0].Overflow.Alert.GetScenario() == "test/fail-bf"
results[0].Overflow.GetSources()[0] == "1.2.3.4"
results[0].Overflow.Sources["1.2.3.4"].GetScope() == "Ip"
results[0].Overflow.Alert.GetEventsCount() == 2
`;

const CONFIG = `parsers:
- test/line-logs
scenarios:
- test/fail-bf
postoverflows:
log_file: test.log
log_type: testlog
ignore_parsers: false
`;

function source(
  test: Record<string, string>,
  hub: Record<string, string> = {},
  data: Record<string, string> = {},
): HubTestSource {
  const files: Record<string, string> = {
    "parsers/s01-parse/test/line-logs.yaml": PARSER,
    "scenarios/test/fail-bf.yaml": SCENARIO,
    ...hub,
  };
  return {
    index: parseHubIndex(INDEX),
    readHub: (path) => files[path] ?? null,
    readTest: (path) => test[path] ?? null,
    readData: (destFile) => data[destFile] ?? null,
    patterns: {},
  };
}

const passing = {
  "config.yaml": CONFIG,
  "test.log": LOG,
  "parser.assert": PARSER_ASSERT,
  "scenario.assert": SCENARIO_ASSERT,
};

describe("runHubTest", () => {
  it("replays the log through exactly the listed items and passes when every assertion holds", () => {
    const result = runHubTest("fixture", source(passing));
    expect(result).toMatchObject({ name: "fixture", status: "pass", reason: null });
    expect(result.parser?.total).toBe(4);
    expect(result.scenario?.total).toBe(5);
  });

  it("fails with the first assertion that does not hold and what its left side was", () => {
    const result = runHubTest(
      "fixture",
      source({
        ...passing,
        "scenario.assert": 'len(results) == 1\nresults[0].Overflow.Alert.GetScenario() == "x"',
      }),
    );
    expect(result.status).toBe("fail");
    expect(result.reason).toBe(
      'scenario.assert:2: results[0].Overflow.Alert.GetScenario() == "x" (got "test/fail-bf")',
    );
  });

  it("fails on an assertion that cannot run, on an empty assertion file, and on an item that does not load", () => {
    expect(
      runHubTest("t", source({ ...passing, "parser.assert": "results.nope.x == 1" })).status,
    ).toBe("fail");
    expect(runHubTest("t", source({ ...passing, "scenario.assert": "" })).reason).toBe(
      "scenario.assert is empty (hubtest would generate it)",
    );
    const broken = runHubTest(
      "t",
      source(passing, {
        "scenarios/test/fail-bf.yaml": SCENARIO.replace("capacity: 1", "capacity: x"),
      }),
    );
    expect(broken.status).toBe("fail");
    expect(broken.reason).toMatch(/^scenarios test\/fail-bf does not load: /);
  });

  it("skips a test whose items need a data file the data dir lacks, naming it", () => {
    const needsData = `${PARSER.replace("test/line-logs", "test/needs-data")}data:
  - source_url: https://hub-data.crowdsec.net/web/bad_users.txt
    dest_file: bad_users.txt
    type: string
`;
    const test = {
      ...passing,
      "config.yaml": CONFIG.replace("- test/line-logs", "- test/needs-data"),
    };
    const hub = { "parsers/s01-parse/test/needs-data.yaml": needsData };
    const skipped = runHubTest("t", source(test, hub));
    expect(skipped).toMatchObject({
      status: "skip",
      reason: "missing data file: bad_users.txt (test/needs-data)",
    });
    expect(runHubTest("t", source(test, hub, { "bad_users.txt": "root\n" })).status).not.toBe(
      "skip",
    );
  });

  it("takes an item path from the test's own folder, and applies override_statics before every parser", () => {
    const local = PARSER.replace("value: test_fail", "value: local_fail");
    const raw =
      'name: test/raw\nfilter: "1 == 1"\nonsuccess: next_stage\nstatics:\n  - meta: raw\n    value: "yes"\n';
    const test = {
      ...passing,
      "config.yaml": `${CONFIG.replace("- test/line-logs", "- ./parsers/s00-raw/test/raw.yaml\n- ./parsers/s01-parse/test/local.yaml")}override_statics:
  - meta: origin
    value: overridden
`,
      "parsers/s00-raw/test/raw.yaml": raw,
      "parsers/s01-parse/test/local.yaml": local,
      "parser.assert": `results["s00-raw"]["overrides"][0].Evt.Meta["origin"] == "overridden"
results["s00-raw"]["test/raw"][0].Evt.Meta["origin"] == "overridden"
results["s01-parse"]["test/line-logs"][0].Evt.Meta["log_type"] == "local_fail"
results["s01-parse"]["test/line-logs"][0].Evt.Meta["raw"] == "yes"`,
      "scenario.assert": "len(results) == 0",
    };
    const result = runHubTest("t", source(test));
    expect(result.reason).toBeNull();
    expect(result).toMatchObject({ status: "pass", parser: { total: 4 } });

    // Like CrowdSec's hubtest, the overrides node has no onsuccess: alone in s00-raw, it does not
    // move the event on, so nothing reaches s01-parse.
    const alone = {
      ...test,
      "config.yaml": test["config.yaml"].replace("- ./parsers/s00-raw/test/raw.yaml\n", ""),
    };
    expect(runHubTest("t", source(alone)).reason).toMatch(/^parser\.assert:2: /);
  });

  it("refuses a config.yaml without its log, naming the file", () => {
    const result = runHubTest("t", source({ "config.yaml": CONFIG }));
    expect(result).toMatchObject({ status: "fail", reason: "log file 'test.log' not found" });
  });
});

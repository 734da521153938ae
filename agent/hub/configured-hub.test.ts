import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { installedPath, parseHubIndex } from "../../src/engine/hub/hub-index.js";
import { oracleFor } from "../../test/oracle/crowdsec-config.js";
import { TEST_SCENARIO, writeTestHub } from "../../test/support/agent-test-hub.js";
import type { AgentConfig } from "../config/agent-config.js";
import { ConfigError } from "../config/config-error.js";
import { assertHubLoaded, loadConfiguredHub } from "./configured-hub.js";

const hasHub = !oracleFor("loadConfiguredHub").skip;

function configFor(hubDir: string, dataDir: string, patternsDir: string): AgentConfig {
  return {
    file: "/etc/rampart/agent.yaml",
    hub: {
      hubDir,
      dataDir,
      patternsDir,
      collections: ["rampart-test/ssh"],
      parsers: [],
      postoverflows: [],
      scenarios: [],
    },
  } as unknown as AgentConfig;
}

describe("assertHubLoaded", () => {
  it("names the first collection member the index lacks", () => {
    const report = {
      items: [],
      missing: [{ type: "parsers", name: "a/b", requiredBy: "c/d" }],
    };
    expect(() => assertHubLoaded(report, "agent.yaml")).toThrow(
      "agent.yaml: hub: parsers a/b (required by c/d) is not in the hub index",
    );
  });

  it("names the first item that did not load, with its first problem", () => {
    const item = { type: "parsers" as const, path: "p.yaml", loaded: 0, warnings: [] };
    const report = {
      items: [
        { ...item, name: "ok/one", status: "loaded" as const, problems: [] },
        {
          ...item,
          name: "bad/two",
          status: "failed" as const,
          problems: [{ reason: "bad grok" }],
        },
      ],
      missing: [],
    } as unknown as Parameters<typeof assertHubLoaded>[0];
    expect(() => assertHubLoaded(report, "agent.yaml")).toThrow(
      "agent.yaml: hub: parsers bad/two failed to load: bad grok",
    );
  });

  it("accepts a report where every item loaded", () => {
    expect(() => assertHubLoaded({ items: [], missing: [] }, "agent.yaml")).not.toThrow();
  });
});

describe.skipIf(!hasHub)("loadConfiguredHub", () => {
  let dir = "";
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("loads the configured parsers and compiles the scenarios", () => {
    dir = mkdtempSync(join(tmpdir(), "configured-hub-"));
    const dirs = writeTestHub(dir);
    const hub = loadConfiguredHub(configFor(dirs.hubDir, dirs.dataDir, dirs.patternsDir));
    expect(hub.scenarios.map((s) => s.name)).toEqual([TEST_SCENARIO]);
    expect(hub.registration.scenarios.map((s) => s.name)).toEqual([TEST_SCENARIO]);
  });

  it("refuses to start with a scenario that does not compile", () => {
    dir = mkdtempSync(join(tmpdir(), "configured-hub-"));
    const dirs = writeTestHub(dir);
    writeFileSync(
      join(dir, `scenarios/${TEST_SCENARIO}.yaml`),
      `type: leaky\nname: ${TEST_SCENARIO}\nfilter: "evt.Meta.log_type =="\n`,
    );
    const load = () => loadConfiguredHub(configFor(dirs.hubDir, dirs.dataDir, dirs.patternsDir));
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^\/etc\/rampart\/agent\.yaml: hub: /);
  });

  it("runs the items installed in hub.config_dir (links into the hub, tainted copies as edited)", () => {
    dir = mkdtempSync(join(tmpdir(), "configured-hub-"));
    const dirs = writeTestHub(join(dir, "hub"));
    const etc = join(dir, "etc");
    const index = parseHubIndex(readFileSync(join(dirs.hubDir, ".index.json"), "utf8"));
    for (const item of index.parsers.values()) {
      mkdirSync(dirname(join(etc, installedPath(item))), { recursive: true });
      symlinkSync(join(dirs.hubDir, item.path), join(etc, installedPath(item)));
    }
    const scenario = index.scenarios.get(TEST_SCENARIO)!;
    const edited = `type: leaky\nname: ${TEST_SCENARIO}\ndescription: edited\nfilter: "evt.Meta.log_type == 'x'"\nleakspeed: 1s\ncapacity: 1\ngroupby: evt.Meta.source_ip\n`;
    mkdirSync(join(etc, "scenarios"), { recursive: true });
    writeFileSync(join(etc, installedPath(scenario)), edited);
    writeFileSync(join(etc, "scenarios/mine.yaml"), "name: me/mine\n");
    const config = configFor(dirs.hubDir, dirs.dataDir, dirs.patternsDir);
    const hub = loadConfiguredHub({
      ...config,
      hub: { ...config.hub, collections: [], configDir: etc },
    });
    expect(
      hub.report.items
        .filter((i) => i.type === "parsers")
        .map((i) => i.name)
        .sort(),
    ).toEqual([...index.parsers.keys()].sort());
    expect(hub.scenarios.map((s) => s.name)).toEqual([TEST_SCENARIO]);
    expect(hub.registration.scenarios[0]!.content).toBe(edited);
  });

  it("names the missing index when hub.config_dir is set but the hub was never updated", () => {
    dir = mkdtempSync(join(tmpdir(), "configured-hub-"));
    const config = configFor(join(dir, "hub"), dir, dir);
    expect(() =>
      loadConfiguredHub({ ...config, hub: { ...config.hub, configDir: join(dir, "etc") } }),
    ).toThrow(
      /agent\.yaml: hub\.hub_dir: cannot read the hub index .*\.index\.json \(run `rampart hub update`\)/,
    );
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";
import { isSimulated, makeSimulationCommand, toggle } from "./simulation.js";

function run(configDir: string, args: string[]) {
  return runCli(fakeLapi(), ["simulation", ...args], {
    extraCommands: (io) => [makeSimulationCommand({ io, config: () => ({ configDir }) })],
  });
}

describe("simulation config semantics (CrowdSec IsSimulated)", () => {
  it("exclusions invert the global switch", () => {
    expect(isSimulated({ simulation: false, exclusions: ["a"] }, "a")).toBe(true);
    expect(isSimulated({ simulation: false, exclusions: ["a"] }, "b")).toBe(false);
    expect(isSimulated({ simulation: true, exclusions: ["a"] }, "a")).toBe(false);
    expect(isSimulated({ simulation: true, exclusions: ["a"] }, "b")).toBe(true);
  });

  it("enabling a scenario under global simulation removes its exclusion", () => {
    expect(toggle({ simulation: true, exclusions: ["a"] }, true, ["a"], false)).toEqual({
      simulation: true,
      exclusions: [],
    });
    expect(toggle({ simulation: false, exclusions: [] }, true, ["a"], false)).toEqual({
      simulation: false,
      exclusions: ["a"],
    });
    expect(toggle({ simulation: false, exclusions: ["a"] }, true, [], true)).toEqual({
      simulation: true,
      exclusions: [],
    });
  });
});

describe("rampart simulation", () => {
  it("enables and disables scenarios in simulation.yaml and reports the status", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-sim-"));
    writeFileSync(join(dir, "simulation.yaml"), "simulation: off\nexclusions: []\n");
    expect((await run(dir, ["enable", "crowdsecurity/ssh-bf"])).code).toBe(0);
    expect(parse(readFileSync(join(dir, "simulation.yaml"), "utf8"))).toEqual({
      simulation: false,
      exclusions: ["crowdsecurity/ssh-bf"],
    });
    expect((await run(dir, ["status"])).stdout).toBe(
      "global simulation: disabled\nScenarios in simulation mode :\n  - crowdsecurity/ssh-bf\n",
    );
    await run(dir, ["disable", "crowdsecurity/ssh-bf"]);
    expect(JSON.parse((await run(dir, ["status", "-o", "json"])).stdout)).toEqual({
      simulation: false,
      exclusions: [],
    });
    await run(dir, ["enable", "--global"]);
    expect((await run(dir, ["status"])).stdout).toBe("global simulation: enabled\n");
  });

  it("rejects a malformed simulation.yaml and a missing argument in one line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-sim-"));
    writeFileSync(join(dir, "simulation.yaml"), "simulation: maybe\n");
    const bad = await run(dir, ["status"]);
    expect(bad).toEqual({
      code: 2,
      stdout: "",
      stderr: `rampart: ${join(dir, "simulation.yaml")}: simulation: Expected boolean, received string\n`,
    });
    expect((await run(dir, ["enable"])).stderr).toBe("rampart: give scenario names or --global\n");
  });

  it.each(["enable", "disable", "status"])("shows examples for `simulation %s`", async (verb) => {
    expect((await run("/tmp", [verb, "--help"])).stdout).toContain(
      "Examples:\n  rampart simulation",
    );
  });
});

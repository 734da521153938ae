import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";
import { makeHubCommand, makeHubTypeCommands } from "./hub.js";

const HUB = resolve(import.meta.dirname, "../../../test/fixtures/cli/hub");

function hubRun(configDir: string, args: string[]) {
  return runCli(fakeLapi(), ["hub", ...args], {
    extraCommands: (io) => [makeHubCommand({ io, config: () => ({ configDir, hubDir: HUB }) })],
  });
}

const fresh = () => mkdtempSync(join(tmpdir(), "rampart-hub-"));

describe("rampart hub", () => {
  it("installs a collection as CrowdSec's symlink layout, members included", async () => {
    const dir = fresh();
    const run = await hubRun(dir, ["install", "rampart-test/app"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("enabled: parsers rampart-test/app-logs\n");
    const link = join(dir, "parsers/s01-parse/app-logs.yaml");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(join(HUB, "parsers/s01-parse/rampart-test/app-logs.yaml"));
    expect(existsSync(join(dir, "scenarios/app-bf.yaml"))).toBe(true);
    expect(existsSync(join(dir, "collections/app.yaml"))).toBe(true);
    expect(existsSync(join(dir, "scenarios/app-scan.yaml"))).toBe(false);
    expect((await hubRun(dir, ["install", "rampart-test/app"])).stdout).toContain(
      "already enabled: collections rampart-test/app\n",
    );
  });

  it("lists enabled items, and every item with -a, as table, JSON or CSV", async () => {
    const dir = fresh();
    await hubRun(dir, ["install", "rampart-test/app-bf"]);
    const table = await hubRun(dir, ["list", "-t", "scenarios"]);
    expect(table.stdout).toMatch(
      /\| rampart-test\/app-bf \| ✔️ {2}enabled \| 0\.1\s+\| scenarios\/app-bf\.yaml \|/,
    );
    expect(table.stdout).not.toContain("app-scan");
    const all = JSON.parse(
      (await hubRun(dir, ["list", "-a", "-t", "scenarios", "-o", "json"])).stdout,
    );
    expect(all).toEqual({
      scenarios: [
        {
          name: "rampart-test/app-bf",
          status: "✔️  enabled",
          version: "0.1",
          local_path: "scenarios/app-bf.yaml",
        },
        { name: "rampart-test/app-scan", status: "disabled", version: "0.1", local_path: "" },
      ],
    });
    expect((await hubRun(dir, ["list", "-o", "raw"])).stdout).toBe(
      "type,name,status,version,local_path\nscenarios,rampart-test/app-bf,enabled,0.1,scenarios/app-bf.yaml\n",
    );
  });

  it("marks local copies as tainted and upgrade --force re-links them", async () => {
    const dir = fresh();
    mkdirSync(join(dir, "scenarios"), { recursive: true });
    writeFileSync(join(dir, "scenarios/app-bf.yaml"), "# edited\n");
    writeFileSync(join(dir, "scenarios/my-own.yaml"), "# mine\n");
    const listed = await hubRun(dir, ["list", "-o", "raw"]);
    expect(listed.stdout).toContain(
      'scenarios,rampart-test/app-bf,"enabled,tainted",0.1,scenarios/app-bf.yaml\n',
    );
    expect(listed.stdout).toContain(
      "scenarios,scenarios/my-own.yaml,local,,scenarios/my-own.yaml\n",
    );
    expect((await hubRun(dir, ["upgrade"])).stdout).toContain(
      "skipped: scenarios rampart-test/app-bf is tainted (use --force)\n",
    );
    expect((await hubRun(dir, ["upgrade", "--force"])).stdout).toContain(
      "upgraded: scenarios rampart-test/app-bf → 0.1\n",
    );
    expect(lstatSync(join(dir, "scenarios/app-bf.yaml")).isSymbolicLink()).toBe(true);
  });

  it("removes a collection with its members", async () => {
    const dir = fresh();
    await hubRun(dir, ["install", "rampart-test/app"]);
    const run = await hubRun(dir, ["remove", "rampart-test/app"]);
    expect(run.stdout).toContain("disabled: scenarios rampart-test/app-bf\n");
    expect((await hubRun(dir, ["list", "-o", "json"])).stdout).toBe(
      '{\n "parsers": [],\n "postoverflows": [],\n "scenarios": [],\n "contexts": [],\n "collections": []\n}\n',
    );
  });

  it("inspects an item", async () => {
    const run = await hubRun(fresh(), ["inspect", "rampart-test/app", "-o", "json"]);
    expect(JSON.parse(run.stdout)).toEqual({
      type: "collections",
      name: "rampart-test/app",
      version: "0.1",
      path: "collections/rampart-test/app.yaml",
      status: "disabled",
      local_path: "collections/app.yaml",
      members: {
        parsers: ["rampart-test/app-raw", "rampart-test/app-logs"],
        scenarios: ["rampart-test/app-bf"],
      },
    });
  });

  it("offers cscli's per-type commands (rampart scenarios list, rampart collections install)", async () => {
    const dir = fresh();
    const typed = (args: string[]) =>
      runCli(fakeLapi(), args, {
        extraCommands: (io) =>
          makeHubTypeCommands({ io, config: () => ({ configDir: dir, hubDir: HUB }) }),
      });
    expect((await typed(["collections", "install", "rampart-test/app"])).stdout).toContain(
      "enabled: scenarios rampart-test/app-bf\n",
    );
    expect((await typed(["scenarios", "list", "-a", "-o", "raw"])).stdout).toBe(
      "type,name,status,version,local_path\nscenarios,rampart-test/app-bf,enabled,0.1,scenarios/app-bf.yaml\nscenarios,rampart-test/app-scan,disabled,0.1,\n",
    );
    expect((await typed(["parsers", "inspect", "rampart-test/app"])).stderr).toBe(
      "rampart: 'rampart-test/app' is not in the hub index (parsers)\n",
    );
  });

  it("fails in one line on an unknown item or a missing hub", async () => {
    expect(await hubRun(fresh(), ["install", "nobody/nothing"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "rampart: 'nobody/nothing' is not in the hub index\n",
    });
    const missing = await runCli(fakeLapi(), ["hub", "list"], {
      extraCommands: (io) => [
        makeHubCommand({ io, config: () => ({ configDir: fresh(), hubDir: "/nonexistent/hub" }) }),
      ],
    });
    expect(missing).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "rampart: no hub index at /nonexistent/hub/.index.json (run `rampart hub update`, or set hub_dir or RAMPART_HUB_DIR)\n",
    });
  });

  it.each(["list", "install", "remove", "upgrade", "inspect"])(
    "shows examples for `hub %s`",
    async (verb) => {
      expect((await hubRun(fresh(), [verb, "--help"])).stdout).toContain(
        "Examples:\n  rampart hub",
      );
    },
  );
});

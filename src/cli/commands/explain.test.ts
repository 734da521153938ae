import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";
import { makeExplainCommand } from "./explain.js";
import { makeHubCommand } from "./hub.js";

const FIXTURES = resolve(import.meta.dirname, "../../../test/fixtures/cli");

function run(configDir: string, args: string[]) {
  const config = () => ({
    configDir,
    hubDir: join(FIXTURES, "hub"),
    dataDir: join(FIXTURES, "data"),
    patternsDir: join(FIXTURES, "patterns"),
  });
  return runCli(fakeLapi(), args, {
    now: new Date("2026-11-21T06:00:00Z"),
    extraCommands: (io) => [
      makeHubCommand({ io, config }),
      makeExplainCommand({ io, config, now: () => new Date("2026-11-21T06:00:00Z") }),
    ],
  });
}

describe("rampart explain", () => {
  it("shows each stage's node result and the scenarios that would pour", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-explain-"));
    await run(dir, ["hub", "install", "rampart-test/app", "rampart-test/app-scan"]);
    const out = await run(dir, [
      "explain",
      "-t",
      "app",
      "-l",
      "app: login failed for bob from 192.0.2.7",
    ]);
    expect(out).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        "line: app: login failed for bob from 192.0.2.7",
        "\t├ s00-raw",
        "\t|\t└ 🟢 rampart-test/app-raw (first_parser)",
        "\t├ s01-parse",
        "\t|\t└ 🟢 rampart-test/app-logs (+4)",
        "\t├-------- parser success 🟢",
        "\t├ Scenarios",
        "\t\t└ 🟢 rampart-test/app-bf",
        "",
      ].join("\n"),
    });
  });

  it("lists the changed fields with -v and gives JSON with -o json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-explain-"));
    await run(dir, ["hub", "install", "rampart-test/app"]);
    const verbose = await run(dir, [
      "explain",
      "-t",
      "app",
      "-v",
      "-l",
      "app: login failed for bob from 192.0.2.7",
    ]);
    expect(verbose.stdout).toContain(
      [
        "\t|\t└ 🟢 rampart-test/app-logs (+4)",
        "\t|\t\t└ create evt.Parsed.source_ip : 192.0.2.7",
        "\t|\t\t└ create evt.Parsed.user : bob",
        "\t|\t\t└ create evt.Meta.log_type : app_failed_auth",
        "\t|\t\t└ create evt.Meta.source_ip : 192.0.2.7",
        "",
      ].join("\n"),
    );
    const json = JSON.parse(
      (await run(dir, ["explain", "-t", "app", "-o", "json", "-l", "app: hello"])).stdout,
    );
    expect(json).toEqual([
      expect.objectContaining({
        line: "app: hello",
        parsed: false,
        pours: [],
        steps: [
          expect.objectContaining({
            stage: "s00-raw",
            node: "rampart-test/app-raw",
            success: true,
          }),
          expect.objectContaining({
            stage: "s01-parse",
            node: "rampart-test/app-logs",
            success: false,
          }),
        ],
      }),
    ]);
  });

  it("shows a whitelisted line as cscli does: [whitelisted], parser failure, no scenarios", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-explain-"));
    await run(dir, ["hub", "install", "rampart-test/app", "rampart-test/app-whitelist"]);
    const out = await run(dir, [
      "explain",
      "-t",
      "app",
      "-v",
      "-l",
      "app: login failed for bob from 192.0.2.99",
    ]);
    expect(out.stdout).toContain(
      [
        "\t├ s02-enrich",
        "\t|\t└ 🟢 rampart-test/app-whitelist (~2 [whitelisted])",
        "\t|\t\t└ update evt.Whitelisted : %!s(bool=false) -> true",
        "\t|\t\t└ update evt.WhitelistReason :  -> test whitelist",
        "\t└-------- parser failure 🔴",
        "",
      ].join("\n"),
    );
    expect(out.stdout).not.toContain("Scenarios");
  });

  it("explains every line of a file, only the failures with --failures", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-explain-"));
    await run(dir, ["hub", "install", "rampart-test/app"]);
    const log = join(dir, "app.log");
    writeFileSync(log, "app: login failed for bob from 192.0.2.7\napp: hello\n");
    const all = await run(dir, ["explain", "-t", "app", "-f", log]);
    expect(all.stdout.match(/^line: /gm)).toHaveLength(2);
    const failures = await run(dir, ["explain", "-t", "app", "-f", log, "--failures"]);
    expect(failures.stdout).toMatch(/^line: app: hello\n/);
    expect(failures.stdout.match(/^line: /gm)).toHaveLength(1);
  });

  it("explains that a line of another type fails in s00-raw", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-explain-"));
    await run(dir, ["hub", "install", "rampart-test/app"]);
    const out = await run(dir, [
      "explain",
      "-t",
      "nginx",
      "-l",
      "app: login failed for bob from 192.0.2.7",
    ]);
    expect(out.stdout).toContain("\t|\t└ 🔴 rampart-test/app-raw\n\t└-------- parser failure 🔴\n");
    expect(out.stdout).not.toContain("Scenarios");
  });

  it("says how to enable parsers when none are installed, and rejects bad flags in one line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-explain-"));
    const none = await run(dir, ["explain", "-t", "app", "-l", "x"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /^rampart: no parsers enabled under .*: run 'rampart hub install crowdsecurity\/linux'/,
    );
    expect((await run(dir, ["explain", "-t", "app"])).stderr).toBe(
      "rampart: give exactly one of --log or --file\n",
    );
    expect((await run(dir, ["explain", "-t", "app", "-f", "/nonexistent.log"])).stderr).toBe(
      "rampart: cannot read '/nonexistent.log': no such file or not readable\n",
    );
    expect((await run(dir, ["explain", "--help"])).stdout).toContain(
      "Examples:\n  rampart explain",
    );
  });
});

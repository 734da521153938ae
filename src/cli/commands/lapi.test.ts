import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";

describe("rampart lapi", () => {
  it("status logs in and says so", async () => {
    const run = await runCli(fakeLapi("cli"), ["lapi", "status"]);
    expect(run).toEqual({
      code: 0,
      stderr: "",
      stdout:
        "Trying to authenticate with username cli on http://lapi.test/\nYou can successfully interact with Local API (LAPI)\n",
    });
  });

  it("status -o json reports the health and the login", async () => {
    const run = await runCli(fakeLapi("cli"), ["lapi", "status", "-o", "json"]);
    expect(JSON.parse(run.stdout)).toEqual({
      url: "http://lapi.test/",
      health: "up",
      machine_id: "cli",
      token_expire: "2026-11-21T07:00:00.000Z",
    });
  });

  it("register creates an unvalidated machine and writes its credentials", async () => {
    const lapi = fakeLapi();
    const files = new Map<string, string>();
    const run = await runCli(lapi, ["lapi", "register", "--machine", "agent", "-f", "/c.yaml"], {
      files,
    });
    expect(run.stdout).toContain(
      "Successfully registered to Local API (LAPI)\nLocal API credentials written to '/c.yaml'\n",
    );
    expect(run.stdout).toContain("rampart machines validate agent");
    expect(parse(files.get("/c.yaml")!)).toMatchObject({
      url: "http://lapi.test/",
      login: "agent",
    });
    expect(lapi.machines[0]).toMatchObject({ machineId: "agent", isValidated: false });
  });

  it.each(["status", "register"])("shows examples for `lapi %s`", async (verb) => {
    expect((await runCli(fakeLapi(), ["lapi", verb, "--help"])).stdout).toContain(
      "Examples:\n  rampart lapi",
    );
  });
});

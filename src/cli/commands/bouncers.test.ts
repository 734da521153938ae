import { describe, expect, it } from "vitest";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";

describe("rampart bouncers", () => {
  it("adds a bouncer with a generated 32-hex key and prints it once", async () => {
    const lapi = fakeLapi();
    const run = await runCli(lapi, ["bouncers", "add", "fw"]);
    expect(run.code).toBe(0);
    const key = /API key for 'fw':\n\n {3}([0-9a-f]{32})\n\nPlease keep this key/.exec(
      run.stdout,
    )?.[1];
    expect(key).toBeDefined();
    expect(lapi.calls.at(-1)).toEqual({ method: "addBouncer", args: ["fw", key] });
  });

  it("prints only the key with -o raw and a JSON string with -o json", async () => {
    expect(
      (await runCli(fakeLapi(), ["bouncers", "add", "fw", "-k", "abc", "-o", "raw"])).stdout,
    ).toBe("abc\n");
    expect(
      (await runCli(fakeLapi(), ["bouncers", "add", "fw", "-k", "abc", "-o", "json"])).stdout,
    ).toBe('"abc"\n');
  });

  it("reports a duplicate name as an API error", async () => {
    const lapi = fakeLapi();
    await runCli(lapi, ["bouncers", "add", "fw"]);
    expect(await runCli(lapi, ["bouncers", "add", "fw"])).toEqual({
      code: 3,
      stdout: "",
      stderr: "rampart: API error (409): bouncer fw already exists\n",
    });
  });

  it("lists bouncers as a table, CSV or JSON", async () => {
    const lapi = fakeLapi();
    await runCli(lapi, ["bouncers", "add", "fw"]);
    expect((await runCli(lapi, ["bouncers", "list"])).stdout).toMatch(
      /\| fw\s+\|\s+\| ✔️\s+\| never\s+\|/,
    );
    expect((await runCli(lapi, ["bouncers", "list", "-o", "raw"])).stdout).toBe(
      "name,ip,revoked,last_pull,type,version,auth_type\nfw,,validated,,,,api-key\n",
    );
    expect(
      JSON.parse((await runCli(lapi, ["bouncers", "list", "-o", "json"])).stdout)[0].name,
    ).toBe("fw");
  });

  it("deletes bouncers and fails on an unknown one", async () => {
    const lapi = fakeLapi();
    await runCli(lapi, ["bouncers", "add", "fw"]);
    expect((await runCli(lapi, ["bouncers", "delete", "fw"])).stdout).toBe(
      "bouncer 'fw' deleted successfully\n",
    );
    expect((await runCli(lapi, ["bouncers", "delete", "fw"])).code).toBe(3);
  });

  it("prunes only with --force, bouncers idle longer than --duration", async () => {
    const lapi = fakeLapi();
    await runCli(lapi, ["bouncers", "add", "old"]);
    await runCli(lapi, ["bouncers", "add", "fresh"]);
    lapi.bouncers[1]!.last_pull = "2026-11-21T06:59:00Z";
    const now = new Date("2026-11-21T07:00:00Z");
    const dry = await runCli(lapi, ["bouncers", "prune", "-d", "30m"], { now });
    expect(dry.code).toBe(1);
    expect(dry.stderr).toBe(
      "rampart: 1 bouncer(s) would be pruned; run again with --force to delete them\n",
    );
    expect(lapi.bouncers).toHaveLength(2);
    expect(
      (await runCli(lapi, ["bouncers", "prune", "-d", "30m", "--force"], { now })).stdout,
    ).toBe("Successfully deleted 1 bouncer(s)\n");
    expect(lapi.bouncers.map((b) => b.name)).toEqual(["fresh"]);
  });

  it.each(["list", "add", "delete", "prune"])("shows examples for `bouncers %s`", async (verb) => {
    expect((await runCli(fakeLapi(), ["bouncers", verb, "--help"])).stdout).toContain(
      "Examples:\n  rampart bouncers",
    );
  });
});

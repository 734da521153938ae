import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";

describe("rampart machines", () => {
  it("adds a validated machine and prints its credentials as YAML", async () => {
    const lapi = fakeLapi();
    const run = await runCli(lapi, ["machines", "add", "agent", "-p", "pw"]);
    expect(parse(run.stdout)).toEqual({ url: "http://lapi.test/", login: "agent", password: "pw" });
    expect(lapi.machines[0]).toMatchObject({ machineId: "agent", isValidated: true });
  });

  it("writes generated credentials to --file", async () => {
    const files = new Map<string, string>();
    const run = await runCli(
      fakeLapi(),
      ["machines", "add", "agent", "--auto", "-f", "/tmp/creds.yaml"],
      { files },
    );
    expect(run.stdout).toContain("API credentials written to '/tmp/creds.yaml'");
    expect(parse(files.get("/tmp/creds.yaml")!).password).toMatch(/^[\w-]{40,}$/);
  });

  it("requires a password or --auto", async () => {
    expect(await runCli(fakeLapi(), ["machines", "add", "agent"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "rampart: please provide a password with --password or use --auto\n",
    });
  });

  it("validates, lists and deletes machines", async () => {
    const lapi = fakeLapi();
    await lapi.register("agent", "pw");
    expect((await runCli(lapi, ["machines", "list"])).stdout).toMatch(
      /\| agent\s+\|\s+\| 2026-11-21T06:00:00Z \| 🚫/,
    );
    expect((await runCli(lapi, ["machines", "validate", "agent"])).stdout).toBe(
      "machine 'agent' validated successfully\n",
    );
    expect((await runCli(lapi, ["machines", "list", "-o", "raw"])).stdout).toBe(
      "machine_id,ip_address,updated_at,validated,version,auth_type,last_heartbeat\nagent,,2026-11-21T06:00:00Z,true,,password,\n",
    );
    expect((await runCli(lapi, ["machines", "delete", "agent"])).stdout).toBe(
      "machine 'agent' deleted successfully\n",
    );
    expect((await runCli(lapi, ["machines", "validate", "agent"])).code).toBe(3);
  });

  it("prunes unvalidated machines with --not-validated-only --force", async () => {
    const lapi = fakeLapi();
    await lapi.register("pending", "pw");
    await lapi.addMachine("ok", "pw", true);
    const run = await runCli(lapi, ["machines", "prune", "--not-validated-only", "--force"]);
    expect(run.stdout).toBe("Successfully deleted 1 machine(s)\n");
    expect(lapi.machines.map((m) => m.machineId)).toEqual(["ok"]);
  });

  it.each(["list", "add", "validate", "delete", "prune"])(
    "shows examples for `machines %s`",
    async (verb) => {
      expect((await runCli(fakeLapi(), ["machines", verb, "--help"])).stdout).toContain(
        "Examples:\n  rampart machines",
      );
    },
  );
});

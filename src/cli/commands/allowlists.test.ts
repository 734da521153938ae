import { describe, expect, it } from "vitest";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";

describe("rampart allowlists", () => {
  it("creates a list, adds values, inspects and lists it", async () => {
    const lapi = fakeLapi();
    expect((await runCli(lapi, ["allowlists", "create", "office", "-d", "egress"])).stdout).toBe(
      "allowlist 'office' created successfully\n",
    );
    expect(
      (
        await runCli(lapi, [
          "allowlists",
          "add",
          "office",
          "192.0.2.1",
          "198.51.100.0/24",
          "-d",
          "vpn",
        ])
      ).stdout,
    ).toBe("added 2 value(s) to allowlist 'office'\n");
    expect((await runCli(lapi, ["allowlists", "add", "office", "192.0.2.1"])).stdout).toBe(
      "added 0 value(s) to allowlist 'office' (1 already present)\n",
    );
    const inspect = await runCli(lapi, ["allowlists", "inspect", "office"]);
    expect(inspect.stdout).toContain("Allowlist: office\nDescription: egress\n");
    expect(inspect.stdout).toMatch(
      /\| 198\.51\.100\.0\/24 \| vpn\s+\| 2026-11-21T06:00:00Z \| never/,
    );
    expect((await runCli(lapi, ["allowlists", "list", "-o", "raw"])).stdout).toBe(
      "name,description,created_at,updated_at,console_managed,size\noffice,egress,2026-11-21T06:00:00Z,2026-11-21T06:00:00Z,false,2\n",
    );
  });

  it("rejects values that are not IPs or ranges before calling the LAPI", async () => {
    const lapi = fakeLapi();
    const run = await runCli(lapi, ["allowlists", "add", "office", "not-an-ip"]);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: "rampart: 'not-an-ip' is not an IP address or a CIDR range\n",
    });
    expect(lapi.calls).toHaveLength(0);
  });

  it("check exits 0 when allowlisted and 1 when not", async () => {
    const lapi = fakeLapi();
    await runCli(lapi, ["allowlists", "create", "office"]);
    await runCli(lapi, ["allowlists", "add", "office", "192.0.2.1"]);
    expect(await runCli(lapi, ["allowlists", "check", "192.0.2.1"])).toEqual({
      code: 0,
      stdout: "192.0.2.1 is allowlisted by 192.0.2.1 from office\n",
      stderr: "",
    });
    expect(await runCli(lapi, ["allowlists", "check", "192.0.2.2"])).toEqual({
      code: 1,
      stdout: "192.0.2.2 is not allowlisted\n",
      stderr: "",
    });
  });

  it("removes values and deletes the list", async () => {
    const lapi = fakeLapi();
    await runCli(lapi, ["allowlists", "create", "office"]);
    await runCli(lapi, ["allowlists", "add", "office", "192.0.2.1"]);
    expect((await runCli(lapi, ["allowlists", "remove", "office", "192.0.2.1"])).stdout).toBe(
      "removed 1 value(s) from allowlist 'office'\n",
    );
    expect((await runCli(lapi, ["allowlists", "delete", "office"])).stdout).toBe(
      "allowlist 'office' deleted successfully\n",
    );
    expect((await runCli(lapi, ["allowlists", "inspect", "office"])).code).toBe(3);
  });

  it.each(["create", "add", "remove", "list", "inspect", "check", "delete"])(
    "shows examples for `allowlists %s`",
    async (verb) => {
      expect((await runCli(fakeLapi(), ["allowlists", verb, "--help"])).stdout).toContain(
        "Examples:\n  rampart allowlists",
      );
    },
  );
});

import { describe, expect, it } from "vitest";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";

async function withBan(ip = "1.2.3.4") {
  const lapi = fakeLapi("me");
  await runCli(lapi, ["decisions", "add", "-i", ip]);
  return lapi;
}

describe("rampart alerts", () => {
  it("lists alerts with cscli's query defaults and table", async () => {
    const lapi = await withBan();
    const run = await runCli(lapi, ["alerts", "list"]);
    expect(lapi.calls.at(-1)).toEqual({
      method: "listAlerts",
      args: [{ include_capi: "false", limit: "50" }],
    });
    expect(run.stdout).toMatch(
      /\| 1\s+\| Ip:1\.2\.3\.4 \| manual 'ban' from 'me' \|\s+\|\s+\| ban:1\s+\| 2026-11-21T06:00:00Z \|/,
    );
  });

  it("lists alerts as cscli's CSV and as JSON (null when empty)", async () => {
    const lapi = await withBan();
    expect((await runCli(lapi, ["alerts", "list", "-o", "raw"])).stdout).toBe(
      "id,scope,value,reason,country,as,decisions,created_at\n1,Ip,1.2.3.4,manual 'ban' from 'me',,,ban:1,2026-11-21T06:00:00Z\n",
    );
    expect(JSON.parse((await runCli(lapi, ["alerts", "list", "-o", "json"])).stdout)[0].id).toBe(1);
    expect((await runCli(fakeLapi(), ["alerts", "list", "-o", "json"])).stdout).toBe("null\n");
  });

  it("adds the machine column with -m", async () => {
    const lapi = await withBan();
    expect((await runCli(lapi, ["alerts", "list", "-m", "-o", "raw"])).stdout).toBe(
      "id,scope,value,reason,country,as,decisions,created_at,machine\n1,Ip,1.2.3.4,manual 'ban' from 'me',,,ban:1,2026-11-21T06:00:00Z,me\n",
    );
  });

  it("inspects an alert as a cscli block, JSON object or YAML", async () => {
    const lapi = await withBan();
    const human = await runCli(lapi, ["alerts", "inspect", "1"]);
    expect(human.stdout).toContain(" - Scope:Value: Ip:1.2.3.4\n");
    expect(human.stdout).toContain(" - Active Decisions  :\n");
    expect(human.stdout).toMatch(/\| 1\s+\| Ip:1\.2\.3\.4\s+\| ban\s+\| 4h/);
    expect(
      JSON.parse((await runCli(lapi, ["alerts", "inspect", "1", "-o", "json"])).stdout),
    ).toMatchObject({
      id: 1,
      source: { value: "1.2.3.4" },
    });
    expect((await runCli(lapi, ["alerts", "inspect", "1", "-o", "raw"])).stdout).toContain(
      "scenario: manual 'ban' from 'me'\n",
    );
  });

  it("rejects a non-numeric alert id and reports a missing one", async () => {
    const lapi = await withBan();
    expect(await runCli(lapi, ["alerts", "inspect", "x"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "rampart: invalid alert id 'x': not a positive integer\n",
    });
    expect(await runCli(lapi, ["alerts", "inspect", "9"])).toEqual({
      code: 3,
      stdout: "",
      stderr: "rampart: API error (404): alert 9 not found\n",
    });
  });

  it("deletes by filter, by id, and everything with --all (limit=0)", async () => {
    const lapi = await withBan();
    await runCli(lapi, ["decisions", "add", "-i", "5.6.7.8"]);
    expect((await runCli(lapi, ["alerts", "delete", "-i", "1.2.3.4"])).stdout).toBe(
      "1 alert(s) deleted\n",
    );
    expect((await runCli(lapi, ["alerts", "delete", "--id", "2"])).stdout).toBe(
      "1 alert(s) deleted\n",
    );
    await runCli(lapi, ["alerts", "delete", "--all"]);
    expect(lapi.calls.at(-1)).toEqual({ method: "deleteAlerts", args: [{ limit: "0" }] });
    expect((await runCli(lapi, ["alerts", "delete"])).code).toBe(2);
  });

  it("flushes by age over the wire and keeps only --max-items alerts", async () => {
    const lapi = await withBan();
    await runCli(lapi, ["decisions", "add", "-i", "5.6.7.8"]);
    await runCli(lapi, ["decisions", "add", "-i", "9.9.9.9"]);
    lapi.alerts[0]!.created_at = "2026-10-01T00:00:00Z";
    const run = await runCli(lapi, ["alerts", "flush", "--max-age", "30d", "--max-items", "1"]);
    expect(lapi.calls.find((c) => c.method === "deleteAlerts")!.args[0]).toEqual({
      created_before: "30d",
    });
    expect(run.stdout).toBe("2 alert(s) flushed\n");
    expect(lapi.alerts.map((a) => a.source.value)).toEqual(["9.9.9.9"]);
  });

  it.each(["list", "inspect", "delete", "flush"])(
    "shows examples for `alerts %s`",
    async (verb) => {
      expect((await runCli(fakeLapi(), ["alerts", verb, "--help"])).stdout).toContain(
        "Examples:\n  rampart alerts",
      );
    },
  );
});

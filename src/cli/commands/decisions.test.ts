import { describe, expect, it } from "vitest";
import { fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";

describe("rampart decisions add", () => {
  it("posts one cscli-style alert with a 4h ban and cscli's default reason", async () => {
    const lapi = fakeLapi("me");
    const run = await runCli(lapi, ["decisions", "add", "-i", "1.2.3.4"]);
    expect(run).toMatchObject({ code: 0, stdout: "Decision successfully added\n", stderr: "" });
    expect(lapi.alerts).toHaveLength(1);
    const alert = lapi.alerts[0]!;
    expect(alert).toMatchObject({
      scenario: "manual 'ban' from 'me'",
      message: "manual 'ban' from 'me'",
      capacity: 0,
      leakspeed: "0",
      events_count: 1,
      source: { scope: "Ip", value: "1.2.3.4", ip: "1.2.3.4" },
    });
    expect(alert.decisions).toEqual([
      expect.objectContaining({
        type: "ban",
        duration: "4h",
        origin: "cscli",
        scope: "Ip",
        value: "1.2.3.4",
      }),
    ]);
  });

  it("takes range, type, duration and reason flags", async () => {
    const lapi = fakeLapi();
    const run = await runCli(lapi, [
      "decisions",
      "add",
      "-r",
      "10.0.0.0/24",
      "-t",
      "captcha",
      "-d",
      "1h",
      "-R",
      "scan",
    ]);
    expect(run.code).toBe(0);
    expect(lapi.alerts[0]!.decisions![0]).toMatchObject({
      scope: "Range",
      value: "10.0.0.0/24",
      type: "captcha",
      duration: "1h",
      scenario: "scan",
    });
  });

  it("normalises --scope and accepts --value", async () => {
    const lapi = fakeLapi();
    expect(
      (await runCli(lapi, ["decisions", "add", "--scope", "country", "--value", "FR"])).code,
    ).toBe(0);
    expect(lapi.alerts[0]!.decisions![0]).toMatchObject({ scope: "Country", value: "FR" });
  });

  it("prints nothing on stdout with -o json, like cscli 1.4.6", async () => {
    const run = await runCli(fakeLapi(), ["decisions", "add", "-i", "1.2.3.4", "-o", "json"]);
    expect(run).toMatchObject({ code: 0, stdout: "" });
  });

  it.each([
    [["-i", "1.2.3"], "rampart: 1.2.3 isn't a valid ip\n"],
    [["-r", "10.0.0.0/33"], "rampart: 10.0.0.0/33 isn't a valid range\n"],
    [
      ["-i", "1.2.3.4", "-d", "1x"],
      'rampart: invalid duration \'1x\': time: unknown unit "x" in duration "1x"\n',
    ],
    [
      ["--scope", "planet", "--value", "earth"],
      "rampart: unknown scope 'planet' (expected Ip, Range, AS or Country; --custom-scope sends it as is)\n",
    ],
    [[], "rampart: missing arguments: a value is required (--ip, --range or --value)\n"],
  ])("rejects bad input %j with one line on stderr and exit 2", async (args, message) => {
    const lapi = fakeLapi();
    const run = await runCli(lapi, ["decisions", "add", ...args]);
    expect(run).toEqual({ code: 2, stdout: "", stderr: message });
    expect(lapi.alerts).toHaveLength(0);
  });

  it("sends a custom scope only with --custom-scope", async () => {
    const lapi = fakeLapi();
    expect(
      (
        await runCli(lapi, [
          "decisions",
          "add",
          "--scope",
          "username",
          "--value",
          "bob",
          "--custom-scope",
        ])
      ).code,
    ).toBe(0);
    expect(lapi.alerts[0]!.source.scope).toBe("username");
  });
});

describe("rampart decisions list", () => {
  it("queries alerts like cscli and renders a table of their decisions", async () => {
    const lapi = fakeLapi("me");
    await runCli(lapi, ["decisions", "add", "-i", "1.2.3.4"]);
    const run = await runCli(lapi, ["decisions", "list"]);
    expect(run.code).toBe(0);
    expect(lapi.calls.at(-1)).toEqual({
      method: "listAlerts",
      args: [{ has_active_decision: "true", include_capi: "false", limit: "100" }],
    });
    expect(run.stdout).toContain("| ID | Source | Scope:Value | Reason");
    expect(run.stdout).toMatch(
      /\| 1\s+\| cscli\s+\| Ip:1\.2\.3\.4\s+\| manual 'ban' from 'me' \| ban/,
    );
  });

  it("maps the filter flags to the alert query", async () => {
    const lapi = fakeLapi();
    await runCli(lapi, [
      "decisions",
      "list",
      "-i",
      "1.2.3.4",
      "-t",
      "ban",
      "--origin",
      "cscli",
      "--contained",
      "--since",
      "1h",
      "--no-simu",
    ]);
    expect(lapi.calls.at(-1)!.args[0]).toEqual({
      has_active_decision: "true",
      include_capi: "false",
      limit: "100",
      ip: "1.2.3.4",
      origin: "cscli",
      contains: "false",
      decision_type: "ban",
      since: "1h",
      simulated: "false",
    });
  });

  it("-a includes CAPI decisions without a limit", async () => {
    const lapi = fakeLapi();
    await runCli(lapi, ["decisions", "list", "-a"]);
    expect(lapi.calls.at(-1)!.args[0]).toMatchObject({ include_capi: "true", limit: "0" });
  });

  it("prints null for no decisions in JSON and a sentence for humans", async () => {
    expect((await runCli(fakeLapi(), ["decisions", "list", "-o", "json"])).stdout).toBe("null\n");
    expect((await runCli(fakeLapi(), ["decisions", "list"])).stdout).toBe("No active decisions\n");
  });

  it("prints the alerts array as JSON and cscli's CSV as raw", async () => {
    const lapi = fakeLapi("me");
    await runCli(lapi, ["decisions", "add", "-i", "1.2.3.4"]);
    const json = JSON.parse((await runCli(lapi, ["decisions", "list", "-o", "json"])).stdout);
    expect(json[0].decisions[0]).toMatchObject({ value: "1.2.3.4", origin: "cscli" });
    const raw = (await runCli(lapi, ["-o", "raw", "decisions", "list"])).stdout;
    expect(raw).toBe(
      "id,source,ip,reason,action,country,as,events_count,expiration,simulated,alert_id\n1,cscli,Ip:1.2.3.4,manual 'ban' from 'me',ban,,,1,4h,false,1\n",
    );
  });

  it("adds the machine column with -m", async () => {
    const lapi = fakeLapi("me");
    await runCli(lapi, ["decisions", "add", "-i", "1.2.3.4"]);
    expect((await runCli(lapi, ["decisions", "list", "-m", "-o", "raw"])).stdout).toBe(
      "id,source,ip,reason,action,country,as,events_count,expiration,simulated,alert_id,machine\n1,cscli,Ip:1.2.3.4,manual 'ban' from 'me',ban,,,1,4h,false,1,me\n",
    );
    expect((await runCli(lapi, ["decisions", "list", "-m"])).stdout).toMatch(
      /\| Alert ID \| Machine \|\n/,
    );
  });

  it("rejects an invalid --ip and an unknown output format", async () => {
    expect(await runCli(fakeLapi(), ["decisions", "list", "-i", "nope"])).toMatchObject({
      code: 2,
      stderr: "rampart: nope isn't a valid ip\n",
    });
    const bad = await runCli(fakeLapi(), ["decisions", "list", "-o", "yaml"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: option '-o, --output <format>' argument 'yaml' is invalid/);
  });
});

describe("rampart decisions delete", () => {
  it("expires the matching decisions and reports how many", async () => {
    const lapi = fakeLapi();
    await runCli(lapi, ["decisions", "add", "-i", "1.2.3.4"]);
    const run = await runCli(lapi, ["decisions", "delete", "-i", "1.2.3.4"]);
    expect(run).toMatchObject({ code: 0, stdout: "1 decision(s) deleted\n" });
    expect(lapi.calls.at(-1)).toEqual({ method: "deleteDecisions", args: [{ ip: "1.2.3.4" }] });
  });

  it("sends --scope as the `scopes` filter the LAPI knows", async () => {
    const lapi = fakeLapi();
    await runCli(lapi, ["decisions", "delete", "--scope", "ip", "-v", "1.2.3.4"]);
    expect(lapi.calls.at(-1)!.args[0]).toEqual({ scopes: "Ip", value: "1.2.3.4" });
  });

  it("deletes by id", async () => {
    const lapi = fakeLapi();
    await runCli(lapi, ["decisions", "add", "-i", "1.2.3.4"]);
    expect((await runCli(lapi, ["decisions", "delete", "--id", "1"])).stdout).toBe(
      "1 decision(s) deleted\n",
    );
    expect(lapi.calls.at(-1)).toEqual({ method: "deleteDecision", args: [1] });
  });

  it("refuses to delete everything without --all", async () => {
    const lapi = fakeLapi();
    const run = await runCli(lapi, ["decisions", "delete"]);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: "rampart: at least one filter or --all must be specified\n",
    });
    expect((await runCli(lapi, ["decisions", "delete", "--all"])).code).toBe(0);
    expect(lapi.calls.at(-1)).toEqual({ method: "deleteDecisions", args: [{}] });
  });

  it("passes the LAPI's error through as one line with exit 3", async () => {
    const run = await runCli(fakeLapi(), ["decisions", "delete", "--id", "99"]);
    expect(run).toEqual({
      code: 3,
      stdout: "",
      stderr: "rampart: API error (500): decision with id '99' doesn't exist: unable to delete\n",
    });
  });
});

describe("rampart decisions --help", () => {
  it.each(["list", "add", "delete", "import"])(
    "shows examples for `decisions %s`",
    async (verb) => {
      const run = await runCli(fakeLapi(), ["decisions", verb, "--help"]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("Examples:\n  rampart decisions");
    },
  );
});

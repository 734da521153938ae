import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CliError, EXIT } from "../cli-error.js";
import { type FakeLapi, fakeLapi } from "../testing/fake-lapi-client.js";
import { runCli } from "../testing/run-cli.js";
import { makeProfilesCommand } from "./profiles.js";

const PROFILES = `name: default_ip_remediation
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
 - type: ban
   duration: 4h
duration_expr: Sprintf('%dh', (GetDecisionsCount(Alert.GetValue()) + 1) * 4)
on_success: break
---
name: captcha_ranges
filters:
 - Alert.GetScope() == "Range"
decisions:
 - type: captcha
   duration: 1h
   scope: Range
notifications:
 - slack_default
`;

const NOTIFIERS = "type: http\nname: slack_default\nurl: https://hooks.example/x\n";

function run(text: string | null, args: string[], lapi: FakeLapi = fakeLapi()) {
  const dir = mkdtempSync(join(tmpdir(), "rampart-profiles-"));
  if (text !== null) writeFileSync(join(dir, "profiles.yaml"), text);
  writeFileSync(join(dir, "notifications.yaml"), NOTIFIERS);
  const argv = args.map((a) => a.replace("{dir}", dir));
  return runCli(lapi, ["profiles", ...argv], {
    extraCommands: (io) => [
      makeProfilesCommand({ io, config: () => ({ configDir: dir }), client: lapi }),
    ],
  });
}

describe("rampart profiles", () => {
  it("shows the profiles of a valid file in order", async () => {
    const out = await run(PROFILES, ["show", "-o", "raw"]);
    expect(out).toEqual({
      code: 0,
      stderr: "",
      stdout:
        'name,filters,decisions,on_success,notifications\ndefault_ip_remediation,"Alert.Remediation == true && Alert.GetScope() == ""Ip""",ban 4h,break,\ncaptcha_ranges,"Alert.GetScope() == ""Range""",captcha 1h (Range),continue,slack_default\n',
    });
    expect(JSON.parse((await run(PROFILES, ["show", "-o", "json"])).stdout)).toHaveLength(2);
  });

  it.each([
    [
      "an unknown key",
      'name: x\nfilters: ["true"]\nfilter: oops\n',
      /profiles\.yaml: document 1: \(root\): unknown key\(s\) filter$/,
    ],
    [
      "a filter that does not compile",
      'name: x\nfilters: ["Alert.GetScope() =="]\n',
      /profiles\.yaml: document 1: filters\.0: .*\(1:\d+\); \| Alert/,
    ],
    [
      "a bad duration",
      'name: x\nfilters: ["true"]\ndecisions: [{type: ban, duration: 4x}]\n',
      /document 1: decisions\.0\.duration: time: unknown unit "x" in duration "4x"$/,
    ],
    [
      "a decision without duration or duration_expr (1.4.6 crashes on it)",
      'name: x\nfilters: ["true"]\ndecisions: [{type: ban}]\n',
      /document 1: decisions\.0\.duration: required \(or set duration_expr\)$/,
    ],
  ])("rejects %s in one line", async (_name, text, message) => {
    const out = await run(text, ["show"]);
    expect(out.code).toBe(2);
    expect(out.stderr.split("\n")).toHaveLength(2);
    expect(out.stderr.trimEnd()).toMatch(message);
  });

  it("apply uploads the validated file, then show --remote prints what the LAPI applies", async () => {
    const lapi = fakeLapi();
    const before = await run(null, ["show", "--remote", "-o", "json"], lapi);
    expect(JSON.parse(before.stdout).map((p: { name: string }) => p.name)).toEqual([
      "default_ip_remediation",
    ]);
    const out = await run(PROFILES, ["apply", "--notifications", "{dir}/notifications.yaml"], lapi);
    expect(out).toMatchObject({ code: 0, stderr: "" });
    expect(out.stdout).toMatch(
      /notifications\.yaml: 1 notifier\(s\) stored\n.*profiles\.yaml: 2 profile\(s\) applied\n$/s,
    );
    expect(lapi.documents.get("profiles")).toBe(PROFILES);
    expect(lapi.documents.get("notifications")).toBe(NOTIFIERS);
    const shown = await run(null, ["show", "--remote", "-o", "raw"], lapi);
    expect(shown.stdout).toBe((await run(PROFILES, ["show", "-o", "raw"])).stdout);
    const human = await run(null, ["show", "--remote"], lapi);
    expect(human.stdout).toMatch(/^Stored profiles \(updated /);
  });

  it("apply warns on stderr about notifiers the LAPI does not know", async () => {
    const lapi = fakeLapi();
    lapi.putConfigDocument = async (kind) => ({
      kind,
      items: 2,
      updated_at: 1,
      unknown_notifiers: ["slack_default"],
    });
    const out = await run(PROFILES, ["apply"], lapi);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe(
      "warning: the profiles name notifier(s) the LAPI has no configuration for (not sent): slack_default\n",
    );
  });

  it("apply refuses an invalid file locally (exit 2) and uploads nothing", async () => {
    const lapi = fakeLapi();
    const out = await run('name: x\nfilters: ["true"]\nbogus: 1\n', ["apply"], lapi);
    expect(out.code).toBe(2);
    expect(lapi.calls.filter((c) => c.method === "putConfigDocument")).toEqual([]);
  });

  it("apply prints the LAPI's refusal in one line with the API exit code", async () => {
    const lapi = fakeLapi();
    lapi.putConfigDocument = async () => {
      throw new CliError(
        "PUT /admin/v1/profiles: API error (400): profiles: document 1: filters.0: boom (1:2); | x; | .^",
        EXIT.api,
      );
    };
    const out = await run(PROFILES, ["apply"], lapi);
    expect(out.code).toBe(EXIT.api);
    expect(out.stderr).toBe(
      "rampart: PUT /admin/v1/profiles: API error (400): profiles: document 1: filters.0: boom (1:2); | x; | .^\n",
    );
  });

  it("apply takes the file as an argument or -f, and fails clearly on a missing file", async () => {
    expect((await run(PROFILES, ["apply", "-f", "{dir}/profiles.yaml"])).code).toBe(0);
    const missing = await run(PROFILES, ["apply", "{dir}/nope.yaml"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^rampart: cannot read '.*nope\.yaml'/);
    expect((await run(null, ["show"])).stderr).toMatch(/^rampart: cannot read '.*profiles\.yaml'/);
  });

  it.each(["show", "apply"])("shows examples for `profiles %s`", async (verb) => {
    expect((await run(null, [verb, "--help"])).stdout).toContain("Examples:\n  rampart profiles");
  });
});

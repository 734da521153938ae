import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeLapi } from "../testing/fake-lapi-client.js";
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
   scope: Range
notifications:
 - slack_default
`;

function run(text: string | null, args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "rampart-profiles-"));
  if (text !== null) writeFileSync(join(dir, "profiles.yaml"), text);
  return runCli(fakeLapi(), ["profiles", ...args], {
    extraCommands: (io) => [makeProfilesCommand({ io, config: () => ({ configDir: dir }) })],
  });
}

describe("rampart profiles", () => {
  it("shows the profiles of a valid file in order", async () => {
    const out = await run(PROFILES, ["show", "-o", "raw"]);
    expect(out).toEqual({
      code: 0,
      stderr: "",
      stdout:
        'name,filters,decisions,on_success,notifications\ndefault_ip_remediation,"Alert.Remediation == true && Alert.GetScope() == ""Ip""",ban 4h,break,\ncaptcha_ranges,"Alert.GetScope() == ""Range""",captcha 4h (Range),continue,slack_default\n',
    });
    expect(JSON.parse((await run(PROFILES, ["show", "-o", "json"])).stdout)).toHaveLength(2);
  });

  it.each([
    [
      "an unknown key",
      'name: x\nfilters: ["true"]\nfilter: oops\n',
      /document 1: \(root\): Unrecognized key\(s\) in object: 'filter'$/,
    ],
    [
      "a filter that does not compile",
      'name: x\nfilters: ["Alert.GetScope() =="]\n',
      /document 1 \(x\): filters\.0: /,
    ],
    [
      "a bad duration",
      'name: x\nfilters: ["true"]\ndecisions: [{type: ban, duration: 4x}]\n',
      /decisions\.0\.duration: invalid duration '4x'$/,
    ],
  ])("rejects %s in one line", async (_name, text, message) => {
    const out = await run(text, ["show"]);
    expect(out.code).toBe(2);
    expect(out.stderr.split("\n")).toHaveLength(2);
    expect(out.stderr.trimEnd()).toMatch(message);
  });

  it("apply validates, then says the LAPI cannot store profiles yet", async () => {
    const out = await run(PROFILES, ["apply"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/is valid, but applying profiles is not supported by this LAPI yet/);
    expect((await run(null, ["show"])).stderr).toMatch(/^rampart: cannot read '.*profiles\.yaml'/);
  });

  it.each(["show", "apply"])("shows examples for `profiles %s`", async (verb) => {
    expect((await run(null, [verb, "--help"])).stdout).toContain("Examples:\n  rampart profiles");
  });
});

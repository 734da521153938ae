import { describe, expect, it } from "vitest";
import type { ProfileAlertInput } from "./alert-input.js";
import { compileProfiles } from "./compile-profiles.js";
import { DEFAULT_PROFILES_YAML } from "./default-profiles.js";
import { evaluateProfiles } from "./evaluate-profiles.js";
import type { HelperCall, HelperFetcher } from "./profile-helpers.js";

function alert(over: Partial<ProfileAlertInput> = {}): ProfileAlertInput {
  return {
    scenario: "crowdsecurity/ssh-bf",
    remediation: true,
    simulated: false,
    events_count: 6,
    source: { scope: "Ip", value: "1.2.3.4", ip: "1.2.3.4" },
    ...over,
  };
}

function compiled(text: string) {
  const r = compileProfiles(text);
  if (!r.ok) throw new Error(JSON.stringify(r.issue));
  return r.value;
}

const noHelpers: HelperFetcher = async (calls) => {
  throw new Error(`unexpected helper calls ${calls.map((c) => c.key).join()}`);
};

async function one(text: string, a: ProfileAlertInput, fetch = noHelpers) {
  return (await evaluateProfiles(compiled(text), [{ alert: a, machineId: "m" }], fetch))[0]!;
}

describe("evaluateProfiles", () => {
  it("gives a 4h crowdsec ban to an Ip alert with remediation under the default profile", async () => {
    const r = await one(DEFAULT_PROFILES_YAML, alert());
    expect(r).toEqual({
      ok: true,
      notifications: [],
      decisions: [
        {
          type: "ban",
          duration: "4h",
          scope: "Ip",
          value: "1.2.3.4",
          origin: "crowdsec",
          scenario: "crowdsecurity/ssh-bf",
          simulated: false,
        },
      ],
    });
  });

  it("gives nothing to remediation=false, Range or lowercase-scope alerts under the default", async () => {
    for (const a of [
      alert({ remediation: false }),
      alert({ source: { scope: "Range", value: "1.2.0.0/16", range: "1.2.0.0/16" } }),
      alert({ source: { scope: "ip", value: "1.2.3.4" } }),
    ]) {
      const r = await one(DEFAULT_PROFILES_YAML, a);
      expect(r.ok && r.decisions).toEqual([]);
    }
  });

  it("has no remediation gate of its own: a filter that ignores it bans remediation=false alerts", async () => {
    const r = await one(
      "name: all\nfilters: ['true']\ndecisions: [{type: ban, duration: 1h}]\n",
      alert({ remediation: false }),
    );
    expect(r.ok && r.decisions.map((d) => d.duration)).toEqual(["1h"]);
  });

  it("generates the decision list once per true filter", async () => {
    const r = await one(
      "name: p\nfilters: ['true', 'false', 'true']\ndecisions: [{type: ban, duration: 1h}]\n",
      alert(),
    );
    expect(r.ok && r.decisions.length).toBe(2);
  });

  it("keeps the first matching profile's decisions, notifies every match, stops on break", async () => {
    const text = [
      "name: a\nfilters: ['false']\ndecisions: [{type: ban, duration: 1h}]\non_failure: break\nnotifications: [n0]",
      "name: b\nfilters: ['true']\ndecisions: [{type: ban, duration: 5h}]\nnotifications: [n1]",
      "name: c\nfilters: ['true']\ndecisions: [{type: captcha, duration: 6h}]\nnotifications: [n2]\non_success: break",
      "name: d\nfilters: ['true']\ndecisions: [{type: ban, duration: 7h}]\nnotifications: [n3]",
    ].join("\n---\n");
    const r = await one(text, alert());
    expect(r.ok && r.decisions.map((d) => `${d.type} ${d.duration}`)).toEqual(["ban 5h"]);
    expect(r.ok && r.notifications).toEqual([
      { profile: 1, notifiers: ["n1"] },
      { profile: 2, notifiers: ["n2"] },
    ]);
  });

  it("overrides scope, prefixes origin and marks decisions of simulated alerts", async () => {
    const r = await one(
      "name: p\nfilters: ['true']\ndecisions: [{type: ban, duration: 1h, scope: Range, origin: foo}]\n",
      alert({ simulated: true, source: { scope: "Ip", value: "5.5.5.5", range: "5.5.0.0/16" } }),
    );
    expect(r.ok && r.decisions[0]).toMatchObject({
      scope: "Range",
      value: "5.5.5.5",
      origin: "crowdsec/foo",
      simulated: true,
    });
  });

  it("keeps an alert's own decisions and only notifies", async () => {
    const r = await one(
      "name: p\nfilters: ['true']\ndecisions: [{type: ban, duration: 1h}]\nnotifications: [hook]\n",
      alert({ decisions: [{ type: "captcha", duration: "1h", value: "1.2.3.4", scope: "Ip" }] }),
    );
    expect(r).toEqual({
      ok: true,
      decisions: [],
      notifications: [{ profile: 0, notifiers: ["hook"] }],
    });
  });

  it("fetches helper answers and evaluates duration_expr with them", async () => {
    const seen: string[][] = [];
    const fetch = async (calls: readonly HelperCall[]) => {
      seen.push(calls.map((c) => c.key));
      return calls.map(() => 2);
    };
    const r = await one(
      "name: p\nfilters: ['true']\ndecisions: [{type: ban, duration: 1h}]\n" +
        "duration_expr: Sprintf('%dh', (GetDecisionsCount(Alert.GetValue()) + 1) * 4)\n",
      alert(),
      fetch,
    );
    expect(r.ok && r.decisions[0]!.duration).toBe("12h");
    expect(seen).toEqual([['["GetDecisionsCount",["1.2.3.4"]]']]);
  });

  it("resolves helper calls that depend on other helper answers in further rounds", async () => {
    const fetch = async (calls: readonly HelperCall[]) =>
      calls.map((c) => (c.name === "GetDecisionsCount" ? 3 : 7));
    const r = await one(
      "name: p\nfilters: ['GetDecisionsCount(Alert.GetValue()) > 2 && GetActiveDecisionsCount(Alert.GetValue()) == 7']\n" +
        "decisions: [{type: ban, duration: 1h}]\n",
      alert(),
      fetch,
    );
    expect(r.ok && r.decisions.length).toBe(1);
  });

  it("keeps the profile duration when duration_expr fails or is not a Go duration", async () => {
    for (const expr of ["'notaduration'", "Alert.Events[10].Timestamp", "'1d'"]) {
      const r = await one(
        `name: p\nfilters: ['true']\ndecisions: [{type: ban, duration: 2h}]\nduration_expr: "${expr}"\n`,
        alert(),
      );
      expect(r.ok && r.decisions[0]!.duration).toBe("2h");
    }
  });

  it("fails like 1.4.6 on a filter runtime error and on a non-boolean filter", async () => {
    const err = await one(
      "name: p\nfilters: ['Alert.Events[10].Timestamp == nil']\n",
      alert({ events: [] }),
    );
    expect(err.ok).toBe(false);
    expect(!err.ok && err.message).toMatch(
      /^while running expression Alert\.Events\[10\]\.Timestamp == nil: .*\(1:\d+\)\n \| /,
    );
    const nonBool = await one("name: p\nfilters: ['\"yes\"']\n", alert());
    expect(nonBool).toEqual({
      ok: false,
      message: "unexpected type %!t(string=yes) (yes) while running '\"yes\"'",
    });
  });
});

describe("compileProfiles", () => {
  it.each([
    ["name: p\nfilters: ['true']\nbogus: 1\n", "document 1: (root): unknown key(s) bogus"],
    ["name: p\nfilters: ['true']\n---\nname: q\nfilters: ['1 +']\n", "document 2: filters.0:"],
    [
      "name: p\nfilters: ['true']\ndecisions: [{type: ban, duration: 1d}]\n",
      'document 1: decisions.0.duration: time: unknown unit "d"',
    ],
    [
      "name: p\nfilters: ['true']\ndecisions: [{type: ban}]\n",
      "document 1: decisions.0.duration: required",
    ],
    ["name: p\nfilters: ['true']\non_success: stop\n", "document 1: on_success:"],
    ["name: [\n", "document 1: (root): invalid YAML"],
  ])("rejects %j", (text, expected) => {
    const r = compileProfiles(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      const line = `document ${r.issue.document}: ${r.issue.key}: ${r.issue.reason}`;
      expect(line.startsWith(expected)).toBe(true);
    }
  });
});

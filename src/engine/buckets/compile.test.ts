import { describe, expect, it } from "vitest";
import { compileExpr } from "../expr/index.js";
import { compileScenario } from "./compile.js";
import { decodeScenarioFile, ScenarioConfigError } from "./config.js";
import { scenariosOf } from "./test-support.js";

const base = `name: t/x\ndescription: d\nfilter: "true"\n`;

function compileError(yaml: string): string {
  try {
    scenariosOf(yaml, "scenarios/x.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioConfigError);
    return (error as Error).message;
  }
  throw new Error("compiled");
}

describe("scenario config", () => {
  it("rejects an unknown key, naming the file, the document and the key", () => {
    const message = compileError(
      `${base}type: trigger\n---\n${base}type: trigger\nleakspeeed: 1s\n`,
    );
    expect(message).toContain("scenarios/x.yaml#2");
    expect(message).toContain("leakspeeed");
  });

  it.each([
    ["type: leaky\nleakspeed: 10s\n", "capacity: bad capacity for leaky '0'"],
    ["type: leaky\ncapacity: 5\n", "leakspeed: leakspeed can't be empty for leaky"],
    ["type: leaky\ncapacity: 5\nleakspeed: 10d\n", 'leakspeed: time: unknown unit "d"'],
    ["type: leaky\ncapacity: five\nleakspeed: 1s\n", "capacity: cannot unmarshal 'five' into int"],
    ["type: trigger\ncapacity: 3\n", "trigger bucket must have 0 capacity"],
    ["type: counter\ncapacity: -1\n", "duration can't be empty for counter"],
    ["type: counter\nduration: 1m\ncapacity: 2\n", "counter bucket must have -1 capacity"],
    [
      "type: conditional\nleakspeed: 1m\ncapacity: -1\n",
      "conditional bucket must have a condition",
    ],
    [
      "type: bayesian\nleakspeed: 1m\ncapacity: -1\n",
      "bayesian bucket must have bayesian conditions",
    ],
    ["type: nope\n", "type: unknown bucket type 'nope'"],
    ["type: trigger\nblackhole: soon\n", "blackhole: time: invalid duration"],
    [
      "type: trigger\nscope:\n  type: username\n",
      "a scope expression is required for scope type 'username'",
    ],
  ])("refuses %j with a message naming the key", (extra, expected) => {
    const message = compileError(base + extra);
    expect(message).toContain("scenarios/x.yaml (t/x)");
    expect(message).toContain(expected);
  });

  it("reports an expression that does not compile with the key in the location", () => {
    expect(() =>
      scenariosOf(`${base}type: trigger\ngroupby: "evt.Meta.x +"\n`, "s.yaml"),
    ).toThrow();
    const [config] = decodeScenarioFile("s.yaml", `${base}type: trigger\ngroupby: "a +"\n`);
    let where = "";
    compileScenarioWith(config!, (w) => {
      where = w;
    });
    expect(where).toBe("s.yaml (t/x).groupby");
  });

  it("resolves durations, queue size, lifetime and labels like 1.4.6 NewLeaky", () => {
    const [leaky, counter, trigger] = scenariosOf(
      `${base}type: leaky\ncapacity: 5\nleakspeed: 10s\ncache_size: 2\nblackhole: 1m\nreprocess: true\nlabels:\n  remediation: true\n  service: ssh\n---\n${base.replace("t/x", "t/c")}type: counter\ncapacity: -1\nduration: 1m30s\n---\n${base.replace("t/x", "t/t")}type: trigger\n`,
    );
    expect(leaky).toMatchObject({
      capacity: 5,
      leakspeedMs: 10_000,
      leakspeedText: "10s",
      queueSize: 2,
      lifetimeMs: 60_000,
      blackholeMs: 60_000,
      reprocess: true,
      remediation: true,
      labels: { remediation: "true", service: "ssh" },
      scopeType: "Ip",
    });
    expect(counter).toMatchObject({
      lifetimeMs: 90_000,
      timedOverflow: true,
      queueSize: Number.POSITIVE_INFINITY,
      leakspeedText: "0s",
    });
    expect(trigger).toMatchObject({ capacity: 0, queueSize: 0, lifetimeMs: 0, remediation: false });
  });

  it("keeps list- and number-valued labels of the current hub (HEAD map[string]interface{})", () => {
    const [s] = scenariosOf(
      `${base}type: trigger\nlabels:\n  classification:\n    - attack.T1110\n  behavior: "ssh:bruteforce"\n  spoofable: 0\n  confidence: 3\n  label: "SSH Bruteforce"\n  remediation: true\n`,
    );
    expect(s!.labels).toEqual({
      classification: ["attack.T1110"],
      behavior: "ssh:bruteforce",
      spoofable: "0",
      confidence: "3",
      label: "SSH Bruteforce",
      remediation: "true",
    });
    expect(s!.remediation).toBe(true);
  });

  it.each([
    ["false", false],
    ["yes", true],
    ["[true]", false],
  ])("reads labels.remediation %s as YAML bool (%s)", (value, expected) => {
    const [s] = scenariosOf(`${base}type: trigger\nlabels:\n  remediation: ${value}\n`);
    expect(s!.remediation).toBe(expected);
  });

  it("compiles bayesian conditions with float32 probabilities and guillotines", () => {
    const [bayes] = scenariosOf(
      `${base}type: bayesian\ncapacity: -1\nleakspeed: 30s\nbayesian_prior: 0.1\nbayesian_threshold: 0.9\nbayesian_conditions:\n  - condition: "true"\n    prob_given_evil: 0.7\n    prob_given_benign: 0.3\n    guillotine: true\n`,
    );
    expect(bayes!.bayesian!.prior).toBe(Math.fround(0.1));
    expect(bayes!.bayesian!.conditions[0]).toMatchObject({
      probGivenEvil: Math.fround(0.7),
      guillotine: true,
    });
    expect(bayes!.lifetimeMs).toBe(30_000);
  });
});

function compileScenarioWith(
  config: Parameters<typeof compileScenario>[0],
  onWhere: (where: string) => void,
): void {
  try {
    compileScenario(config, {
      path: "s.yaml",
      compileExpr: (source, where) => {
        try {
          return compileExpr(source);
        } catch (error) {
          onWhere(where);
          throw error;
        }
      },
    });
  } catch {
    // expected: the groupby does not compile
  }
}

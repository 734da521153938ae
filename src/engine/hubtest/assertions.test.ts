import { describe, expect, it } from "vitest";
import { runAssertions } from "./assertions.js";

const results = [
  { Overflow: { Alert: { scenario: "crowdsecurity/ssh-bf" }, Sources: { "1.2.3.4": {} } } },
];

describe("runAssertions", () => {
  it("counts every true line and skips blank ones", () => {
    const text =
      'len(results) == 1\n\nresults[0].Overflow.Alert.scenario == "crowdsecurity/ssh-bf"\n';
    expect(runAssertions(text, results)).toEqual({ total: 2, failures: [], error: null });
  });

  it("reports a false line with its left-hand side's value and goes on", () => {
    const text = 'results[0].Overflow.Alert.scenario == "x"\nlen(results) == 3\nlen(results) == 1';
    const outcome = runAssertions(text, results);
    expect(outcome.total).toBe(3);
    expect(outcome.error).toBeNull();
    expect(outcome.failures).toEqual([
      {
        line: 1,
        expression: 'results[0].Overflow.Alert.scenario == "x"',
        actual: '"crowdsecurity/ssh-bf"',
      },
      { line: 2, expression: "len(results) == 3", actual: "1" },
    ]);
  });

  it("stops the file at a line that fails at run time", () => {
    const outcome = runAssertions(
      "len(results) == 1\nresults[4].Overflow == nil\nlen(results) == 2",
      results,
    );
    expect(outcome.total).toBe(1);
    expect(outcome.failures).toEqual([]);
    expect(outcome.error?.line).toBe(2);
    expect(outcome.error?.message).toMatch(/out of range/);
  });

  it("stops at a line that is not a condition or does not compile", () => {
    expect(runAssertions("len(results)", results).error).toMatchObject({
      line: 1,
      message: "assertion 'len(results)' is not a condition",
    });
    expect(runAssertions("len(results ==", results).error?.line).toBe(1);
  });

  it("has hubtest's basename helper", () => {
    expect(runAssertions('basename("/var/log/auth.log") == "auth.log"', results).failures).toEqual(
      [],
    );
  });
});

import { describe, expect, it } from "vitest";
import { type AlertSource, EventType, newLogEvent, PipelineEvent } from "./event.js";
import { compileExpr } from "./expr/index.js";

describe("PipelineEvent as hub expressions see it", () => {
  const run = (source: string, evt: PipelineEvent) => compileExpr(source).run({ evt });

  it("reads missing map keys as the empty string", () => {
    const evt = newLogEvent({ Raw: "x", Labels: { type: "syslog" } });
    expect(run("evt.Meta.source_ip == ''", evt)).toBe(true);
    expect(run("evt.Parsed.program", evt)).toBe("");
    expect(run("evt.Line.Labels.type", evt)).toBe("syslog");
    expect(run("evt.Line.Labels.other == ''", evt)).toBe(true);
  });

  it("exposes the Go methods GetType, GetMeta and Overflow.GetSources", () => {
    const log = newLogEvent({ Raw: "x" });
    log.Meta.service = "ssh";
    expect(run("evt.GetType()", log)).toBe("log");
    expect(run("evt.GetMeta('service')", log)).toBe("ssh");
    const overflow = new PipelineEvent({ Type: EventType.OVFLW });
    overflow.Overflow.Sources = { "1.2.3.4": {} as AlertSource };
    overflow.Overflow.Alert = {
      Scenario: "s",
      Remediation: true,
      Source: null,
      Events: [{ Timestamp: "", Meta: [{ Key: "service", Value: "http" }] }],
    };
    expect(run("evt.GetType()", overflow)).toBe("overflow");
    expect(run("evt.GetMeta('service')", overflow)).toBe("http");
    expect(run("evt.Overflow.GetSources()", overflow)).toEqual(["1.2.3.4"]);
  });

  it("fails on member access through the nil alert of a log event, as Go does", () => {
    expect(() => run("evt.Overflow.Alert.Remediation", newLogEvent({ Raw: "x" }))).toThrow();
  });
});

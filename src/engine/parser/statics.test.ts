import { describe, expect, it } from "vitest";
import { newLogEvent } from "../event.js";
import { setTargetByName } from "./statics.js";

describe("setTargetByName (1.4.6 reflective target setter)", () => {
  it("sets string fields and map entries by Go field name", () => {
    const evt = newLogEvent({ Raw: "x" });
    expect(setTargetByName(evt, ["StrTime"], "Jan 1")).toBe(true);
    expect(setTargetByName(evt, ["Parsed", "k"], "v")).toBe(true);
    expect(setTargetByName(evt, ["Line", "Labels", "type"], "nginx")).toBe(true);
    expect([evt.StrTime, evt.Parsed.k, evt.Line.Labels.type]).toEqual(["Jan 1", "v", "nginx"]);
  });

  it("refuses unknown fields, non-string fields, methods and nil pointers", () => {
    const evt = newLogEvent({ Raw: "x" });
    expect(setTargetByName(evt, ["Nope"], "v")).toBe(false);
    expect(setTargetByName(evt, ["Time"], "v")).toBe(false);
    expect(setTargetByName(evt, ["Parsed"], "v")).toBe(false);
    expect(setTargetByName(evt, ["GetType"], "v")).toBe(false);
    expect(setTargetByName(evt, ["Overflow", "Alert", "Scenario"], "v")).toBe(false);
  });
});

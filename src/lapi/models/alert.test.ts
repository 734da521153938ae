import { describe, expect, it } from "vitest";
import { validateAlerts } from "./alert";

const valid = {
  capacity: 0,
  events: [],
  events_count: 1,
  leakspeed: "0",
  message: "",
  scenario: "",
  scenario_hash: "",
  scenario_version: "",
  simulated: false,
  source: { scope: "Ip", value: "1.2.3.4" },
  start_at: "",
  stop_at: "",
};

describe("validateAlerts", () => {
  it("passes empty strings, zeros and empty arrays (go-swagger required = present)", () => {
    expect(validateAlerts([valid, undefined, valid])).toBeNull();
  });

  it("reports only the first invalid decision, inside its own failure list", () => {
    const decisions = [
      { duration: "1h", origin: "o", scenario: "s", scope: "Ip", type: "ban", value: "x" },
      { duration: "1h", origin: "o", scenario: "s", scope: "Ip", type: "ban" },
      {},
    ];
    expect(validateAlerts([{ ...valid, decisions }])).toBe(
      "validation failure list:\nvalidation failure list:\n0.decisions.1.value in body is required",
    );
  });

  it("reports a missing events list and source at the top level", () => {
    const { events: _e, source: _s, ...rest } = valid;
    expect(validateAlerts([valid, rest])).toBe(
      "validation failure list:\n1.events in body is required\n1.source in body is required",
    );
  });
});

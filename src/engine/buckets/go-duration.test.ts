import { describe, expect, it } from "vitest";
import { goDurationString } from "../../shared/duration.js";
import { goTimeString } from "./event-time.js";

describe("Go duration and time text", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [1500, "1.5s"],
    [10_000, "10s"],
    [60_000, "1m0s"],
    [90_500, "1m30.5s"],
    [3_600_000, "1h0m0s"],
    [0.001, "1µs"],
    [-2000, "-2s"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(goDurationString(ms)).toBe(text);
  });

  it("prints times like Go's Time.String(): UTC by name, other offsets by number", () => {
    expect(goTimeString("2022-05-01T10:00:05Z")).toBe("2022-05-01 10:00:05 +0000 UTC");
    expect(goTimeString("2022-05-01T10:00:05.25+02:00")).toBe("2022-05-01 10:00:05.25 +0200 +0200");
  });
});

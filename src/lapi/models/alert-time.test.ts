import { describe, expect, it } from "vitest";
import { alertTimeOrNow, goTimeString, parseRfc3339, rfc3339Seconds } from "./alert-time";

describe("parseRfc3339", () => {
  it("reads offsets and fractions like Go's time.RFC3339 layout", () => {
    expect(parseRfc3339("2026-11-21T04:30:52Z")?.ms).toBe(Date.UTC(2026, 10, 21, 4, 30, 52));
    expect(parseRfc3339("2026-11-21T06:30:52.250+02:00")?.ms).toBe(
      Date.UTC(2026, 10, 21, 4, 30, 52, 250),
    );
    expect(parseRfc3339("2026-11-21T04:30:52.123456789-01:30")?.ms).toBe(
      Date.UTC(2026, 10, 21, 6, 0, 52, 123),
    );
  });

  it("refuses what Go refuses", () => {
    for (const bad of [
      "garbage",
      "2026-11-21 04:30:52Z",
      "2026-11-21T04:30:52",
      "2026-13-01T00:00:00Z",
      "2026-02-29T00:00:00Z",
      "2026-11-21T24:00:00Z",
      "2026-11-21T04:60:00Z",
      "2026-11-21T04:30:60Z",
      "2026-11-21T04:30:52+24:00",
      "2026-11-21t04:30:52z",
    ]) {
      expect(parseRfc3339(bad), bad).toBeNull();
    }
    expect(parseRfc3339("2028-02-29T00:00:00Z")).not.toBeNull();
  });

  it("falls back to the current time, like CrowdSec, for unparsable input", () => {
    expect(alertTimeOrNow("nope", 1_700_000_000_000)).toEqual({
      ms: 1_700_000_000_000,
      text: "2023-11-14T22:13:20.000Z",
    });
  });
});

describe("goTimeString", () => {
  it("prints Go's Time.String() in the offset the time was sent with", () => {
    expect(goTimeString("2026-11-21T04:30:52Z")).toBe("2026-11-21 04:30:52 +0000 UTC");
    expect(goTimeString("2026-11-21T04:30:52.123456000Z")).toBe(
      "2026-11-21 04:30:52.123456 +0000 UTC",
    );
    expect(goTimeString("2026-11-21T04:30:52.000Z")).toBe("2026-11-21 04:30:52 +0000 UTC");
    expect(goTimeString("2026-11-21T04:30:52+00:00")).toBe("2026-11-21 04:30:52 +0000 UTC");
    expect(goTimeString("2026-11-21T06:30:55+02:00")).toBe("2026-11-21 06:30:55 +0200 +0200");
    expect(goTimeString("2026-11-21T01:00:00.5-03:30")).toBe("2026-11-21 01:00:00.5 -0330 -0330");
  });
});

describe("rfc3339Seconds", () => {
  it("prints UTC with whole seconds", () => {
    expect(rfc3339Seconds(Date.UTC(2026, 10, 21, 4, 30, 52, 999))).toBe("2026-11-21T04:30:52Z");
  });
});

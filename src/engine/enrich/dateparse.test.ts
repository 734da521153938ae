import { describe, expect, it } from "vitest";
import { newLogEvent } from "../event.js";
import { genDateParse, parseDateEnricher, parseDateWithLayout } from "./dateparse.js";

const NOW = new Date("2026-11-21T05:17:21.398Z");

describe("ParseDate (1.4.6 enrich_date.go)", () => {
  it.each([
    ["Jan 12 10:00:01", "2026-01-12T10:00:01Z"],
    ["Jan  2 03:04:05", "2026-01-02T03:04:05Z"],
    ["12/Jan/2024:08:00:06 +0000", "2024-01-12T08:00:06Z"],
    ["12/Jan/2024:08:00:06 +0200", "2024-01-12T08:00:06+02:00"],
    ["2024-01-12T08:00:09Z", "2024-01-12T08:00:09Z"],
    ["2024-01-12T08:00:09.123456+02:00", "2024-01-12T08:00:09.123456+02:00"],
    ["2024-01-12T08:00:09.100000+00:00", "2024-01-12T08:00:09.1Z"],
    ["2024/01/12 08:00:06", "2024-01-12T08:00:06Z"],
    ["2024-01-12 08:00", "2024-01-12T08:00:00Z"],
    ["2024/01/12", "2024-01-12T00:00:00Z"],
    ["Fri Jan 12 08:00:03 2024", "2024-01-12T08:00:03Z"],
    ["Fri Jan 12 08:00:03.369148 2024", "2024-01-12T08:00:03.369148Z"],
    ["2024-01-12 08:00:06.5 +0100 CET", "2024-01-12T08:00:06.5+01:00"],
    ["jan 12 10:00:01", "2026-01-12T10:00:01Z"],
  ])("parses %j as %s", (input, want) => {
    expect(genDateParse(input, NOW)).toBe(want);
  });

  it.each(["", "garbage", "Feb 30 12:00:00", "Jan 99 99:99:99", "2024-13-01"])(
    "does not parse %j with the fixed layouts",
    (input) => {
      expect(genDateParse(input, NOW)).toBe("");
    },
  );

  it("adds the current year to a year-less date and normalises Feb 29", () => {
    expect(parseDateWithLayout("Jan _2 15:04:05", "Feb 29 01:02:03", NOW)).toBe(
      "2026-03-01T01:02:03Z",
    );
  });

  it("tries evt.StrTimeFormat first and falls back to now when nothing parses", () => {
    const enrich = parseDateEnricher(() => NOW);
    const evt = newLogEvent({ Raw: "x" });
    evt.StrTimeFormat = "02.01.2006 15:04";
    expect(enrich("21.11.2025 10:11", evt)).toEqual({ MarshaledTime: "2025-11-21T10:11:00Z" });
    expect(enrich("not a date", evt)).toEqual({ MarshaledTime: "2026-11-21T05:17:21.398Z" });
  });
});

describe("Go time edge cases ParseDate relies on", () => {
  it("treats only the zero instant as Go's zero time (even when written with an offset)", () => {
    expect(parseDateWithLayout("2006-01-02T15:04:05Z07:00", "0001-01-01T00:00:00Z", NOW)).toBe("");
    expect(parseDateWithLayout("2006-01-02T15:04:05Z07:00", "0001-01-01T01:00:00+01:00", NOW)).toBe(
      "",
    );
    expect(parseDateWithLayout("2006-01-02T15:04:05Z07:00", "0001-01-01T00:00:01Z", NOW)).toBe(
      "0001-01-01T00:00:01Z",
    );
  });
});

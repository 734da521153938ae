import { describe, expect, it } from "vitest";
import { ExpectMode, newLogEvent } from "../event.js";
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
    ["2025-07-16T19:42:45", "2025-07-16T19:42:45Z"],
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

describe("ParseDate additions of HEAD", () => {
  it.each([
    ["1690466804.2161960.0", "2023-07-27T14:06:44Z"],
    ["1690466804", "2023-07-27T14:06:44Z"],
    ["+1690466804.5", "2023-07-27T14:06:44Z"],
  ])("reads the unix epoch %j in seconds, fraction dropped, as %s", (input, want) => {
    const enrich = parseDateEnricher(() => NOW);
    expect(enrich(input, newLogEvent({ Raw: "x" }))).toEqual({ MarshaledTime: want });
  });

  it.each(["0", "-5", "12a", "99999999999999999999"])(
    "falls back to now for %j, which is no positive int64",
    (input) => {
      const enrich = parseDateEnricher(() => NOW);
      expect(enrich(input, newLogEvent({ Raw: "x" }))).toEqual({
        MarshaledTime: "2026-11-21T05:17:21.398Z",
      });
    },
  );

  it("sets evt.Time from the parsed date in TIMEMACHINE only", () => {
    const enrich = parseDateEnricher(() => NOW);
    const replay = newLogEvent({ Raw: "x" });
    replay.ExpectMode = ExpectMode.TIMEMACHINE;
    enrich("2024-01-12T08:00:09+02:00", replay);
    expect(replay.Time.toISOString()).toBe("2024-01-12T06:00:09.000Z");
    const again = newLogEvent({ Raw: "y" });
    again.ExpectMode = ExpectMode.TIMEMACHINE;
    enrich("2024-01-12T08:00:09+02:00", again);
    expect(again.Time.toISOString()).toBe("2024-01-12T06:00:09.000Z");
    const live = newLogEvent({ Raw: "x" });
    live.ExpectMode = ExpectMode.LIVE;
    const before = live.Time.getTime();
    enrich("2024-01-12T08:00:09Z", live);
    expect(live.Time.getTime()).toBe(before);
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

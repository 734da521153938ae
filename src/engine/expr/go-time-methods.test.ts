import { describe, expect, it } from "vitest";
import { compileExpr } from "./index.js";

const evt = { Time: new Date("2024-03-16T19:05:07.250Z") };
const run = (source: string, dialect?: "crowdsec-1.4") =>
  compileExpr(source, { dialect }).run({ evt });

describe("time.Time methods", () => {
  it("reads the clock and calendar in UTC", () => {
    expect(run("evt.Time.Hour()")).toBe(19);
    expect(run("evt.Time.Minute()")).toBe(5);
    expect(run("evt.Time.Second()")).toBe(7);
    expect(run("evt.Time.Day()")).toBe(16);
    expect(run("evt.Time.Year()")).toBe(2024);
    expect(run("evt.Time.YearDay()")).toBe(76);
    expect(run("evt.Time.Unix()")).toBe(1710615907);
  });

  it("gives Month and Weekday Go's names", () => {
    expect(run("evt.Time.Weekday().String()")).toBe("Saturday");
    expect(run("evt.Time.Month().String()")).toBe("March");
    expect(run("evt.Time.Weekday().String() == 'Saturday' || evt.Time.Hour() < 6")).toBe(true);
  });

  it("refuses a method time.Time lacks; 1.4.6 (Go reflection) has them too", () => {
    expect(() => run("evt.Time.Nope()")).toThrow('cannot get "Nope" from time.Time');
    expect(run("evt.Time.Hour()", "crowdsec-1.4")).toBe(19);
  });
});

import { describe, expect, it } from "vitest";
import { safeReturnTo } from "./turnstile";

describe("safeReturnTo", () => {
  it.each([
    ["/shop?item=4", "/shop?item=4"],
    ["/a/b#c", "/a/b#c"],
    ["/%09/evil.example", "/%09/evil.example"],
  ])("keeps the local path %j", (value, want) => {
    expect(safeReturnTo(value)).toBe(want);
  });

  it.each([
    "//evil.example/",
    "/\\evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "/./\t/evil.example",
    "https://evil.example/",
    "evil.example",
    "",
    "/\u0000",
  ])("falls back to / for %j", (value) => {
    expect(safeReturnTo(value)).toBe("/");
  });

  it("falls back to / for anything but a string", () => {
    expect(safeReturnTo(null)).toBe("/");
    expect(safeReturnTo(["/a"])).toBe("/");
  });
});

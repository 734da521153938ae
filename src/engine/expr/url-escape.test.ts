import { describe, expect, it } from "vitest";
import { parseUri, pathEscape, pathUnescape, queryEscape, queryUnescape } from "./url-escape.js";

describe("net/url escaping", () => {
  it("escapes path segments and query components like Go", () => {
    expect(pathEscape("a b/c?d;e,f$&+:=@é")).toBe("a%20b%2Fc%3Fd%3Be%2Cf$&+:=@%C3%A9");
    expect(queryEscape("a b/c?d&=~")).toBe("a+b%2Fc%3Fd%26%3D~");
  });

  it("unescapes, keeping + in paths, and returns invalid input unchanged", () => {
    expect(pathUnescape("a+b%2F%c3%a9")).toBe("a+b/é");
    expect(queryUnescape("a+b%20c")).toBe("a b c");
    expect(pathUnescape("%zz")).toBe("%zz");
    expect(queryUnescape("100%")).toBe("100%");
  });

  it("parses query parameters and gives up on any error", () => {
    expect(parseUri("/p?a=1&b=&a=%20x&c#frag")).toEqual({ a: ["1", " x"], b: [""], c: [""] });
    expect(parseUri("/p")).toEqual({});
    expect(parseUri("/p?a=1;b=2")).toEqual({});
    expect(parseUri("/p?a=%zz")).toEqual({});
    expect(parseUri("/%zz?a=1")).toEqual({});
    expect(parseUri("/p?a=1\n")).toEqual({});
  });
});

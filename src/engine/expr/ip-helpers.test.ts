import { describe, expect, it } from "vitest";
import { ipInRange, ipToRange, isIPV6 } from "./ip-helpers.js";

describe("IP helpers", () => {
  it("tests membership in IPv4 and IPv6 ranges", () => {
    expect(ipInRange("192.0.2.7", "192.0.2.0/24")).toBe(true);
    expect(ipInRange("192.0.3.7", "192.0.2.0/24")).toBe(false);
    expect(ipInRange("2001:db8::1", "2001:db8::/32")).toBe(true);
    expect(ipInRange("192.0.2.7", "192.0.2.7")).toBe(false);
    expect(ipInRange("nope", "192.0.2.0/24")).toBe(false);
    expect(ipInRange("1", "0.0.0.0/0")).toBe(false);
  });

  it("computes the network of an address", () => {
    expect(ipToRange("192.168.1.77", "/24")).toBe("192.168.1.0/24");
    expect(ipToRange("192.168.1.77", "16")).toBe("192.168.0.0/16");
    expect(ipToRange("2001:db8:1:2:3::9", "/64")).toBe("2001:db8:1:2::/64");
    expect(ipToRange("1.2.3.4", "/33")).toBe("");
    expect(ipToRange("1.2.3.4", "/x")).toBe("");
    expect(ipToRange("x", "/24")).toBe("");
  });

  it("tells IPv6 from IPv4, counting IPv4-mapped addresses as IPv4", () => {
    expect(isIPV6("2001:db8::1")).toBe(true);
    expect(isIPV6("::ffff:1.2.3.4")).toBe(false);
    expect(isIPV6("1.2.3.4")).toBe(false);
    expect(isIPV6("")).toBe(false);
  });
});

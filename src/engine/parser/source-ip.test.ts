import { describe, expect, it } from "vitest";
import { parseAddress } from "../../shared/ip-range.js";
import { parseSourceIp } from "./source-ip.js";

describe("parseSourceIp (whitelist source IPs)", () => {
  it.each([
    "1.2.3.4",
    "255.255.255.255",
    "0.0.0.0",
    "256.1.1.1",
    "::1",
    "::",
    "2001:db8::1",
    "2001:db8:0:0:0:0:0:1",
    "2001:DB8::abcd:1",
    "fe80::1%eth0",
    "::ffff:1.2.3.4",
    "::ffff:102:304",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "12345::1",
    ":1",
    "1:",
    "g::1",
    "",
    "not an ip",
  ])("agrees with the generic parser on %j", (text) => {
    expect(parseSourceIp(text)).toEqual(parseAddress(text));
  });
});

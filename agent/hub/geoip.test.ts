import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createEnrichers } from "../../src/engine/enrich/enrichers.js";
import { newLogEvent } from "../../src/engine/event.js";
import { formatNetwork, openGeoIp } from "./geoip.js";

/** Encodes a value in the MaxMind DB data-section format (the subset the tests need). */
function encode(value: unknown): number[] {
  // Sizes of 29 and more take one extra byte (enough for these tests).
  const ctrl = (type: number, size: number): number[] => {
    const [low, extra] = size < 29 ? [size, []] : [29, [size - 29]];
    return type <= 7 ? [(type << 5) | low, ...extra] : [low, type - 7, ...extra];
  };
  if (typeof value === "string") {
    const bytes = [...Buffer.from(value, "utf8")];
    return [...ctrl(2, bytes.length), ...bytes];
  }
  if (typeof value === "boolean") return ctrl(14, value ? 1 : 0);
  if (typeof value === "number" && !Number.isInteger(value)) {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(value);
    return [...ctrl(3, 8), ...b];
  }
  if (typeof value === "number") {
    const bytes: number[] = [];
    for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
    return [...ctrl(6, bytes.length), ...bytes];
  }
  if (Array.isArray(value)) return [...ctrl(11, value.length), ...value.flatMap(encode)];
  const entries = Object.entries(value as Record<string, unknown>);
  return [...ctrl(7, entries.length), ...entries.flatMap(([k, v]) => [...encode(k), ...encode(v)])];
}

/** Writes an IPv4 MMDB (24-bit records) holding one network → record. */
function writeMmdb(
  path: string,
  network: [number, number, number, number],
  bits: number,
  record: object,
) {
  const nodeCount = bits;
  const data = encode(record);
  const tree: number[] = [];
  const put = (n: number) => tree.push((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  for (let depth = 0; depth < bits; depth++) {
    const bit = (network[depth >> 3]! >> (7 - (depth & 7))) & 1;
    const next = depth + 1 < bits ? depth + 1 : nodeCount + 16;
    if (bit) {
      put(nodeCount);
      put(next);
    } else {
      put(next);
      put(nodeCount);
    }
  }
  const metadata = encode({
    node_count: nodeCount,
    record_size: 24,
    ip_version: 4,
    database_type: "Test",
    languages: ["en"],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1,
    description: { en: "test" },
  });
  const marker = [0xab, 0xcd, 0xef, ...Buffer.from("MaxMind.com")];
  writeFileSync(
    path,
    Buffer.from([...tree, ...new Array(16).fill(0), ...data, ...marker, ...metadata]),
  );
}

describe("GeoIP enrichers over MaxMind databases", () => {
  it("registers no GeoIP method when the .mmdb files are absent, as CrowdSec does", () => {
    const lookups = openGeoIp(mkdtempSync(join(tmpdir(), "geo-")));
    const enrichers = createEnrichers({ geoip: lookups });
    expect([...enrichers.keys()].sort()).toEqual(["ParseDate", "UnmarshalJSON"]);
  });

  it("fills IsoCode/IsInEU/Latitude/Longitude, ASN fields and SourceRange", () => {
    const dir = mkdtempSync(join(tmpdir(), "geo-"));
    writeMmdb(join(dir, "GeoLite2-City.mmdb"), [1, 2, 3, 0], 24, {
      country: { iso_code: "FR", is_in_european_union: true },
      location: { latitude: 48.8582, longitude: 2.3387 },
    });
    writeMmdb(join(dir, "GeoLite2-ASN.mmdb"), [1, 2, 0, 0], 16, {
      autonomous_system_number: 64500,
      autonomous_system_organization: "Example Net",
    });
    const enrichers = createEnrichers({ geoip: openGeoIp(dir) });
    const evt = newLogEvent({ Raw: "x" });
    expect(enrichers.get("GeoIpCity")!("1.2.3.4", evt)).toEqual({
      IsoCode: "FR",
      IsInEU: "true",
      Latitude: "48.858200",
      Longitude: "2.338700",
    });
    expect(enrichers.get("GeoIpCity")!("9.9.9.9", evt)).toEqual({
      IsoCode: "",
      IsInEU: "false",
      Latitude: "0.000000",
      Longitude: "0.000000",
    });
    expect(enrichers.get("GeoIpASN")!("1.2.200.1", evt)).toEqual({
      ASNNumber: "64500",
      ASNumber: "64500",
      ASNOrg: "Example Net",
    });
    expect(enrichers.get("IpToRange")!("1.2.200.1", evt)).toEqual({ SourceRange: "1.2.0.0/16" });
    expect(enrichers.get("IpToRange")!("8.8.8.8", evt)).toBeNull();
    expect(enrichers.get("GeoIpASN")!("not-an-ip", evt)).toBeNull();
  });

  it("formats networks like Go's net.IPNet", () => {
    expect(formatNetwork("2001:db8:0:0:1::1", 64)).toBe("2001:db8::/64");
    expect(formatNetwork("10.1.2.3", 8)).toBe("10.0.0.0/8");
  });
});

/**
 * Node adapter: GeoIP lookups for the `GeoIpCity`, `GeoIpASN` and `IpToRange` enrichers, read
 * from MaxMind `.mmdb` files with the `maxmind` package. Like CrowdSec 1.4.6
 * (`pkg/parser/enrich_geoip.go`), each method exists only when its database opens: with
 * `GeoLite2-City.mmdb` / `GeoLite2-ASN.mmdb` absent from the data dir, the methods are simply not
 * registered and hub statics calling them are skipped. Other MMDB files (e.g. from the
 * `@ip-location-db/*-mmdb` packages) can be given explicitly.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Reader } from "maxmind";
import type {
  GeoAsnRecord,
  GeoCityRecord,
  GeoIpLookups,
} from "../../src/engine/enrich/enrichers.js";
import { blockOf, parseAddress } from "../../src/shared/ip-range.js";

export interface GeoIpFiles {
  /** City database; default `<dataDir>/GeoLite2-City.mmdb`. */
  city?: string;
  /** ASN database (also used for `IpToRange`); default `<dataDir>/GeoLite2-ASN.mmdb`. */
  asn?: string;
}

function openReader<T extends object>(path: string): Reader<T & Record<string, never>> | null {
  try {
    return new Reader<T & Record<string, never>>(readFileSync(path));
  } catch {
    return null;
  }
}

/** Formats a network as Go's `net.IPNet.String()` does (`1.2.3.0/24`, `2001:db8::/32`). */
export function formatNetwork(ip: string, prefix: number): string | null {
  const bytes = parseAddress(ip);
  if (!bytes) return null;
  const block = blockOf(bytes, Math.min(prefix, bytes.length * 8));
  if (block.size === 4) return `${[...block.start].join(".")}/${block.prefix}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push(((block.start[i]! << 8) | block.start[i + 1]!).toString(16));
  // Compress the longest run of zero groups (RFC 5952, as Go prints).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const text =
    best === -1
      ? groups.join(":")
      : `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
  return `${text}/${block.prefix}`;
}

/** Opens whichever databases exist; the result feeds `createEnrichers({ geoip })`. */
export function openGeoIp(dataDir: string, files: GeoIpFiles = {}): GeoIpLookups {
  const lookups: GeoIpLookups = {};
  const city = openReader<GeoCityRecord>(files.city ?? join(dataDir, "GeoLite2-City.mmdb"));
  if (city) lookups.city = (ip) => city.get(ip) as GeoCityRecord | null;
  const asn = openReader<GeoAsnRecord>(files.asn ?? join(dataDir, "GeoLite2-ASN.mmdb"));
  if (asn) {
    lookups.asn = (ip) => asn.get(ip) as GeoAsnRecord | null;
    lookups.asnNetwork = (ip) => {
      const [record, prefix] = asn.getWithPrefixLength(ip);
      return record ? formatNetwork(ip, prefix) : null;
    };
  }
  return lookups;
}

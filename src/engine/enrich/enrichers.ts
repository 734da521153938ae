import { parseAddress } from "../../shared/ip-range.js";
import type { PipelineEvent } from "../event.js";
import { parseDateEnricher } from "./dateparse.js";

/**
 * An enrichment method (`statics: - method: X`): receives the static's value and the event, returns
 * the key/values CrowdSec merges into `evt.Enriched`. Synchronous: it runs on the hot path.
 */
export type Enricher = (value: string, evt: PipelineEvent) => Record<string, string> | null;

/** A City record as the MaxMind GeoLite2-City database describes it (only the fields used). */
export interface GeoCityRecord {
  country?: { iso_code?: string; is_in_european_union?: boolean };
  registered_country?: { iso_code?: string; is_in_european_union?: boolean };
  represented_country?: { iso_code?: string; is_in_european_union?: boolean };
  location?: { latitude?: number; longitude?: number };
}

/** An ASN record (GeoLite2-ASN) plus the network it was found in. */
export interface GeoAsnRecord {
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

/**
 * Lookups into MaxMind `.mmdb` files, provided by a runtime adapter (the Node agent opens the files
 * with the `maxmind` package). Each is absent when its database file is absent, exactly as 1.4.6
 * only registers `GeoIpCity` / `GeoIpASN` / `IpToRange` when the file opens.
 */
export interface GeoIpLookups {
  city?: (ip: string) => GeoCityRecord | null;
  asn?: (ip: string) => GeoAsnRecord | null;
  /** The CIDR of the ASN database network containing `ip`, or null when not found. */
  asnNetwork?: (ip: string) => string | null;
}

export interface EnricherOptions {
  /** Clock for `ParseDate` (year-less dates, the "now" fallback). Defaults to `new Date()`. */
  now?: () => Date;
  geoip?: GeoIpLookups;
  /**
   * PTR lookup for `reverse_dns`; the method is registered only when given (CrowdSec performs a
   * live DNS query per event, which the hot path cannot do synchronously — the adapter caches).
   */
  reverseDns?: (ip: string) => string | null;
}

const formatFloat = (n: number | undefined) => (n ?? 0).toFixed(6);

/** The registry of enrichment methods, by the names hub statics use. */
export function createEnrichers(options: EnricherOptions = {}): Map<string, Enricher> {
  const now = options.now ?? (() => new Date());
  const out = new Map<string, Enricher>();
  out.set("ParseDate", parseDateEnricher(now));
  out.set("UnmarshalJSON", (_value, evt) => {
    // HEAD (≥1.5): parses the raw line into evt.Unmarshaled; writes nothing into Enriched.
    try {
      const parsed: unknown = JSON.parse(evt.Line.Raw);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        evt.Unmarshaled = parsed as Record<string, unknown>;
      }
    } catch {
      // CrowdSec logs the error and leaves Unmarshaled unchanged.
    }
    return null;
  });
  const { city, asn, asnNetwork } = options.geoip ?? {};
  if (city) {
    out.set("GeoIpCity", (value) => {
      if (value === "" || parseAddress(value) === null) return null;
      // A missing record reads as Go's zero-valued struct: empty ISO code, 0 coordinates.
      const record = city(value) ?? {};
      const country = [record.country, record.registered_country, record.represented_country].find(
        (c) => c?.iso_code,
      );
      return {
        IsoCode: country?.iso_code ?? "",
        IsInEU: String(country?.is_in_european_union ?? false),
        Latitude: formatFloat(record.location?.latitude),
        Longitude: formatFloat(record.location?.longitude),
      };
    });
  }
  if (asn) {
    out.set("GeoIpASN", (value) => {
      if (value === "" || parseAddress(value) === null) return null;
      const record = asn(value) ?? {};
      const number = String(record.autonomous_system_number ?? 0);
      return {
        ASNNumber: number,
        ASNumber: number,
        ASNOrg: record.autonomous_system_organization ?? "",
      };
    });
  }
  if (asnNetwork) {
    out.set("IpToRange", (value) => {
      if (value === "" || parseAddress(value) === null) return null;
      const network = asnNetwork(value);
      return network ? { SourceRange: network } : null;
    });
  }
  const { reverseDns } = options;
  if (reverseDns) {
    out.set("reverse_dns", (value) => {
      if (value === "") return null;
      const name = reverseDns(value);
      return name ? { reverse_dns: name } : null;
    });
  }
  return out;
}

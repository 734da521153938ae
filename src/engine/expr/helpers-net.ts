import { RuntimeFault } from "./errors.js";
import { parseGoFloat } from "./go-strconv.js";
import { float, withGoType } from "./go-value.js";
import { type HelperSpec, S } from "./helper-spec.js";
import { ipInRange, ipToRange, isIP, isIPV4, isIPV6 } from "./ip-helpers.js";

/**
 * Network and geography helpers: 1.4.6's `IpInRange`, `IpToRange`, `IsIPV6`, the current
 * engine's `IsIPV4`, `IsIP`, `Distance`, and the provider-backed `LookupHost` and GeoIP helpers.
 */
const str = (v: unknown) => v as string;

/** Earth radius of `umahmood/haversine` (the library behind CrowdSec's `Distance`), in km. */
const EARTH_RADIUS_KM = 6371;

/** `haversine.Distance` in kilometres. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const [p1, p2] = [rad(lat1), rad(lat2)];
  const dLat = p2 - p1;
  const dLon = rad(lon2) - rad(lon1);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dLon / 2) ** 2;
  return 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a)) * EARTH_RADIUS_KM;
}

/** `Distance(lat1, long1, lat2, long2)`: 0 when either point is (0, 0), as CrowdSec avoids FPs. */
function distance(coordinates: string[]): number {
  const names = ["lat1", "long1", "lat2", "long2"];
  const values = coordinates.map((text, i) => {
    const parsed = parseGoFloat(text);
    if (parsed.error) throw new RuntimeFault(`${names[i]} is not a float : ${parsed.error}`);
    return parsed.value;
  });
  const [lat1, long1, lat2, long2] = values as [number, number, number, number];
  if ((lat1 === 0 && long1 === 0) || (lat2 === 0 && long2 === 0)) return 0;
  return haversineKm(lat1, long1, lat2, long2);
}

const ipPredicate = (fn: (ip: string) => boolean): HelperSpec => ({
  pure: true,
  signature: "func(ip string) bool",
  params: [S],
  call: (_, [ip]) => fn(str(ip)),
});

export const NET_HELPERS: Readonly<Record<string, HelperSpec>> = {
  Distance: {
    pure: true,
    signature: "func(lat1, long1, lat2, long2 string) (float64, error)",
    params: [S, S, S, S],
    call: (_, args) => float(distance(args as string[])),
  },
  IpInRange: {
    pure: true,
    signature: "func(ip string, ipRange string) bool",
    params: [S, S],
    call: (_, [ip, range]) => ipInRange(str(ip), str(range)),
  },
  IpToRange: {
    pure: true,
    signature: "func(ip string, cidr string) string",
    params: [S, S],
    call: (_, [ip, cidr]) => ipToRange(str(ip), str(cidr)),
  },
  IsIPV6: ipPredicate(isIPV6),
  IsIPV4: ipPredicate(isIPV4),
  IsIP: ipPredicate(isIP),
  LookupHost: {
    signature: "func(host string) []string",
    params: [S],
    call: (context, [host]) =>
      withGoType([...(context.providers.lookupHost?.(str(host)) ?? [])], "[]string"),
  },
  GeoIPEnrich: {
    signature: "func(ip string) *geoip2.City",
    params: [S],
    call: (context, [ip]) => context.providers.geoip?.city(str(ip)) ?? null,
  },
  GeoIPASNEnrich: {
    signature: "func(ip string) *geoip2.ASN",
    params: [S],
    call: (context, [ip]) => context.providers.geoip?.asn(str(ip)) ?? null,
  },
  GeoIPRangeEnrich: {
    signature: "func(ip string) *net.IPNet",
    params: [S],
    call: (context, [ip]) => context.providers.geoip?.range(str(ip)) ?? null,
  },
  IPToCountry: {
    signature: "func(ip string) string",
    params: [S],
    call: (context, [ip]) => {
      const geoip = context.providers.geoip;
      if (!geoip || ip === "" || !isIP(str(ip))) return "";
      const city = geoip.city(str(ip)) as { Country?: { IsoCode?: unknown } } | null;
      const code = city?.Country?.IsoCode;
      return typeof code === "string" ? code : "";
    },
  },
};

import { type IpRange, parseIpOrRange } from "../shared/ip-range";
import { ApiError } from "./errors";

/** Go `strconv.ParseBool`. */
export function parseGoBool(v: string): boolean | null {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return null;
}

/** Go `strconv.Atoi` error text for a non-integer. */
export function atoiError(v: string): string {
  return `strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`;
}

/** Parses a Go int query value or returns null. */
export function parseGoInt(v: string): number | null {
  return /^[+-]?\d{1,18}$/.test(v) ? Number(v) : null;
}

/** CrowdSec 1.5+ scope normalisation: ip/range/as/country → Ip/Range/AS/Country. */
export function normalizeScope(scope: string): string {
  switch (scope.toLowerCase()) {
    case "ip":
      return "Ip";
    case "range":
      return "Range";
    case "as":
      return "AS";
    case "country":
      return "Country";
    default:
      return scope;
  }
}

/** A comma list as CrowdSec splits it (`strings.Split`, so `""` is one empty item). */
export function commaList(v: string): string[] {
  return v.split(",");
}

/** The bouncer routes' invalid-address error (CrowdSec pkg/database/decisions.go). */
export function parseIpFilter(v: string): IpRange {
  const r = parseIpOrRange(v);
  if (!r) {
    throw new ApiError(
      "serverError",
      `unable to convert '${v}' to int: invalid ip address '${v}': invalid ip address / range`,
    );
  }
  return r;
}

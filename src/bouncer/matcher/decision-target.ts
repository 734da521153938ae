import { type IpRange, parseIpOrRange } from "../../shared/ip-range";

/** A decision as the matcher needs it: what it covers, what it asks for, until when. */
export interface MatcherDecision {
  /** Decision scope as LAPI sends it (`Ip`, `Range`, `AS`, `Country`; any case). */
  scope: string;
  value: string;
  /** Decision type, lower-cased (`ban`, `captcha`, …). */
  type: string;
  origin: string;
  /** Absolute expiry (ms since epoch). */
  untilMs: number;
}

/** What a decision applies to: an IP block, a non-IP key, or nothing the bouncer can enforce. */
export type DecisionTarget =
  | { kind: "block"; range: IpRange }
  | { kind: "key"; key: string }
  | { kind: "unsupported" };

/**
 * Maps scope + value to a target. Like CrowdSec's LAPI (pkg/types/ip.go) an Ip or Range value is a
 * CIDR when it contains `/` and a single address otherwise, whatever the scope says. AS values
 * are numbers (`12345`; an `AS12345` spelling is accepted too); countries are ISO codes compared
 * upper-case, as `request.cf.country` reports them (the CrowdSec worker bouncer lower-cases both
 * sides instead).
 */
export function decisionTarget(scope: string, value: string): DecisionTarget {
  switch (scope.toLowerCase()) {
    case "ip":
    case "range": {
      const range = parseIpOrRange(value.trim());
      return range ? { kind: "block", range } : { kind: "unsupported" };
    }
    case "as": {
      const asn = asKey(value);
      return asn === null ? { kind: "unsupported" } : { kind: "key", key: asn };
    }
    case "country": {
      const code = value.trim().toUpperCase();
      return /^[A-Z0-9]{2,3}$/.test(code)
        ? { kind: "key", key: `country:${code}` }
        : { kind: "unsupported" };
    }
    default:
      return { kind: "unsupported" };
  }
}

/** `as:<number>` key of an AS number (`12345`, `AS12345`, or a number); null when invalid. */
export function asKey(value: string | number): string | null {
  const text = String(value).trim().replace(/^as/i, "");
  return /^\d{1,10}$/.test(text) ? `as:${Number(text)}` : null;
}

/** `country:<CODE>` key of an ISO country code. */
export function countryKey(code: string): string {
  return `country:${code.toUpperCase()}`;
}

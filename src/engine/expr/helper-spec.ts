import type { DataFiles } from "./data-files.js";
import { RuntimeFault } from "./errors.js";
import { GoFloat, goTypeName, isNil } from "./go-value.js";
import type { XmlElement } from "./xml-document.js";
import type { XmlPath } from "./xml-path.js";

/**
 * What the helpers that need the world (a database, a cache, the network, the host) ask for. Every
 * provider is optional: without one a helper answers what CrowdSec answers when the matching
 * component is not configured (no database client, no CTI key, no GeoIP database, …), listed per
 * provider below. Providers are synchronous because expressions are (hot paths stay synchronous);
 * a caller with an asynchronous source (D1, an HTTP API) prefetches or caches.
 */
export interface HelperProviders {
  /** `GetFromStash`/`SetInStash` (parser `stash` caches). Default: no cache, `""` / no-op. */
  stash?: {
    get(cache: string, key: string): string;
    set(cache: string, key: string, value: string): void;
  };
  /**
   * `GetDecisionsCount`, `GetDecisionsSinceCount`, `GetActiveDecisionsCount`,
   * `GetActiveDecisionsTimeLeft`. Default (no database client, as in the agent): 0.
   */
  decisions?: {
    /** Decisions whose value is `value`; `since` bounds creation, `activeOnly` skips expired. */
    count(value: string, options: { since: Date | null; activeOnly: boolean }): number;
    /** Longest remaining time of an active decision on `value`, in nanoseconds (0 if none). */
    timeLeft(value: string): number;
  };
  /** `CrowdsecCTI(ip)`: the smoke item. Default (no API key): fails with `cti is disabled`. */
  cti?: (ip: string) => unknown;
  /** `LookupHost(name)`: addresses. Default (no resolver): `[]`, as Go on a failed lookup. */
  lookupHost?: (name: string) => readonly string[];
  /** `GeoIPEnrich`, `GeoIPASNEnrich`, `GeoIPRangeEnrich`, `IPToCountry`. Default: nil / `""`. */
  geoip?: {
    city(ip: string): unknown;
    asn(ip: string): unknown;
    range(ip: string): unknown;
  };
  /** `Hostname()`. Default: fails (no host in a Worker; the agent passes `os.hostname`). */
  hostname?: () => string;
  /** `HTTPGet`/`HTTPHead`/`HTTPPost`/`HTTPRequest`. Default: fails, requests are disabled. */
  http?: (request: HttpHelperRequest) => HttpHelperResponse;
  /** `LogInfo(format, args…)`: the formatted message. Default: dropped. */
  log?: (message: string) => void;
}

export interface HttpHelperRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Go `exprhelpers.HTTPResponse`. */
export interface HttpHelperResponse {
  StatusCode: number;
  Body: string;
  Headers: Record<string, string[]>;
}

/** What helpers may read besides their arguments. One per compiled expression. */
export interface HelperContext {
  dataFiles: DataFiles;
  providers: HelperProviders;
  /** The last XML document parsed (hub parsers call the XML helpers many times per line). */
  xmlDocument: { text: string; root: XmlElement | null } | null;
  xmlPaths: Map<string, XmlPath | null>;
}

/**
 * Argument kinds, after Go's parameter types. The evaluator checks `string` before the call with
 * reflect's messages (1.4.6 called helpers through reflect); the table checks the others with the
 * message of the type assertion the current helpers do (`params[1].(map[string]any)`).
 */
export type ParamKind = "string" | "any" | "int" | "float" | "map" | "[]string";

/** One helper: its Go signature (for docs and review), parameters, and implementation. */
export interface HelperSpec {
  signature: string;
  params: readonly ParamKind[];
  /** Kind of extra arguments for variadic helpers. */
  variadic?: ParamKind;
  /** Same arguments, same result (lets closures reuse it across elements; see loop-invariants). */
  pure?: boolean;
  call(context: HelperContext, args: unknown[]): unknown;
}

export const S = "string" as const;

/** Go's failed type assertion on a helper parameter. */
function assertionFault(v: unknown, want: string): RuntimeFault {
  const type = isNil(v) && !Array.isArray(v) ? "nil" : goTypeName(v);
  return new RuntimeFault(`interface conversion: interface {} is ${type}, not ${want}`);
}

/** Checks and converts one argument of a non-string kind (strings are checked by the evaluator). */
export function checkArgument(kind: ParamKind, v: unknown): unknown {
  switch (kind) {
    case "string":
    case "any":
      return v;
    case "int":
      if (typeof v === "number" && Number.isInteger(v)) return v;
      throw assertionFault(v, "int");
    case "float":
      // expr-lang converts integer arguments of a float64 parameter.
      if (v instanceof GoFloat) return v.value;
      if (typeof v === "number") return v;
      throw assertionFault(v, "float64");
    case "map":
      if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)) {
        return v;
      }
      throw assertionFault(v, "map[string]interface {}");
    case "[]string":
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v;
      throw assertionFault(v, "[]string");
  }
}

/** Wraps a spec so that its non-string parameters are checked before `call`. */
export function withCheckedArguments(spec: HelperSpec): HelperSpec {
  const kinds = [...spec.params, spec.variadic];
  if (!kinds.some((k) => k !== undefined && k !== "string" && k !== "any")) return spec;
  const call = spec.call;
  return {
    ...spec,
    call: (context, args) =>
      call(
        context,
        args.map((v, i) => checkArgument(spec.params[i] ?? spec.variadic ?? "any", v)),
      ),
  };
}

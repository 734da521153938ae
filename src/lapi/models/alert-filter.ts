import type { AlertFilter } from "../../db/alert-filters";
import { parseFilterDuration } from "../../shared/duration";
import { type IpRange, parseIpOrRange } from "../../shared/ip-range";
import { ApiError } from "../errors";
import { parseGoBool } from "../query-params";

/**
 * Query string → {@link AlertFilter} for GET/HEAD/DELETE /v1/alerts, with CrowdSec's error texts
 * (CrowdSec pkg/database/alertfilter.go). Every error is a 500, as CrowdSec answers them.
 */

/** CrowdSec's default page size of GET /v1/alerts. */
export const DEFAULT_ALERTS_LIMIT = 100;

const KNOWN = new Set([
  "scope",
  "value",
  "scenario",
  "ip",
  "range",
  "contains",
  "since",
  "until",
  "created_before",
  "decision_type",
  "origin",
  "include_capi",
  "has_active_decision",
  "simulated",
  "kind",
  "limit",
  "sort",
  "with_decisions",
]);

function fail(message: string): never {
  throw new ApiError("serverError", message);
}

/** CrowdSec 1.7+ text for a bad `ip`/`range` alert filter. */
function parseAlertIp(v: string): IpRange {
  const r = parseIpOrRange(v);
  if (r) return r;
  if (v.includes("/")) fail(`invalid ip range '${v}': invalid CIDR address: ${v}`);
  return fail(`invalid ip address '${v}'`);
}

function timePoint(v: string, now: number): number {
  const d = parseFilterDuration(v);
  if (!d.ok) fail(`while parsing duration: ${d.error}`);
  return now - d.ms;
}

/** Parses the alert filters; `now` is the reference for since/until/created_before. */
export function parseAlertFilter(
  params: URLSearchParams,
  now: number,
  options: { legacyClient?: boolean } = {},
): AlertFilter {
  for (const [key, value] of params) {
    if (!KNOWN.has(key)) fail(`filter parameter '${key}' is unknown (=${value}): invalid filter`);
  }
  const get = (k: string) => params.get(k) ?? undefined;
  const f: AlertFilter = {
    contains: true,
    excludeCapi: false,
    legacyCapiFilter: options.legacyClient === true,
    excludeSimulated: get("simulated") === "false",
    limit: DEFAULT_ALERTS_LIMIT,
    sortAsc: get("sort") === "ASC",
    withDecisions: get("with_decisions") !== "false",
  };
  const contains = get("contains");
  if (contains !== undefined) {
    const b = parseGoBool(contains);
    if (b === null) {
      fail(
        `invalid contains value : strconv.ParseBool: parsing ${JSON.stringify(contains)}: invalid syntax: invalid filter`,
      );
    }
    f.contains = b;
  }
  const scope = get("scope");
  if (scope !== undefined) {
    const lower = scope.toLowerCase();
    f.scope = lower === "ip" ? "Ip" : lower === "range" ? "Range" : scope;
  }
  f.value = get("value");
  f.scenario = get("scenario");
  const ip = get("ip");
  if (ip !== undefined) f.ip = parseAlertIp(ip);
  const range = get("range");
  if (range !== undefined) f.ip = parseAlertIp(range);
  const since = get("since");
  if (since !== undefined) f.since = timePoint(since, now);
  const until = get("until");
  if (until !== undefined) f.until = timePoint(until, now);
  const createdBefore = get("created_before");
  if (createdBefore !== undefined) f.createdBefore = timePoint(createdBefore, now);
  f.decisionType = get("decision_type");
  f.origin = get("origin");
  // Any other include_capi value is only logged by CrowdSec; `origin` forces include_capi=true.
  f.excludeCapi = get("include_capi") === "false";
  const active = get("has_active_decision");
  if (active !== undefined) {
    const b = parseGoBool(active);
    if (b === null) {
      fail(
        `'${active}' is not a boolean: strconv.ParseBool: parsing ${JSON.stringify(active)}: invalid syntax: unable to parse type`,
      );
    }
    f.hasActiveDecision = b;
  }
  f.kind = get("kind");
  const limit = get("limit");
  if (limit !== undefined) {
    // Go strconv.Atoi; CrowdSec panics on a negative limit, we refuse it with the same error.
    const n = /^[+-]?\d{1,18}$/.test(limit) ? Number(limit) : Number.NaN;
    if (!(n >= 0)) fail(`bad limit in parameters: [${limit}]: unable to query`);
    f.limit = n === 0 ? null : n;
  }
  return f;
}

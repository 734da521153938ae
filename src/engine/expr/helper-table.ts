import { type HelperSpec, withCheckedArguments } from "./helper-spec.js";
import { DATA_HELPERS } from "./helpers-data.js";
import { JSON_HELPERS } from "./helpers-json.js";
import { NET_HELPERS } from "./helpers-net.js";
import { PROVIDER_HELPERS } from "./helpers-providers.js";
import { TEXT_HELPERS } from "./helpers-text.js";
import { TIME_HELPERS } from "./helpers-time.js";
import { WEB_HELPERS } from "./helpers-web.js";

export type {
  HelperContext,
  HelperProviders,
  HelperSpec,
  HttpHelperRequest,
  HttpHelperResponse,
  ParamKind,
} from "./helper-spec.js";

/**
 * CrowdSec's `exprFuncs` table (current `pkg/exprhelpers/expr_lib.go`, which also holds every
 * 1.4.6 helper), in its order, so the two diff line by line. Each name maps to a spec in one of
 * the topical modules (`helpers-*.ts`).
 */
export const CROWDSEC_HELPER_NAMES = [
  "CrowdsecCTI",
  "Flatten",
  "Distinct",
  "FlattenDistinct",
  "Distance",
  "GetFromStash",
  "Atof",
  "JsonExtract",
  "JsonExtractUnescape",
  "JsonExtractLib",
  "JsonExtractSlice",
  "JsonExtractObject",
  "ToJsonString",
  "File",
  "RegexpInFile",
  "FileMap",
  "LookupFile",
  "Upper",
  "Lower",
  "IpInRange",
  "TimeNow",
  "ParseUri",
  "ParseQuery",
  "ExtractQueryParam",
  "PathUnescape",
  "QueryUnescape",
  "PathEscape",
  "QueryEscape",
  "XMLGetAttributeValue",
  "XMLGetNodeValue",
  "IpToRange",
  "IsIPV6",
  "IsIPV4",
  "IsIP",
  "LookupHost",
  "GetDecisionsCount",
  "GetActiveDecisionsCount",
  "GetActiveDecisionsTimeLeft",
  "GetDecisionsSinceCount",
  "Sprintf",
  "ParseUnix",
  "SetInStash",
  "Fields",
  "Index",
  "IndexAny",
  "Join",
  "Split",
  "SplitAfter",
  "SplitAfterN",
  "SplitN",
  "Replace",
  "ReplaceAll",
  "Trim",
  "TrimLeft",
  "TrimRight",
  "TrimSpace",
  "TrimPrefix",
  "TrimSuffix",
  "Get",
  "ToString",
  "Match",
  "KeyExists",
  "LogInfo",
  "B64Decode",
  "UnmarshalJSON",
  "ParseKV",
  "ParseKVLax",
  "Hostname",
  "FloatApproxEqual",
  "GeoIPEnrich",
  "GeoIPASNEnrich",
  "GeoIPRangeEnrich",
  "IPToCountry",
  "IsAnomalous",
  "AverageInterval",
  "MedianInterval",
  "HTTPGet",
  "HTTPHead",
  "HTTPPost",
  "HTTPRequest",
] as const;

/**
 * Entries of Go's table that Rampart does not provide, with the reason; an expression calling one
 * fails to compile (`unknown func`), so the hub item using it is reported instead of misbehaving.
 */
export const UNSUPPORTED_HELPERS: Readonly<Record<string, string>> = {
  MatchKnownBot:
    "needs `bots` data files and forward-confirmed reverse DNS (a network resolver per call)",
  LibInjectionIsSQLI: "needs libinjection's SQLi tokenizer and fingerprint set (no JS port)",
  LibInjectionIsXSS: "needs libinjection's HTML5 tokenizer (no JS port)",
  JA4H: "takes an AppSec `*http.Request`; Rampart has no AppSec component",
};

const ALL_SPECS: Readonly<Record<string, HelperSpec>> = {
  ...DATA_HELPERS,
  ...JSON_HELPERS,
  ...NET_HELPERS,
  ...PROVIDER_HELPERS,
  ...TEXT_HELPERS,
  ...TIME_HELPERS,
  ...WEB_HELPERS,
};

function buildTable(): Readonly<Record<string, HelperSpec>> {
  const table: Record<string, HelperSpec> = {};
  for (const name of CROWDSEC_HELPER_NAMES) {
    const spec = ALL_SPECS[name];
    if (!spec) throw new Error(`helper ${name} has no implementation`);
    table[name] = withCheckedArguments(spec);
  }
  const extra = Object.keys(ALL_SPECS).filter((name) => !Object.hasOwn(table, name));
  if (extra.length > 0) throw new Error(`helpers missing from the table: ${extra.join(", ")}`);
  return Object.freeze(table);
}

/**
 * The helper functions CrowdSec registers for every expression. Helpers that need the world
 * (stash caches, the decisions database, CTI, DNS, GeoIP, the host name, HTTP) read
 * `HelperContext.providers`; without a provider they answer as CrowdSec does when that component
 * is not configured. Caller functions (`ExprOptions.functions`) still override any entry.
 */
export const CROWDSEC_HELPERS: Readonly<Record<string, HelperSpec>> = buildTable();

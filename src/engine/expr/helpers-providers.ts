import { parseGoDuration } from "../../shared/duration.js";
import { RuntimeFault } from "./errors.js";
import { GoDuration, GoFloat, goTypeName, isNil } from "./go-value.js";
import { type HelperContext, type HelperSpec, S } from "./helper-spec.js";

/**
 * Helpers backed by `HelperProviders` (stash caches, the decisions database, the CTI API, the
 * host, HTTP). Without a provider each answers as CrowdSec does when that component is not
 * configured; see `HelperProviders` for the list.
 */
const str = (v: unknown) => v as string;

function countDecisions(
  context: HelperContext,
  value: string,
  since: Date | null,
  active: boolean,
) {
  return context.providers.decisions?.count(value, { since, activeOnly: active }) ?? 0;
}

/** Go's `fmt.Sprint` of a header value from an expr map literal. */
function headerText(v: unknown): string {
  if (isNil(v)) return "<nil>";
  if (v instanceof GoFloat) return String(v.value);
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function http(
  context: HelperContext,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string,
) {
  const provider = context.providers.http;
  if (!provider) {
    throw new RuntimeFault(`HTTP requests from expressions are disabled (${method} ${url})`);
  }
  return provider({ method, url, headers, body });
}

export const PROVIDER_HELPERS: Readonly<Record<string, HelperSpec>> = {
  CrowdsecCTI: {
    signature: "func(ip string) (*cticlient.SmokeItem, error)",
    params: ["any"],
    call: (context, [ip]) => {
      const cti = context.providers.cti;
      if (!cti) throw new RuntimeFault("cti is disabled");
      if (typeof ip !== "string") {
        throw new RuntimeFault(`invalid type for ip : ${isNil(ip) ? "<nil>" : typeof ip}`);
      }
      return cti(ip);
    },
  },
  GetFromStash: {
    signature: "func(cacheName string, key string) (string, error)",
    params: [S, S],
    call: (context, [cache, key]) => context.providers.stash?.get(str(cache), str(key)) ?? "",
  },
  SetInStash: {
    signature: "func(cacheName, key, value string, expiration *time.Duration) error",
    params: [S, S, S, "any"],
    call: (context, [cache, key, value, expiration]) => {
      // No expression can build a *time.Duration, so nil (the cache's own TTL) is all Go takes.
      if (!isNil(expiration)) {
        throw new RuntimeFault(
          `interface conversion: interface {} is ${goTypeName(expiration)}, not *time.Duration`,
        );
      }
      context.providers.stash?.set(str(cache), str(key), str(value));
      return null;
    },
  },
  GetDecisionsCount: {
    signature: "func(value string) int",
    params: [S],
    call: (context, [value]) => countDecisions(context, str(value), null, false),
  },
  GetDecisionsSinceCount: {
    signature: "func(value string, since string) int",
    params: [S, S],
    call: (context, [value, since]) => {
      if (!context.providers.decisions) return 0;
      const parsed = parseGoDuration(str(since), { allowDays: true });
      if (!parsed.ok) return 0;
      return countDecisions(context, str(value), new Date(Date.now() - parsed.ms), false);
    },
  },
  GetActiveDecisionsCount: {
    signature: "func(value string) int",
    params: [S],
    call: (context, [value]) => countDecisions(context, str(value), null, true),
  },
  GetActiveDecisionsTimeLeft: {
    signature: "func(value string) time.Duration",
    params: [S],
    // Go returns the int 0, not a Duration, when there is no database client.
    call: (context, [value]) => {
      const decisions = context.providers.decisions;
      return decisions ? new GoDuration(decisions.timeLeft(str(value))) : 0;
    },
  },
  Hostname: {
    signature: "func() (string, error)",
    params: [],
    call: (context) => {
      const hostname = context.providers.hostname;
      if (!hostname) throw new RuntimeFault("Hostname: no host name in this runtime");
      return hostname();
    },
  },
  IsAnomalous: {
    signature: "func(string, string) (bool, error)",
    params: ["any", "any"],
    call: (_, [a, b]) => {
      // CrowdSec built without ML support (its `no_datasource_ml` stub): never anomalous.
      if (typeof a !== "string" || typeof b !== "string") {
        throw new RuntimeFault("parameters must be strings");
      }
      return false;
    },
  },
  HTTPGet: {
    signature: "func(url string) (*HTTPResponse, error)",
    params: [S],
    call: (context, [url]) => http(context, "GET", str(url), {}, ""),
  },
  HTTPHead: {
    signature: "func(url string) (*HTTPResponse, error)",
    params: [S],
    call: (context, [url]) => http(context, "HEAD", str(url), {}, ""),
  },
  HTTPPost: {
    signature: "func(url, contentType, body string) (*HTTPResponse, error)",
    params: [S, S, S],
    call: (context, [url, type, body]) =>
      http(context, "POST", str(url), { "Content-Type": str(type) }, str(body)),
  },
  HTTPRequest: {
    signature:
      "func(method, url string, headers map[string]any, body string) (*HTTPResponse, error)",
    params: [S, S, "map", S],
    call: (context, [method, url, headers, body]) => {
      const text: Record<string, string> = {};
      for (const [k, v] of Object.entries(headers as Record<string, unknown>))
        text[k] = headerText(v);
      return http(context, str(method), str(url), text, str(body));
    },
  },
};

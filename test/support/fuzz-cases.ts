/**
 * Seeded malformed requests of the bounded fuzz suite (issue 12), shared by the Workers-runtime
 * run (`test/workers/fuzz.test.ts`, which also checks that refusals write nothing) and the
 * `wrangler dev` run (`test/e2e/fuzz-memory.test.ts`, which measures the Worker's memory).
 * Everything here runs the same on workerd and Node: Web APIs only.
 */
import { GENERIC_500 } from "../../src/lapi/errors";

/** A route as the generators need it: a method and a Hono path (`/v1/alerts/:alert_id`). */
export interface FuzzRoute {
  method: string;
  path: string;
}

/** What the LAPI answers to bad input (`errors.ts` codes, body caps, wrong method). */
export const DOCUMENTED = new Set([
  200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429,
]);

/**
 * CrowdSec's own 500s on its v1 routes, which real clients see and Rampart keeps
 * (`../shared/reference/lapi-contract.md` §3: bad filters, unknown ids, bad addresses, failed
 * validation). Any other 500 — the generic one of an unhandled error above all, or any 500 of
 * Rampart's own routes (`/admin/`, `/v1/rampart/`) — fails the suite.
 */
export const CROWDSEC_500 = [
  /: invalid filter$/,
  /^ent: alert not found$/,
  /: unable to delete$/,
  /^invalid ip (address|range) /,
  /^unable to convert '.*' to int: /,
  /^while parsing duration: /,
  /is not a boolean: /,
  /^bad limit in parameters: /,
  /^allowlist '.*' not found/,
  /^'.*' does not exist$/,
  /^validation failure list:/,
  /^unable to create alerts: /,
];

export function crowdsecFiveHundred(route: FuzzRoute, message: unknown): boolean {
  if (route.path.startsWith("/admin/") || route.path.startsWith("/v1/rampart/")) return false;
  return (
    typeof message === "string" &&
    message !== GENERIC_500 &&
    CROWDSEC_500.some((re) => re.test(message))
  );
}

/** mulberry32: small, seeded, the same sequence on every runtime. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[int(0, list.length - 1)]!;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(0, 255));
  return { next, int, pick, bytes };
}
export type Rng = ReturnType<typeof prng>;

/** Field names of the LAPI's bodies: junk built from them reaches deeper into the decoders. */
const FIELDS = [
  "machine_id",
  "password",
  "scenarios",
  "postoverflows",
  "data",
  "events",
  "buckets",
  "event",
  "id",
  "time",
  "decisions",
  "source",
  "scope",
  "value",
  "type",
  "duration",
  "origin",
  "targets",
  "name",
  "description",
  "items",
  "expiration",
  "remediation",
  "start_at",
  "stop_at",
  "events_count",
  "capacity",
  "leakspeed",
  "hash",
  "content",
  "stage",
  "remediation_components",
  "log_processors",
  "metrics",
  "buckets",
  "api_key",
  "ip_address",
];

const SAMPLE = JSON.stringify([
  {
    scenario: "fuzz/s",
    scenario_hash: "h",
    scenario_version: "1",
    message: "m",
    events_count: 1,
    start_at: "2024-01-01T00:00:00Z",
    stop_at: "2024-01-01T00:00:01Z",
    capacity: 1,
    leakspeed: "1s",
    simulated: false,
    events: [],
    source: { scope: "Ip", value: "192.0.2.1" },
    decisions: [
      { type: "ban", scope: "Ip", value: "192.0.2.1", duration: "1h", origin: "x", scenario: "s" },
    ],
  },
]);

function junkValue(r: Rng, depth: number): unknown {
  switch (r.int(0, depth > 3 ? 5 : 7)) {
    case 0:
      return r.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 1e-320]);
    case 1:
      return r.pick(["", "x", "\u0000", "\ud800", "0.0.0.0/0", "::/0", "%", "_", "' OR 1=1 --"]);
    case 2:
      return r.pick([true, false]);
    case 3:
      return null;
    case 4:
      return "y".repeat(r.int(1, 300));
    case 5:
      return r.pick(["2024-13-45T99:99:99Z", "1h", "-1h", "9999999999999h", "ban", "Ip", "Range"]);
    case 6:
      return Array.from({ length: r.int(0, 4) }, () => junkValue(r, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: r.int(0, 5) }, () => [r.pick(FIELDS), junkValue(r, depth + 1)]),
      );
  }
}

async function gzipOf(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export interface Mutation {
  name: string;
  body?: BodyInit;
  headers: Record<string, string>;
}

const JSON_TYPE = { "Content-Type": "application/json" };

/** One malformed body with its headers. */
export async function mutation(r: Rng): Promise<Mutation> {
  switch (r.int(0, 9)) {
    case 0: {
      const text = r.next() < 0.5 ? SAMPLE : JSON.stringify(junkValue(r, 0));
      return {
        name: "truncated JSON",
        body: text.slice(0, r.int(0, text.length - 1)),
        headers: JSON_TYPE,
      };
    }
    case 1:
      return { name: "wrong types", body: JSON.stringify(junkValue(r, 0)), headers: JSON_TYPE };
    case 2: {
      const n = r.int(500, 30_000);
      const open = r.pick(["[", '{"a":', '{"events":[', "[{"]);
      const balanced = r.next() < 0.5;
      const close = open === "[" ? "]" : open === '{"a":' ? "}" : "";
      return {
        name: `nesting ${n} ${balanced ? "balanced" : "unterminated"}`,
        body: open.repeat(n) + (balanced ? close.repeat(n) : ""),
        headers: JSON_TYPE,
      };
    }
    case 3: {
      const size = r.int(1, 3) * 1024 * 1024;
      return {
        name: `huge string ${size}`,
        body: `{"${r.pick(FIELDS)}": "${"z".repeat(size)}"}`,
        headers: JSON_TYPE,
      };
    }
    case 4:
      return {
        name: "gzip of random bytes",
        body: r.bytes(r.int(1, 4096)),
        headers: { ...JSON_TYPE, "Content-Encoding": "gzip" },
      };
    case 5: {
      const full = await gzipOf(SAMPLE);
      return {
        name: "truncated gzip",
        body: full.subarray(0, r.int(1, full.length - 1)),
        headers: { ...JSON_TYPE, "Content-Encoding": "gzip" },
      };
    }
    case 6: {
      const full = await gzipOf(JSON.stringify(junkValue(r, 0)));
      const at = r.int(10, full.length - 1);
      full[at] = (full[at] ?? 0) ^ 0xff;
      return {
        name: "corrupted gzip",
        body: full,
        headers: { ...JSON_TYPE, "Content-Encoding": "gzip" },
      };
    }
    case 7:
      return {
        name: "wrong content type",
        body: r.next() < 0.5 ? SAMPLE : "a=1&b=2",
        headers: {
          "Content-Type": r.pick([
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/xml",
            "application/json; charset=utf-16",
            "",
          ]),
        },
      };
    case 8:
      return {
        name: "unknown content encoding",
        body: JSON.stringify(junkValue(r, 0)),
        headers: {
          ...JSON_TYPE,
          "Content-Encoding": r.pick(["br", "deflate", "compress", "x-junk", "gzip, gzip", "zstd"]),
        },
      };
    default:
      return { name: "binary junk", body: r.bytes(r.int(1, 8192)), headers: JSON_TYPE };
  }
}

const PARAMS = [
  "0",
  "-1",
  "99999999999999999999",
  "%00",
  "%25",
  "_",
  "..%2F..%2Fetc",
  "%E2%98%83",
  "0.0.0.0%2F0",
  "%3A%3A%2F0",
  "1.2.3.4%2F99",
  "'%20OR%201%3D1--",
  "%ff%fe",
];

const QUERY_KEYS = [
  "limit",
  "since",
  "until",
  "scope",
  "value",
  "ip",
  "range",
  "type",
  "origins",
  "scopes",
  "scenarios_containing",
  "scenarios_not_containing",
  "include_capi",
  "startup",
  "contains",
  "machine_id",
  "has_active_decision",
  "simulated",
  "decision_type",
  "id",
  "dedup",
  "with_decisions",
];

const QUERY_VALUES = [
  "",
  "-1",
  "abc",
  "1e999",
  "0.0.0.0/0",
  "::/0",
  "%ff",
  "%00",
  "true",
  "null",
  "999999999999999999999h",
  "192.0.2.1",
];

export function urlOf(route: FuzzRoute, r: Rng): string {
  const path = route.path.replace(/:[a-z_]+/g, () =>
    r.next() < 0.15 ? "a".repeat(r.int(1000, 8000)) : r.pick(PARAMS),
  );
  const query = Array.from(
    { length: r.int(0, 5) },
    () => `${r.pick(QUERY_KEYS)}=${r.pick(QUERY_VALUES).replace(/[/:]/g, encodeURIComponent)}`,
  );
  if (r.next() < 0.2)
    query.push(`${"k".repeat(2000)}=${Array(300).fill(r.pick(QUERY_VALUES)).join(",")}`);
  return query.length > 0 ? `${path}?${query.join("&")}` : path;
}

/** Extra request headers: junk a client may send whatever the route. */
export function junkHeaders(r: Rng): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.next() < 0.3) out["X-Junk"] = "j".repeat(r.int(1, 8000));
  if (r.next() < 0.2) out["X-Rampart-Force"] = r.pick(["wide-range", "yes", ""]);
  if (r.next() < 0.2) out["Accept-Encoding"] = r.pick(["gzip", "br", "*", "x"]);
  if (r.next() < 0.2)
    out["User-Agent"] = r.pick(["", "crowdsec/v9999.0.0", "crowdsec/v1.4.6%ff", "a/b/c"]);
  return out;
}

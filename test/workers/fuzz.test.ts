import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { GENERIC_500 } from "../../src/lapi/errors";
import type { RouteDef } from "../../src/lapi/route-def";
import { routes } from "../../src/lapi/routes";
import {
  crowdsecFiveHundred,
  DOCUMENTED,
  junkHeaders,
  mutation,
  prng,
  urlOf,
} from "../support/fuzz-cases";
import { ADMIN, AGENT_UA, bouncerKey, call, capiToken, machineToken } from "./helpers";

/**
 * The bounded fuzz suite (issue 12 acceptance): every row of the route table gets seeded random
 * malformed requests — truncated JSON, wrong types, deep nesting, huge strings, bad gzip, wrong
 * content types and encodings, junk path parameters, query strings and headers — with valid
 * credentials, so they reach the handlers. Each must answer a documented status with a
 * `{"message": …}` body, never a 500, and a refused request must leave every table's row count
 * unchanged. `FUZZ_SEED=<n>` in the environment of the run replays a run (the seed is printed);
 * `FUZZ_CASES` sets the cases per route (default 6: ~25 s idle, ~50 s with the 2 shared cores at load 15).
 * Worker memory is not observable from inside the runtime: `test/e2e/fuzz-memory.test.ts` sends
 * the same cases (`test/support/fuzz-cases.ts`) to `wrangler dev` and measures workerd.
 */

const SEED = Number(env.FUZZ_SEED) || 0x12c0ffee;
const CASES = Number(env.FUZZ_CASES) || 6;
const TABLES = [
  "machines",
  "bouncers",
  "alerts",
  "decisions",
  "decision_tombstones",
  "events",
  "meta",
  "usage_metrics",
  "allowlists",
  "allowlist_items",
  "config_documents",
  "hub_contents",
  "hub_data_contents",
  "machine_hub_items",
  "scenario_settings",
  "ingested_events",
  "ingest_deliveries",
  "console_hourly",
  "lists",
  "list_entries",
  "capi_watchers",
  "capi_signals",
  "capi_community_decisions",
  "capi_client_state",
];

async function counts(): Promise<Record<string, number>> {
  const rows = await env.DB.batch(
    TABLES.map((t) => env.DB.prepare(`SELECT COUNT(*) AS n FROM ${t}`)),
  );
  return Object.fromEntries(TABLES.map((t, i) => [t, (rows[i]!.results[0] as { n: number }).n]));
}

let jwt = "";
let apiKey = "";
let watcherJwt = "";

async function login(): Promise<void> {
  jwt = await machineToken("fuzz-agent");
}

function credentials(route: RouteDef): Record<string, string> {
  switch (route.auth) {
    case "jwt":
    case "refresh":
      return { Authorization: `Bearer ${jwt}`, ...AGENT_UA };
    case "apiKey":
    case "jwtOrApiKey":
      return { "X-Api-Key": apiKey };
    case "admin":
    case "scrape":
      return { ...ADMIN };
    case "capi":
      return { Authorization: `Bearer ${watcherJwt}`, ...AGENT_UA };
    case "none":
      return { ...AGENT_UA };
  }
}

beforeAll(async () => {
  await login();
  apiKey = await bouncerKey("fuzz-bouncer");
  watcherJwt = await capiToken("fuzz-watcher");
  console.log(`fuzz: seed ${SEED} (FUZZ_SEED), ${CASES} cases per route (FUZZ_CASES)`);
});

describe("fuzz: every route × malformed bodies, headers and encodings", () => {
  it.each(routes.map((route, index) => [`${route.method} ${route.path}`, route, index] as const))(
    "%s answers a documented 4xx (or CrowdSec's own 500) with a message, nothing half-written",
    async (_, route, index) => {
      const r = prng(SEED + index * 7919);
      for (let k = 0; k < CASES; k++) {
        const m = await mutation(r);
        const url = urlOf(route, r);
        const hasBody = route.method !== "GET" && route.method !== "HEAD";
        const where = `seed ${SEED} route ${index} case ${k}: ${m.name} ${url.slice(0, 200)}`;
        const before = await counts();
        const request = {
          method: route.method,
          headers: { ...m.headers, ...junkHeaders(r), ...credentials(route) },
          ...(hasBody && m.body !== undefined ? { body: m.body } : {}),
        };
        const response = await call(url, request);
        let text = await response.text();
        if (route.method === "HEAD" && response.status >= 400) {
          // HEAD answers carry no body: the GET twin of the request shows the message.
          const twin = await call(url, { method: "GET", headers: request.headers });
          expect(twin.status, where).toBe(response.status);
          text = await twin.text();
        }
        if (response.status >= 400) {
          const body = JSON.parse(text) as { message?: unknown };
          expect(typeof body.message, `${where} → ${text.slice(0, 300)}`).toBe("string");
          expect(body.message).not.toBe(GENERIC_500);
          if (response.status >= 500) {
            expect(
              crowdsecFiveHundred(route, body.message),
              `${where} → ${text.slice(0, 300)}`,
            ).toBe(true);
          } else {
            expect(DOCUMENTED.has(response.status), `${where} → ${response.status}`).toBe(true);
          }
          expect(await counts(), `${where}: refused but wrote`).toEqual(before);
        } else {
          expect(DOCUMENTED.has(response.status), `${where} → ${response.status}`).toBe(true);
        }
        // A successful junk self-deletion logs the fuzz machine out: log it in again.
        if (response.status < 300 && route.auth === "jwt" && route.method === "DELETE") {
          await login();
        }
      }
    },
    // Per route, not per case: a loaded machine (2 cores, shared) must not cut a route short
    // and leave its requests running into the next route's row counts.
    60_000,
  );
});

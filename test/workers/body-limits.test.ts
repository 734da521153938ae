import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { RouteDef } from "../../src/lapi/route-def";
import { routes } from "../../src/lapi/routes";
import { ADMIN, AGENT_UA, bouncerKey, call, capiToken, machineToken } from "./helpers";

/**
 * Issue 12, hole 5: a ~1 MB gzip body inflating to 1 GiB, sent to every route that reads a body,
 * before and after authentication. The cap is enforced while inflating, so each answer is the
 * contract's 400 and nothing is written. (Before the fix the Worker inflated the whole gigabyte
 * per request, 14 s and 2.4 GB under `wrangler dev`; these tests then ran into their timeout.)
 */

const BOMB = Uint8Array.from(atob(inject("gzipBomb1GiB")), (ch) => ch.charCodeAt(0));
const TOO_LARGE = { message: "http: request body too large" };
/** Routes reading a CrowdSec-typed body without a documented schema in the table. */
const UNDOCUMENTED_BODIES = new Set([
  "POST /v1/watchers",
  "POST /v1/watchers/login",
  "POST /v1/alerts",
]);

const bodyRoutes = routes.filter(
  (r) =>
    r.doc?.body !== undefined ||
    r.doc?.goBody !== undefined ||
    UNDOCUMENTED_BODIES.has(`${r.method} ${r.path}`),
);

let jwt: string;
let key: string;
let capi: string;

beforeAll(async () => {
  jwt = await machineToken("body-limits-agent");
  capi = await capiToken("body-limits-watcher");
  key = await bouncerKey("body-limits-bouncer");
});

function credentials(route: RouteDef): Record<string, string> {
  switch (route.auth) {
    case "jwt":
    case "refresh":
      return { Authorization: `Bearer ${jwt}`, ...AGENT_UA };
    case "apiKey":
    case "jwtOrApiKey":
      return { "X-Api-Key": key };
    case "admin":
    case "scrape":
      return { ...ADMIN };
    case "capi":
      return { Authorization: `Bearer ${capi}` };
    case "none":
      return { ...AGENT_UA };
  }
}

async function rowCounts(): Promise<number[]> {
  const tables = ["machines", "bouncers", "alerts", "decisions", "usage_metrics", "allowlists"];
  return Promise.all(
    tables.map(async (t) => {
      const r = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${t}`).first<{ n: number }>();
      return r!.n;
    }),
  );
}

describe("gzip bombs", () => {
  it("covers every route that reads a body", () => {
    expect(bodyRoutes.length).toBeGreaterThanOrEqual(16);
  });

  it.each(bodyRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    "%s refuses a 1 GiB bomb with 400 while inflating",
    async (_, route) => {
      const before = await rowCounts();
      const r = await call(route.path.replace(/:[a-z_]+/g, "bomb"), {
        method: route.method,
        headers: {
          "Content-Type": "application/json",
          "Content-Encoding": "gzip",
          ...credentials(route),
        },
        body: BOMB,
      });
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual(TOO_LARGE);
      expect(await rowCounts()).toEqual(before);
    },
  );
});

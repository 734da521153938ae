/**
 * The bounded fuzz suite against `wrangler dev` (issue 12 acceptance: "Worker memory back under
 * its start + 64 MB"). The Workers-runtime run (`test/workers/fuzz.test.ts`) checks answers and
 * row counts but cannot see the Worker's memory; this one sends the same seeded malformed cases
 * (`test/support/fuzz-cases.ts`) over HTTP to every row of the route table the Worker serves (its
 * own `/admin/v1/openapi.json`, one operation per row), for at most 60 s of requests, checks each
 * answer, then collects the isolate's garbage through the inspector: the isolate's memory must be
 * back under its start + 64 MiB (the `workerd` resident set is printed alongside). `FUZZ_SEED` / `FUZZ_CASES` as in the
 * Workers suite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueToken } from "../../src/lapi/auth/jwt.js";
import { GENERIC_500 } from "../../src/lapi/errors.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import {
  crowdsecFiveHundred,
  DOCUMENTED,
  type FuzzRoute,
  junkHeaders,
  mutation,
  prng,
  urlOf,
} from "../support/fuzz-cases.js";
import { collectWorkerGarbage, workerdRssKb } from "../support/workerd-memory.js";

const SEED = Number(process.env.FUZZ_SEED) || 0x12c0ffee;
const CASES = Number(process.env.FUZZ_CASES) || 6;
/** The request budget of the run; the remaining cases are skipped past it (reported). */
const BUDGET_MS = 60_000;
const AGENT_UA = { "User-Agent": "crowdsec/v1.4.6-test" };
const MiB = 1024 * 1024;

/** How a route authenticates, read back from its OpenAPI security alternatives. */
type Credential = "machine" | "bouncer" | "admin" | "capi" | "none";
interface Route extends FuzzRoute {
  credential: Credential;
}

let lapi: RampartDev;
let routes: Route[] = [];
let jwt = "";
let apiKey = "";
let watcherJwt = "";

async function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(new URL(path, lapi.url), {
    method: "POST",
    headers: { "Content-Type": "application/json", ...AGENT_UA, ...headers },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function login(): Promise<void> {
  const r = await postJson("v1/watchers/login", {
    machine_id: "fuzz-agent",
    password: "fuzz-agent-pw",
    scenarios: [],
  });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${JSON.stringify(r.body)}`);
  jwt = String(r.body.token);
}

function credential(security: Record<string, unknown>[]): Credential {
  const schemes = security.flatMap((s) => Object.keys(s));
  if (schemes.includes("capiWatcherToken")) return "capi";
  if (schemes.includes("bouncerApiKey")) return "bouncer";
  if (schemes.includes("machineJwt")) return "machine";
  if (schemes.includes("adminToken")) return "admin";
  if (schemes.length === 0) return "none";
  throw new Error(`unknown security schemes ${schemes.join(", ")}`);
}

function headersFor(route: Route): Record<string, string> {
  switch (route.credential) {
    case "machine":
      return { Authorization: `Bearer ${jwt}`, ...AGENT_UA };
    case "bouncer":
      return { "X-Api-Key": apiKey };
    case "admin":
      return { Authorization: `Bearer ${lapi.adminToken}` };
    case "capi":
      return { Authorization: `Bearer ${watcherJwt}`, ...AGENT_UA };
    case "none":
      return { ...AGENT_UA };
  }
}

beforeAll(async () => {
  lapi = await startRampartDev({ vars: { CAPI_SERVER: "on" } });
  await lapi.addMachine("fuzz-agent", "fuzz-agent-pw");
  await login();
  apiKey = await lapi.addBouncer("fuzz-bouncer");
  const watcher = { machine_id: "fuzz-watcher", password: "fuzz-watcher-pw" };
  const registered = await postJson("v2/watchers", watcher);
  if (registered.status !== 200) throw new Error(`capi register: ${registered.status}`);
  const capiLogin = await postJson("v2/watchers/login", { ...watcher, scenarios: [] });
  if (capiLogin.status !== 200) throw new Error(`capi login: ${capiLogin.status}`);
  watcherJwt = String(capiLogin.body.token);
  const doc = (await (await fetch(new URL("admin/v1/openapi.json", lapi.url))).json()) as {
    paths: Record<string, Record<string, { security: Record<string, unknown>[] }>>;
  };
  routes = Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => ({
      method: method.toUpperCase(),
      path: path.replace(/\{([a-z_]+)\}/g, ":$1"),
      credential: credential(op.security),
    })),
  );
});

afterAll(async () => {
  await lapi?.stop();
});

describe("fuzz under wrangler dev: answers and the Worker's memory", () => {
  it("answers every route's malformed cases with a documented status and returns under start + 64 MiB", async () => {
    expect(routes.length).toBeGreaterThan(50);
    const rss = () => workerdRssKb(lapi.processGroup());
    // Warm the isolate (every module loaded, the first D1 queries done) before the baseline.
    expect((await fetch(new URL("health", lapi.url))).status).toBe(200);
    const heapStart = await collectWorkerGarbage(lapi.inspectorPort);
    const start = rss();
    expect(start).toBeGreaterThan(0);
    const rngs = routes.map((_, index) => prng(SEED + index * 7919));
    const deadline = Date.now() + BUDGET_MS;
    let sent = 0;
    let rounds = 0;
    for (let k = 0; k < CASES && Date.now() < deadline; k++) {
      for (const [index, route] of routes.entries()) {
        if (Date.now() >= deadline) break;
        const r = rngs[index]!;
        const m = await mutation(r);
        const url = urlOf(route, r);
        const hasBody = route.method !== "GET" && route.method !== "HEAD";
        const where = `seed ${SEED} route ${route.method} ${route.path} case ${k}: ${m.name} ${url.slice(0, 200)}`;
        const request: RequestInit = {
          method: route.method,
          headers: { ...m.headers, ...junkHeaders(r), ...headersFor(route) },
          ...(hasBody && m.body !== undefined ? { body: m.body } : {}),
        };
        const response = await fetch(new URL(url.slice(1), lapi.url), request);
        sent++;
        let text = await response.text();
        if (route.method === "HEAD" && response.status >= 400) {
          // HEAD answers carry no body: the GET twin of the request shows the message.
          const twin = await fetch(new URL(url.slice(1), lapi.url), { ...request, method: "GET" });
          expect(twin.status, where).toBe(response.status);
          text = await twin.text();
        }
        expect(response.status === 500 || DOCUMENTED.has(response.status), where).toBe(true);
        if (response.status >= 400) {
          let message: unknown;
          try {
            message = (JSON.parse(text) as { message?: unknown }).message;
          } catch {
            throw new Error(`${where} → ${response.status} not JSON: ${text.slice(0, 300)}`);
          }
          expect(typeof message, `${where} → ${text.slice(0, 300)}`).toBe("string");
          expect(message, where).not.toBe(GENERIC_500);
          if (response.status >= 500) {
            expect(crowdsecFiveHundred(route, message), `${where} → ${text.slice(0, 300)}`).toBe(
              true,
            );
          }
        }
        // A successful junk self-deletion logs the fuzz machine out: recreate it and sign its
        // token with the Worker's JWT secret (the login route's own junk has its address
        // rate-limited by then).
        if (response.status < 300 && route.credential === "machine" && route.method === "DELETE") {
          if (!(await lapi.listMachines()).some((row) => row.machineId === "fuzz-agent")) {
            await lapi.addMachine("fuzz-agent", "fuzz-agent-pw");
            const secret = new TextEncoder().encode(lapi.jwtSecret);
            jwt = (await issueToken(secret, "fuzz-agent", Date.now())).token;
          }
        }
      }
      rounds = k + 1;
    }
    const heapEnd = await collectWorkerGarbage(lapi.inspectorPort);
    const end = rss();
    console.log(
      `fuzz-memory: seed ${SEED}, ${routes.length} routes, ${sent} requests, ${rounds}/${CASES} full rounds; ` +
        `isolate (V8 heap + ArrayBuffers) after GC ${(heapStart / MiB).toFixed(1)} → ${(heapEnd / MiB).toFixed(1)} MiB, ` +
        `workerd RSS ${(start / 1024).toFixed(1)} → ${(end / 1024).toFixed(1)} MiB`,
    );
    // Every route got at least one case inside the budget.
    expect(rounds).toBeGreaterThanOrEqual(1);
    // The Worker's memory is its isolate's: back under its start + 64 MiB once garbage is
    // collected. workerd's resident set is printed, not bounded: it also holds what the
    // allocator keeps after the isolate frees it, local D1's SQLite pages, and wrangler's proxy
    // Worker (two processes), none of which the deployed Worker is charged for.
    expect(heapEnd - heapStart).toBeLessThan(64 * MiB);
  }, 300_000);
});

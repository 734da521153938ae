import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { GENERIC_500 } from "../../src/lapi/errors";
import type { RouteDef } from "../../src/lapi/route-def";
import { routes } from "../../src/lapi/routes";
import { ADMIN, AGENT_UA, bouncerKey, call, capiToken, jsonInit, machineToken } from "./helpers";

/**
 * Hostile and broken input (issue #2 acceptance): every failure is the documented status with a
 * `{"message": …}` body, never the generic 500 of an unhandled error, and nothing is half-written.
 */

const MiB = 1024 * 1024;
const TOO_LARGE = { message: "http: request body too large" };

let jwt: string;
let key: string;
let capi: string;

beforeAll(async () => {
  jwt = await machineToken("bad-input-agent");
  capi = await capiToken("bad-input-watcher");
  key = await bouncerKey("bad-input-bouncer");
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

async function counts() {
  const tables = ["machines", "bouncers", "alerts", "decisions", "usage_metrics", "allowlists"];
  const out: Record<string, number> = {};
  for (const t of [...tables, "allowlist_items"]) {
    const r = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${t}`).first<{ n: number }>();
    out[t] = r!.n;
  }
  return out;
}

/** A body stream of `total` bytes of spaces, produced lazily and without a Content-Length. */
function spaces(total: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(MiB).fill(0x20);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(MiB, total - sent);
      controller.enqueue(n === MiB ? chunk : chunk.subarray(0, n));
      sent += n;
    },
  });
}

/** gzip of `total` bytes of spaces: a small body that inflates past the caps (a gzip bomb). */
async function gzipBomb(total: number): Promise<ArrayBuffer> {
  return new Response(spaces(total).pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
}

async function gzip(text: string): Promise<ArrayBuffer> {
  return new Response(
    new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
  ).arrayBuffer();
}

const writeRoutes = routes.filter(
  (r) => r.method === "POST" || r.method === "PUT" || r.method === "PATCH",
);

const junkBodies: Array<[string, BodyInit]> = [
  ["an empty body", ""],
  ["truncated JSON", '{"a": [1, 2'],
  ["a bare word", "hello"],
  ["JSON of the wrong shape (string)", '"just a string"'],
  ["JSON of the wrong shape (number)", "42"],
  ["null", "null"],
  ["an array of nulls", "[null, null]"],
  ["wrong field types", '{"machine_id": 1, "password": [], "targets": {}, "values": 7}'],
  ["deeply nested arrays", `${"[".repeat(20000)}${"]".repeat(20000)}`],
  ["unterminated nesting past Go's depth limit", "[".repeat(20000)],
  ["unterminated nesting within Go's depth limit", `{"a":${"[".repeat(9000)}`],
  ["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
  ["a NUL in a string", '{"machine_id": "a\u0000b", "password": "x"}'],
];

describe.each(writeRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))(
  "junk bodies on %s",
  (_, route) => {
    it.each(junkBodies)(
      "answers %s with a documented JSON error, never a crash",
      async (_, body) => {
        const before = await counts();
        const r = await call(route.path.replace(/:[a-z_]+/g, "junk"), {
          method: route.method,
          headers: { "Content-Type": "application/json", ...credentials(route) },
          body,
        });
        const text = await r.text();
        if (r.status >= 400) {
          const parsed = JSON.parse(text) as { message?: unknown };
          expect(typeof parsed.message, text).toBe("string");
          expect(parsed.message).not.toBe(GENERIC_500);
        }
        expect(r.status).toBeLessThan(500);
        expect(await counts()).toEqual(before);
      },
    );
  },
);

describe("malformed JSON and wrong types get Go's decoder messages", () => {
  it("registration: syntax errors and type errors are 400", async () => {
    const cases: Array<[string, string]> = [
      ["", "EOF"],
      ["{", "unexpected EOF"],
      ["x", "invalid character 'x' looking for beginning of value"],
      [
        '{"machine_id": 1, "password": "p"}',
        "json: cannot unmarshal number into Go struct field WatcherRegistrationRequest.machine_id of type string",
      ],
      [
        "[]",
        "json: cannot unmarshal array into Go value of type models.WatcherRegistrationRequest",
      ],
    ];
    for (const [body, message] of cases) {
      const r = await call("/v1/watchers", jsonInit("POST", body));
      expect(r.status, body).toBe(400);
      expect(await r.json()).toEqual({ message });
    }
  });

  it("login: decoder errors are 401 with the missing: prefix", async () => {
    const r = await call("/v1/watchers/login", jsonInit("POST", '{"machine_id": tru}', AGENT_UA));
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({
      code: 401,
      message: "missing: invalid character '}' in literal true (expecting 'e')",
    });
  });

  it("alerts: an object instead of an array is 400 naming models.AddAlertsRequest", async () => {
    const r = await call("/v1/alerts", jsonInit("POST", "{}", { Authorization: `Bearer ${jwt}` }));
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({
      message: "json: cannot unmarshal object into Go value of type models.AddAlertsRequest",
    });
  });

  it("admin API: malformed JSON is a 400 naming the problem", async () => {
    const r = await call("/admin/v1/machines", jsonInit("POST", "{", ADMIN));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toMatch(/^invalid JSON body: /);
  });
});

describe("body size caps (2 MiB unauthenticated, 50 MiB authenticated, after gunzip)", () => {
  it("refuses a declared Content-Length over 2 MiB on /v1/watchers", async () => {
    const r = await call("/v1/watchers", jsonInit("POST", " ".repeat(2 * MiB + 1)));
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual(TOO_LARGE);
  });

  it("counts streamed bytes when no length is declared", async () => {
    const before = await counts();
    const r = await call("/v1/watchers/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...AGENT_UA },
      body: spaces(2 * MiB + 10),
      duplex: "half",
    } as RequestInit);
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual(TOO_LARGE);
    expect(await counts()).toEqual(before);
  });

  it("accepts 2 MiB of whitespace around a valid body on an authenticated route", async () => {
    const body = `${" ".repeat(3 * MiB)}{"targets": ["192.0.2.1"]}`;
    const r = await call(
      "/v1/allowlists/check",
      jsonInit("POST", body, { Authorization: `Bearer ${jwt}` }),
    );
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ results: [] });
  });

  it("refuses a streamed body over 50 MiB on an authenticated route", async () => {
    const before = await counts();
    const r = await call("/v1/usage-metrics", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Api-Key": key },
      body: spaces(50 * MiB + 1),
      duplex: "half",
    } as RequestInit);
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual(TOO_LARGE);
    expect(await counts()).toEqual(before);
  });

  it("decodes a gzip body (Content-Encoding: gzip)", async () => {
    const r = await call("/v1/allowlists/check", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
        Authorization: `Bearer ${jwt}`,
      },
      body: await gzip('{"targets": ["192.0.2.1"]}'),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ results: [] });
  });

  it("stops a gzip bomb at the 2 MiB cap of unauthenticated routes", async () => {
    const bomb = await gzipBomb(16 * MiB);
    expect(bomb.byteLength).toBeLessThan(64 * 1024);
    const r = await call("/v1/watchers", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" },
      body: bomb,
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual(TOO_LARGE);
  });

  it("stops a gzip bomb at the 50 MiB cap of authenticated routes, writing nothing", async () => {
    const before = await counts();
    const r = await call("/v1/usage-metrics", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Encoding": "gzip", "X-Api-Key": key },
      body: await gzipBomb(64 * MiB),
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual(TOO_LARGE);
    expect(await counts()).toEqual(before);
  });

  it("answers a body that is not gzip despite Content-Encoding: gzip with 400", async () => {
    const r = await call("/v1/watchers", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" },
      body: '{"machine_id": "a", "password": "b"}',
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ message: "gzip: invalid header" });
  });
});

describe("bad IPs and unknown filters", () => {
  const bouncer = () => ({ headers: { "X-Api-Key": key } });
  const machine = () => ({ headers: { Authorization: `Bearer ${jwt}` } });

  it("GET /v1/decisions with an invalid ip or range is CrowdSec's 500 message", async () => {
    for (const [param, value] of [
      ["ip", "gruueq"],
      ["range", "1.2.3.4/99"],
      ["ip", "1.2.3"],
      ["ip", "::g"],
    ]) {
      const r = await call(`/v1/decisions?${param}=${encodeURIComponent(value!)}`, bouncer());
      expect(r.status).toBe(500);
      expect(await r.json()).toEqual({
        message: `unable to convert '${value}' to int: invalid ip address '${value}': invalid ip address / range`,
      });
    }
  });

  it("GET /v1/decisions ignores unknown query keys (200)", async () => {
    const r = await call("/v1/decisions?test=test", bouncer());
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("null");
  });

  it("GET /v1/alerts refuses an unknown filter with 500 invalid filter", async () => {
    const r = await call("/v1/alerts?test=test", machine());
    expect(r.status).toBe(500);
    expect(((await r.json()) as { message: string }).message).toMatch(
      /^[Ff]ilter parameter 'test' is unknown \(=test\): invalid filter$/,
    );
  });

  it("DELETE /v1/decisions refuses an unknown filter and deletes nothing", async () => {
    const before = await counts();
    const r = await call("/v1/decisions?test=test", { method: "DELETE", ...machine() });
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ message: "'test' doesn't exist: invalid filter" });
    expect(await counts()).toEqual(before);
  });

  it("allowlist checks refuse invalid addresses with 500 invalid ip address", async () => {
    for (const value of ["999.1.1.1", "1.2.3.4.5", "fe80::1%25eth0", "%20"]) {
      const r = await call(`/v1/allowlists/check/${value}`, machine());
      expect(r.status, value).toBe(500);
      expect(((await r.json()) as { message: string }).message).toMatch(/^invalid ip address '/);
    }
  });

  it("the admin API refuses invalid allowlist values before writing anything", async () => {
    await call("/admin/v1/allowlists", jsonInit("POST", { name: "bad-input-list" }, ADMIN));
    const before = await counts();
    const r = await call(
      "/admin/v1/allowlists/bad-input-list/items",
      jsonInit("POST", { values: ["10.0.0.1", "10.0.0.0/33"] }, ADMIN),
    );
    expect(r.status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it("non-integer ids are 400 *_id must be valid integer", async () => {
    const alert = await call("/v1/alerts/abc", machine());
    expect(alert.status).toBe(400);
    expect(await alert.json()).toEqual({ message: "alert_id must be valid integer" });
    const decision = await call("/v1/decisions/abc", { method: "DELETE", ...machine() });
    expect(decision.status).toBe(400);
    expect(await decision.json()).toEqual({ message: "decision_id must be valid integer" });
  });
});

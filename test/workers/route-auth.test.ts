import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { RouteDef } from "../../src/lapi/route-def";
import { routes } from "../../src/lapi/routes";
import { ADMIN, AGENT_UA, bouncerKey, call, capiToken, machineToken } from "./helpers";

/**
 * The route → auth conformance table (CrowdSec pkg/apiserver/middlewares/v1/jwt.go, api_key.go):
 * every row of the route table gets the assertions of its auth kind, so a new route is covered the
 * moment it is added.
 */

const REALM = "JWT realm=Crowdsec API local";
const enc = new TextEncoder();

/** A concrete URL for a row: every `:param` becomes a harmless sample value. */
function urlOf(route: RouteDef): string {
  return route.path.replace(/:[a-z_]+/g, (p) => (p === ":ip_or_range" ? "192.0.2.1" : "1"));
}

function rowName(route: RouteDef): string {
  return `${route.method} ${route.path}`;
}

async function send(route: RouteDef, headers: Record<string, string> = {}, cf?: Cf) {
  const r = await call(urlOf(route), { method: route.method, headers, cf });
  const text = await r.text();
  // /metrics answers Prometheus text, every other route JSON (or nothing).
  const json = r.headers.get("Content-Type")?.startsWith("application/json");
  return {
    status: r.status,
    headers: r.headers,
    body: text === "" || !json ? null : JSON.parse(text),
  };
}

/** HEAD responses carry no body; the status and headers are all there is to check. */
function expectBody(route: RouteDef, actual: unknown, expected: unknown) {
  if (route.method === "HEAD") expect(actual).toBeNull();
  else expect(actual).toEqual(expected);
}

type Cf = RequestInit["cf"];

function tlsCert(ou: string, extra: Record<string, string> = {}): Cf {
  return {
    tlsClientAuth: {
      certPresented: "1",
      certVerified: "SUCCESS",
      certRevoked: "0",
      certSubjectDNRFC2253: `CN=localhost,OU=${ou}`,
      ...extra,
    },
  };
}

let machineJwt: string;
let apiKey: string;
let forged: string;
let expired: string;
let algNone: string;
let watcherJwt: string;

beforeAll(async () => {
  machineJwt = await machineToken("route-auth-agent");
  apiKey = await bouncerKey("route-auth-bouncer");
  watcherJwt = await capiToken("route-auth-watcher");
  const now = Math.floor(Date.now() / 1000);
  const claims = { id: "route-auth-agent", orig_iat: now, exp: now + 3600 };
  forged = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(enc.encode("not-the-secret-".repeat(5)));
  expired = await new SignJWT({ ...claims, orig_iat: now - 7300, exp: now - 3700 })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(enc.encode(env.JWT_SECRET));
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "");
  algNone = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
});

const byAuth = (kinds: RouteDef["auth"][]) => routes.filter((r) => kinds.includes(r.auth));

it("has at least one row of every auth kind, so no branch below runs empty", () => {
  for (const kind of [
    "none",
    "jwt",
    "refresh",
    "apiKey",
    "jwtOrApiKey",
    "admin",
    "scrape",
    "capi",
  ] as const) {
    expect(byAuth([kind]).length, kind).toBeGreaterThan(0);
  }
});

describe.each(byAuth(["jwt", "refresh"]).map((r) => [rowName(r), r] as const))(
  "machine JWT row %s",
  (_, route) => {
    async function expectJwt401(headers: Record<string, string>, message: string, cf?: Cf) {
      const r = await send(route, headers, cf);
      expect(r.status).toBe(401);
      expect(r.headers.get("WWW-Authenticate")).toBe(REALM);
      expectBody(route, r.body, { code: 401, message });
    }

    it("rejects a request without a token: 401 cookie token is empty", async () => {
      await expectJwt401({}, "cookie token is empty");
      await expectJwt401({ Authorization: `Basic ${btoa("a:b")}` }, "cookie token is empty");
      await expectJwt401({ Authorization: machineJwt }, "cookie token is empty");
    });

    it("rejects a malformed token: token contains an invalid number of segments", async () => {
      await expectJwt401(
        { Authorization: "Bearer abc" },
        "token contains an invalid number of segments",
      );
    });

    it("rejects a forged signature: signature is invalid", async () => {
      await expectJwt401({ Authorization: `Bearer ${forged}` }, "signature is invalid");
    });

    it("rejects an expired token", async () => {
      // gin-jwt's refresh handler has its own wording once the refresh window is over too.
      const message = route.auth === "refresh" ? "token is expired" : "Token is expired";
      await expectJwt401({ Authorization: `Bearer ${expired}` }, message);
    });

    it("rejects an alg:none token with 401", async () => {
      const r = await send(route, { Authorization: `Bearer ${algNone}` });
      expect(r.status).toBe(401);
      expect(r.headers.get("WWW-Authenticate")).toBe(REALM);
    });

    it("rejects a bouncer API key with 401 (bouncers on machine routes)", async () => {
      await expectJwt401({ "X-Api-Key": apiKey }, "cookie token is empty");
    });

    it("does not accept an agent client certificate instead of a token", async () => {
      await expectJwt401({}, "cookie token is empty", tlsCert("agent-ou"));
    });

    it("lets a valid machine token through the auth layer (header, cookie jwt, ?token=)", async () => {
      if (route.method === "DELETE") return; // the handler would really delete things
      const viaHeader = await send(route, { Authorization: `Bearer ${machineJwt}` });
      expect(viaHeader.headers.get("WWW-Authenticate")).toBeNull();
      expect(viaHeader.status).not.toBe(401);
      // gin-jwt's lookup `header, query: token, cookie: jwt`; every release up to 1.7.8 has it.
      const viaCookie = await send(route, { Cookie: `lang=en; jwt=${machineJwt}` });
      expect(viaCookie.status).not.toBe(401);
      const sep = urlOf(route).includes("?") ? "&" : "?";
      const viaQuery = await call(`${urlOf(route)}${sep}token=${machineJwt}`, {
        method: route.method,
      });
      expect(viaQuery.status).not.toBe(401);
    });
  },
);

describe.each(byAuth(["apiKey"]).map((r, i) => [rowName(r), r, i] as const))(
  "bouncer API-key row %s",
  (_, route, i) => {
    async function expect403(headers: Record<string, string>, cf?: Cf) {
      const r = await send(route, headers, cf);
      expect(r.status).toBe(403);
      expect(r.headers.get("WWW-Authenticate")).toBeNull();
      expectBody(route, r.body, { message: "access forbidden" });
    }

    it("rejects a missing or unknown key with 403 access forbidden", async () => {
      await expect403({});
      await expect403({ "X-Api-Key": "not-a-key" });
    });

    it("rejects a machine JWT with 403 (machines on bouncer routes)", async () => {
      await expect403({ Authorization: `Bearer ${machineJwt}` });
    });

    it("accepts the bouncer's key", async () => {
      const r = await send(route, { "X-Api-Key": apiKey });
      expect(r.status).toBe(200);
    });

    it("auto-creates a localhost@<ip> TLS bouncer from a verified certificate", async () => {
      const ip = `10.77.${i}.1`;
      const r = await send(route, { "CF-Connecting-IP": ip }, tlsCert("bouncer-ou"));
      expect(r.status).toBe(200);
      const row = await env.DB.prepare("SELECT auth_type FROM bouncers WHERE name = ?")
        .bind(`localhost@${ip}`)
        .first<{ auth_type: string }>();
      expect(row).toEqual({ auth_type: "tls" });
    });

    it("rejects a certificate with a foreign OU, unverified or revoked, creating no row", async () => {
      const ip = `10.78.${i}.1`;
      await expect403({ "CF-Connecting-IP": ip }, tlsCert("agent-ou"));
      await expect403({ "CF-Connecting-IP": ip }, tlsCert("bouncer-ou", { certRevoked: "1" }));
      await expect403(
        { "CF-Connecting-IP": ip },
        tlsCert("bouncer-ou", { certVerified: "FAILED:self signed certificate" }),
      );
      // RFC 2253: '/' is value text, so this CN does not smuggle in the bouncer OU.
      await expect403(
        { "CF-Connecting-IP": ip },
        tlsCert("agent-ou", { certSubjectDNRFC2253: "CN=localhost/OU=bouncer-ou,OU=agent-ou" }),
      );
      const row = await env.DB.prepare("SELECT 1 FROM bouncers WHERE name = ?")
        .bind(`localhost@${ip}`)
        .first();
      expect(row).toBeNull();
    });
  },
);

describe.each(byAuth(["jwtOrApiKey"]).map((r) => [rowName(r), r] as const))(
  "machine-or-bouncer row %s",
  (_, route) => {
    it("takes the API-key path for X-Api-Key and for anonymous non-crowdsec callers", async () => {
      const anonymous: Record<string, string>[] = [
        { "X-Api-Key": "wrong" },
        {},
        { "User-Agent": "curl/8.0" },
      ];
      for (const headers of anonymous) {
        const r = await send(route, headers);
        expect(r.status).toBe(403);
        expectBody(route, r.body, { message: "access forbidden" });
      }
    });

    it("takes the JWT path for an Authorization header or a crowdsec/ User-Agent", async () => {
      const bad = await send(route, { Authorization: "Bearer abc" });
      expect(bad.status).toBe(401);
      expectBody(route, bad.body, {
        code: 401,
        message: "token contains an invalid number of segments",
      });
      // bats 11_bouncers_tls: a TLS bouncer that says it is crowdsec gets the JWT error.
      const ua = await send(route, { "User-Agent": "crowdsec/v1.7.0" }, tlsCert("bouncer-ou"));
      expect(ua.status).toBe(401);
      expect(ua.headers.get("WWW-Authenticate")).toBe(REALM);
      expectBody(route, ua.body, { code: 401, message: "cookie token is empty" });
    });

    it("lets both a machine token and a bouncer key through the auth layer", async () => {
      const both: Record<string, string>[] = [
        { Authorization: `Bearer ${machineJwt}` },
        { "X-Api-Key": apiKey },
      ];
      for (const headers of both) {
        const r = await send(route, headers);
        expect([401, 403]).not.toContain(r.status);
      }
    });
  },
);

describe.each(byAuth(["admin", "scrape"]).map((r) => [rowName(r), r] as const))(
  "admin or scrape row %s",
  (_, route) => {
    it("rejects a request without admin credentials with 401", async () => {
      const creds: Record<string, string>[] = [{}, { "X-Api-Key": apiKey }];
      for (const headers of creds) {
        const r = await send(route, headers);
        expect(r.status).toBe(401);
        expectBody(route, r.body, {
          message: "admin token or admin client certificate required",
        });
      }
    });

    it("rejects a wrong admin token (or a machine JWT) with 403", async () => {
      for (const token of ["wrong-admin-token", machineJwt]) {
        const r = await send(route, { Authorization: `Bearer ${token}` });
        expect(r.status).toBe(403);
        expectBody(route, r.body, { message: "access forbidden" });
      }
    });

    it("does not take a bouncer or agent certificate as admin", async () => {
      for (const ou of ["bouncer-ou", "agent-ou"]) {
        const r = await send(route, {}, tlsCert(ou));
        expect(r.status).toBe(401);
      }
    });

    it("lets the admin token through the auth layer", async () => {
      if (route.method === "DELETE") return;
      const r = await send(route, { ...ADMIN });
      expect([401, 403]).not.toContain(r.status);
    });
  },
);

describe("the scrape-only METRICS_TOKEN", () => {
  const token = { Authorization: `Bearer ${env.METRICS_TOKEN}` };

  it.each(byAuth(["scrape"]).map((r) => [rowName(r), r] as const))(
    "opens the scrape row %s",
    async (_, route) => {
      expect((await send(route, token)).status).toBe(200);
    },
  );

  it.each(byAuth(["admin"]).map((r) => [rowName(r), r] as const))(
    "is refused with 403 on the admin row %s",
    async (_, route) => {
      const r = await send(route, token);
      expect(r.status).toBe(403);
      expectBody(route, r.body, { message: "access forbidden" });
    },
  );
});
describe.each(byAuth(["capi"]).map((r) => [rowName(r), r] as const))(
  "central API watcher row %s",
  (_, route) => {
    it("rejects a missing, forged, expired or LAPI machine token with 401", async () => {
      const tokens = [null, "a.b", forged, expired, algNone, machineJwt];
      for (const token of tokens) {
        const r = await send(route, token ? { Authorization: `Bearer ${token}` } : {});
        expect(r.status, String(token)).toBe(401);
        expect(typeof r.body?.message).toBe("string");
      }
    });

    it("does not take a bouncer key or an agent certificate", async () => {
      expect((await send(route, { "X-Api-Key": apiKey })).status).toBe(401);
      expect((await send(route, {}, tlsCert("agent-ou"))).status).toBe(401);
    });

    it("lets a watcher token through the auth layer", async () => {
      const r = await send(route, { Authorization: `Bearer ${watcherJwt}` });
      expect(r.status).not.toBe(401);
    });
  },
);

describe.each(byAuth(["none"]).map((r) => [rowName(r), r] as const))(
  "unauthenticated row %s",
  (_, route) => {
    it("never answers with an auth-layer error", async () => {
      const r = await send(route, { ...AGENT_UA });
      expect(r.body?.message).not.toBe("cookie token is empty");
      expect(r.body?.message).not.toBe("access forbidden");
    });
  },
);

describe("mTLS machines (agents log in with a certificate)", () => {
  const login = (ip: string, cf: Cf) =>
    call("/v1/watchers/login", {
      method: "POST",
      headers: { ...AGENT_UA, "CF-Connecting-IP": ip, "Content-Type": "application/json" },
      body: JSON.stringify({ scenarios: ["crowdsecurity/ssh-bf"] }),
      cf,
    } as RequestInit);
  const machineRow = (id: string) =>
    env.DB.prepare("SELECT auth_type, is_validated FROM machines WHERE machine_id = ?")
      .bind(id)
      .first<{ auth_type: string; is_validated: number }>();

  it("auto-creates a validated localhost@<ip> TLS machine and issues a working token", async () => {
    const r = await login("10.79.0.1", tlsCert("agent-ou"));
    expect(r.status).toBe(200);
    const { token } = (await r.json()) as { token: string };
    expect(await machineRow("localhost@10.79.0.1")).toEqual({ auth_type: "tls", is_validated: 1 });
    const hb = await call("/v1/heartbeat", { headers: { Authorization: `Bearer ${token}` } });
    expect(hb.status).toBe(200);
  });

  it("refuses a certificate with a bouncer OU or a revoked one, creating no machine", async () => {
    for (const cf of [tlsCert("bouncer-ou"), tlsCert("agent-ou", { certRevoked: "1" })]) {
      const r = await login("10.79.0.2", cf);
      expect(r.status).toBe(401);
    }
    expect(await machineRow("localhost@10.79.0.2")).toBeNull();
  });
});

describe("transport behaviour of the route table (gin, as in CrowdSec controller.go)", () => {
  const paths = [...new Set(routes.map((r) => r.path))];
  const methodsAt = (path: string) => {
    const url = path.replace(/:[a-z_]+/g, "1");
    const matching = routes.filter((r) =>
      new RegExp(`^${r.path.replace(/:[a-z_]+/g, "[^/]+")}$`).test(url),
    );
    return new Set<string>(matching.map((r) => r.method));
  };

  it.each(paths)("answers 405 with an empty body for a method %s does not serve", async (path) => {
    const served = methodsAt(path);
    const missing = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].filter((m) => !served.has(m));
    expect(missing.length).toBeGreaterThan(0);
    for (const method of missing) {
      const r = await call(path.replace(/:[a-z_]+/g, "1"), { method, headers: ADMIN });
      expect(r.status, method).toBe(405);
      expect(await r.text()).toBe("");
    }
  });

  it.each(routes.map((r) => [rowName(r), r] as const))(
    "redirects %s with a trailing slash (301 for GET, 307 otherwise)",
    async (_, route) => {
      const url = `${urlOf(route)}/`;
      const r = await call(url, { method: route.method, redirect: "manual" });
      expect(r.status).toBe(route.method === "GET" ? 301 : 307);
      expect(new URL(r.headers.get("Location")!).pathname).toBe(urlOf(route));
    },
  );

  it("answers unknown paths with 404 and an empty body", async () => {
    for (const path of ["/v1/nope", "/admin/v1/nope", "/v2/decisions", "/"]) {
      const r = await call(path);
      expect(r.status, path).toBe(404);
      expect(await r.text()).toBe("");
    }
  });

  it("answers GET /health with 200 {status: up}, no credentials needed", async () => {
    const r = await call("/health");
    expect(r.status).toBe(200);
    expect(r.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(await r.json()).toEqual({ status: "up" });
  });
});

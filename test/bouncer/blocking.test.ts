import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/bouncer/env";
import { createBouncerWorker } from "../../src/bouncer/handler";
import { addDecisions, env, expireDecisions, resetLapi, status, syncNow, visit } from "./helpers";

/** A bouncer isolate of its own whose clock the test sets. */
function isolateAt(now: () => number) {
  const worker = createBouncerWorker({ now });
  return {
    async visit(url: string, ip: string) {
      const ctx = createExecutionContext();
      const request = new Request(url, { headers: { "CF-Connecting-IP": ip } });
      const res = await worker.fetch(request, env as Env, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    },
    /** Which snapshot this isolate holds, and how often it fetched one. */
    replica: () => {
      const { version, seq, loads, refreshes } = worker.runtime()!.replica;
      return { version, seq, loads, refreshes };
    },
  };
}

describe("bouncer blocking (Workers runtime, Durable Object sync)", () => {
  beforeAll(async () => {
    await resetLapi();
    await addDecisions([
      { value: "203.0.113.7" },
      { value: "198.51.100.0/24", scope: "Range" },
      { value: "2001:db8:bad::/48", scope: "Range" },
      { value: "2001:db8::66" },
      { value: "64501", scope: "AS", origin: "CAPI" },
      { value: "KP", scope: "Country", type: "ban", origin: "lists" },
      { value: "lab-user", scope: "username" },
    ]);
    const report = await syncNow();
    expect(report, JSON.stringify(report)).toMatchObject({ ok: true, added: 6 });
  });

  it("answers 403 with the ban page for a banned IP and never reaches the origin", async () => {
    const res = await visit("http://site.test/account", "203.0.113.7");
    expect(res.status).toBe(403);
    expect(res.headers.get("X-Rampart-Remediation")).toBe("ban");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain("Access denied");
    expect(html).toContain("203.0.113.7");
    expect(html).not.toContain('"origin":true');
  });

  it("forwards a clean request unchanged, body and method included", async () => {
    const res = await visit("http://site.test/api/x?y=1", "203.0.113.8", {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: '{"a":1}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      origin: true,
      method: "PUT",
      url: "http://site.test/api/x?y=1",
      body: '{"a":1}',
      contentType: "application/json",
    });
  });

  it("blocks every address of an IPv4 range and of an IPv6 range, and exact IPv6 bans", async () => {
    for (const ip of [
      "198.51.100.0",
      "198.51.100.77",
      "198.51.100.255",
      "2001:db8:bad::1",
      "2001:db8:bad:ffff::9",
      "2001:db8::66",
    ]) {
      expect((await visit("http://site.test/", ip)).status, ip).toBe(403);
    }
    for (const ip of ["198.51.101.0", "2001:db8:bae::1", "2001:db8::67"]) {
      expect((await visit("http://site.test/", ip)).status, ip).toBe(200);
    }
  });

  it("treats an IPv4-mapped IPv6 client as its IPv4 address", async () => {
    expect((await visit("http://site.test/", "::ffff:203.0.113.7")).status).toBe(403);
  });

  it("applies AS and country decisions from request.cf", async () => {
    const as = await visit("http://site.test/", "192.0.2.1", { cf: { asn: 64501, country: "FR" } });
    expect(as.status).toBe(403);
    const country = await visit("http://site.test/", "192.0.2.1", {
      cf: { asn: 64502, country: "KP" },
    });
    expect(country.status).toBe(403);
    const clean = await visit("http://site.test/", "192.0.2.1", {
      cf: { asn: 64502, country: "FR" },
    });
    expect(clean.status).toBe(200);
  });

  it("lets an expired decision pass without any sync (expiry enforced at lookup time)", async () => {
    let clock = Date.now();
    const bouncer = isolateAt(() => clock);
    await addDecisions([{ value: "192.0.2.99", durationMs: 3_000 }]);
    const added = Date.now(); // the test LAPI's clock, at the latest, when it set the expiry
    await syncNow();
    expect((await bouncer.visit("http://site.test/", "192.0.2.99")).status).toBe(403);
    const before = { replica: bouncer.replica(), store: (await status()).store.version };
    clock = added + 3_100;
    expect((await bouncer.visit("http://site.test/", "192.0.2.99")).status).toBe(200);
    expect({ replica: bouncer.replica(), store: (await status()).store.version }).toEqual(before);
  });

  it("enforces a decision added after startup from the change log, then lifts it when deleted", async () => {
    expect((await visit("http://site.test/", "203.0.113.50")).status).toBe(200);
    const version = (await status()).isolate.version;
    await addDecisions([
      { value: "203.0.113.50" },
      { value: "2001:db8:1234::/64", scope: "Range" },
    ]);
    const added = await syncNow();
    expect(added).toMatchObject({ ok: true, added: 2, version });
    expect((await status()).isolate.overlay).toBeGreaterThan(0);
    expect((await visit("http://site.test/", "203.0.113.50")).status).toBe(403);
    expect((await visit("http://site.test/", "2001:db8:1234::abcd")).status).toBe(403);

    await expireDecisions("203.0.113.50");
    await expireDecisions("203.0.113.7");
    const deleted = await syncNow();
    expect(deleted).toMatchObject({ ok: true, deleted: 2 });
    expect((await visit("http://site.test/", "203.0.113.50")).status).toBe(200);
    expect((await visit("http://site.test/", "203.0.113.7")).status).toBe(200);
    expect((await visit("http://site.test/", "2001:db8:1234::abcd")).status).toBe(403);
  });

  it("maps decision types per host and path: ban-only API host, unprotected static host", async () => {
    await addDecisions([
      { value: "192.0.2.60", type: "captcha" },
      { value: "192.0.2.61", type: "throttle" },
    ]);
    await syncNow();
    const api = await visit("http://api.site.test/v1", "192.0.2.60");
    expect(api.status).toBe(403);
    expect(api.headers.get("X-Rampart-Remediation")).toBe("ban");
    const web = await visit("http://www.site.test/", "192.0.2.60");
    expect(web.headers.get("X-Rampart-Remediation")).toBe("captcha");
    // An unsupported type uses the rule's default_action (captcha on the web hosts).
    const other = await visit("http://www.site.test/", "192.0.2.61");
    expect(other.headers.get("X-Rampart-Remediation")).toBe("captcha");
    expect((await visit("http://static.site.test/logo.png", "203.0.113.50")).status).toBe(200);
    expect((await visit("http://static.site.test/logo.png", "198.51.100.1")).status).toBe(200);
    // No rule for the host at all: the bouncer does not act.
    expect((await visit("http://elsewhere.test/", "198.51.100.1")).status).toBe(200);
  });

  it.each([
    ["no header", {}],
    ["a wrong token", { Authorization: "Bearer test-control-tokeN" }],
    ["a prefix of the token", { Authorization: "Bearer test-control" }],
    ["the token with a suffix", { Authorization: "Bearer test-control-token2" }],
    ["the bare token", { Authorization: "test-control-token" }],
  ])("hides the control API (404) from %s", async (_, headers: Record<string, string>) => {
    const res = await visit("http://site.test/.rampart/usage-metrics", null, {
      method: "POST",
      headers,
    });
    expect(res.status).toBe(404);
  });

  it("counts blocked and passed requests per origin and remediation and reports them to LAPI", async () => {
    const counters = (await status()).isolate.counters;
    expect(counters["blocked{origin=cscli,remediation=ban}"]).toBeGreaterThan(0);
    expect(counters["blocked{origin=CAPI,remediation=ban}"]).toBe(1);
    expect(counters["blocked{origin=lists,remediation=ban}"]).toBe(1);
    expect(counters.passed).toBeGreaterThan(0);
    const res = await visit("http://site.test/.rampart/usage-metrics", null, {
      method: "POST",
      headers: { Authorization: "Bearer test-control-token" },
    });
    expect(await res.json()).toEqual({ lapiStatus: 201 });
    const { env } = await import("./helpers");
    const sent = (await (await env.LAPI.fetch("http://lapi/test/usage")).json()) as {
      remediation_components: {
        type: string;
        metrics: { items: { name: string; value: number; labels?: Record<string, string> }[] }[];
      }[];
    }[];
    const rc = sent.at(-1)!.remediation_components[0]!;
    expect(rc.type).toBe("rampart-cloudflare-bouncer");
    const items = rc.metrics[0]!.items;
    const dropped = items.filter((i) => i.name === "dropped");
    expect(
      dropped.find((i) => i.labels?.origin === "CAPI" && i.labels?.remediation === "ban")?.value,
    ).toBe(1);
    expect(items.find((i) => i.name === "processed")?.value).toBeGreaterThan(5);
    expect(items.some((i) => i.name === "active_decisions")).toBe(true);
    expect((await status()).store.usagePushes).toBeGreaterThanOrEqual(1);
  });

  it("refuses control endpoints without the control token", async () => {
    expect((await visit("http://site.test/.rampart/sync", null, { method: "POST" })).status).toBe(
      404,
    );
    expect((await visit("http://site.test/.rampart/status", "1.2.3.4")).status).toBe(404);
    // Not dev mode: no Turnstile stand-in.
    expect((await visit("http://site.test/.rampart/dev/turnstile.js", "1.2.3.4")).status).toBe(404);
  });
});

describe("one canonical path for rules and origin (issue 12, hole 6)", () => {
  /** An isolate with its own bindings on top of the test ones. */
  function isolateWith(vars: Partial<Env>) {
    const worker = createBouncerWorker();
    const own = { ...env, ...vars } as Env;
    return async (url: string, ip: string, headers: Record<string, string> = {}) => {
      const ctx = createExecutionContext();
      const request = new Request(url, { headers: { "CF-Connecting-IP": ip, ...headers } });
      const res = await worker.fetch(request, own, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
  }

  beforeAll(async () => {
    await addDecisions([{ value: "203.0.113.70" }]);
    await syncNow();
  });

  it("sends a path that names another host to the configured origin only, credentials and all", async () => {
    const visitVia = isolateWith({ ORIGIN_URL: "https://origin.internal/app" });
    for (const raw of [
      "///127.0.0.1:8394/steal",
      "/\\127.0.0.1:8394/steal",
      "//evil.example/steal",
    ]) {
      const res = await visitVia(`http://site.test${raw}?k=1`, "203.0.113.8", {
        Cookie: "session=secret",
        Authorization: "Basic c2VjcmV0",
      });
      expect(res.status, raw).toBe(200);
      const echoed = (await res.json()) as { url: string };
      expect(new URL(echoed.url).host, raw).toBe("origin.internal");
      expect(echoed.url, raw).toMatch(/^https:\/\/origin\.internal\/app\/[^/]/);
    }
  });

  it("holds a path rule for every spelling of the path, and the origin gets the path judged", async () => {
    const visitVia = isolateWith({
      REMEDIATIONS: JSON.stringify([
        { hosts: ["*"], path_prefix: "/admin", actions: ["ban"], default_action: "ban" },
      ]),
    });
    for (const raw of ["/admin", "//admin", "/%61dmin/", "/Admin", "/x/../admin", "/.//admin"]) {
      expect((await visitVia(`http://site.test${raw}`, "203.0.113.70")).status, raw).toBe(403);
    }
    const clean = await visitVia("http://site.test//public/%7Ex", "203.0.113.70");
    expect(clean.status).toBe(200);
    expect(((await clean.json()) as { url: string }).url).toBe("http://site.test/public/~x");
  });
});

describe("range decisions wider than MIN_RANGE_PREFIX (issue 12)", () => {
  it("never enforces 0.0.0.0/0 or ::/0 silently: dropped at sync, logged and counted", async () => {
    await addDecisions([
      { value: "0.0.0.0/0", scope: "Range" },
      { value: "::/0", scope: "Range" },
      { value: "192.0.2.0/24", scope: "Range" },
    ]);
    const report = (await syncNow()) as Awaited<ReturnType<typeof syncNow>> & { wide: number };
    expect(report.wide).toBe(2);
    expect((await visit("http://site.test/", "203.0.113.99")).status).toBe(200);
    expect((await visit("http://site.test/", "2001:db8:77::1")).status).toBe(200);
    expect((await visit("http://site.test/", "192.0.2.9")).status).toBe(403);
    for (const v of ["0.0.0.0/0", "::/0", "192.0.2.0/24"]) await expireDecisions(v);
    await syncNow();
  });
});

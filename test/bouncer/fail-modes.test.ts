import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/bouncer/env";
import { createBouncerWorker } from "../../src/bouncer/handler";
import { addDecisions, env, resetLapi, status, syncNow } from "./helpers";

/** A bouncer isolate of its own, with some variables changed. */
function bouncerWith(vars: Partial<Env>, firstLoadTimeoutMs?: number) {
  const worker = createBouncerWorker({ firstLoadTimeoutMs });
  const bouncerEnv = { ...env, ...vars } as Env;
  return {
    worker,
    async visit(url: string, ip: string | null, init: RequestInit = {}) {
      const headers = new Headers(init.headers);
      if (ip !== null) headers.set("CF-Connecting-IP", ip);
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(url, { ...init, headers }), bouncerEnv, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    },
    counters: () => worker.runtime()!.counters,
  };
}

/** A DecisionStore namespace whose object cannot be reached. */
const unreachableStore = {
  getByName: () => ({
    state: () => Promise.reject(new Error("Durable Object reset because its code was updated.")),
    chunk: () => Promise.reject(new Error("unreachable")),
    recordUsage: () => Promise.reject(new Error("unreachable")),
  }),
} as unknown as Env["DECISIONS"];

describe("fail modes, log-only and stalled syncs", () => {
  beforeAll(async () => {
    await resetLapi();
    await addDecisions([{ value: "203.0.113.9" }, { value: "192.0.2.20", type: "captcha" }]);
    await syncNow();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("log_only forwards a banned IP to the origin and counts it as logged", async () => {
    const b = bouncerWith({ LOG_ONLY: "true" });
    const res = await b.visit("http://site.test/", "203.0.113.9");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ origin: true });
    expect(b.counters().totalsView()["logged{origin=cscli,remediation=ban}"]).toBe(1);
    expect(b.counters().total("blocked")).toBe(0);
  });

  it("writes one Analytics Engine data point per request when the binding is present", async () => {
    const points: AnalyticsEngineDataPoint[] = [];
    const b = bouncerWith({ ANALYTICS: { writeDataPoint: (p) => points.push(p!) } });
    expect((await b.visit("http://site.test/", "203.0.113.9")).status).toBe(403);
    expect((await b.visit("http://site.test/", "198.18.0.9")).status).toBe(200);
    expect(points).toEqual([
      { blobs: ["blocked", "cscli", "ban", "", "site.test"], doubles: [1], indexes: ["site.test"] },
      { blobs: ["passed", "", "", "", "site.test"], doubles: [1], indexes: ["site.test"] },
    ]);
  });

  it("fails open when the decision store is unreachable, counting snapshot_unavailable", async () => {
    const b = bouncerWith({ DECISIONS: unreachableStore, FAIL_MODE: "open" });
    const res = await b.visit("http://site.test/", "203.0.113.9");
    expect(res.status).toBe(200);
    expect(b.counters().total("fallback:snapshot_unavailable")).toBe(1);
  });

  it("fails closed with a 503 when so configured", async () => {
    const b = bouncerWith({ DECISIONS: unreachableStore, FAIL_MODE: "closed" });
    const res = await b.visit("http://site.test/", "198.18.0.1");
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect(b.counters().total("fallback:snapshot_unavailable")).toBe(1);
  });

  it("does not hold a request longer than the first-load timeout when the store hangs", async () => {
    const hanging = {
      getByName: () => ({ state: () => new Promise(() => {}), recordUsage: async () => {} }),
    } as unknown as Env["DECISIONS"];
    const b = bouncerWith({ DECISIONS: hanging, FAIL_MODE: "closed" }, 200);
    const started = Date.now();
    const res = await b.worker.fetch(
      new Request("http://site.test/", { headers: { "CF-Connecting-IP": "198.18.0.3" } }),
      { ...env, DECISIONS: hanging, FAIL_MODE: "closed" } as Env,
      createExecutionContext(),
    );
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(b.counters().total("fallback:snapshot_unavailable")).toBe(1);
  });

  it("counts an unexpected error while deciding and applies the fail mode", async () => {
    for (const mode of ["open", "closed"] as const) {
      const b = bouncerWith({ FAIL_MODE: mode });
      expect((await b.visit("http://site.test/", "198.18.0.4")).status).toBe(200);
      // Break the isolate's matcher the way a bug would.
      b.worker.runtime()!.replica.matcher!.match = () => {
        throw new RangeError("offset is outside the bounds of the DataView");
      };
      const res = await b.visit("http://site.test/", "198.18.0.4");
      expect(res.status).toBe(mode === "open" ? 200 : 503);
      expect(b.counters().total("fallback:exception")).toBe(1);
    }
  });

  it("treats a new deployment whose LAPI is down as unavailable, not as 'no decisions'", async () => {
    await env.LAPI.fetch("http://lapi/test/failing?on=true");
    try {
      const fresh = {
        getByName: (name: string) => env.DECISIONS.getByName(`fresh-${name}`),
      } as unknown as Env["DECISIONS"];
      const closed = bouncerWith({ DECISIONS: fresh, FAIL_MODE: "closed" });
      expect((await closed.visit("http://site.test/", "198.18.0.2")).status).toBe(503);
      expect(closed.counters().total("fallback:snapshot_unavailable")).toBe(1);
      const store = await env.DECISIONS.getByName("fresh-decisions").status();
      expect(store.lastError).toContain("HTTP 500");
    } finally {
      await env.LAPI.fetch("http://lapi/test/failing?on=false");
    }
  });

  it("keeps enforcing held bans while the sync is stalled", async () => {
    await env.LAPI.fetch("http://lapi/test/failing?on=true");
    try {
      const report = await syncNow();
      expect(report.ok).toBe(false);
      expect((await status()).store.lastError).toContain("HTTP 500");
      const b = bouncerWith({});
      expect((await b.visit("http://site.test/", "203.0.113.9")).status).toBe(403);
    } finally {
      await env.LAPI.fetch("http://lapi/test/failing?on=false");
    }
  });

  it("uses the fail mode when a request has no usable client IP", async () => {
    const open = bouncerWith({ FAIL_MODE: "open" });
    expect((await open.visit("http://site.test/", null)).status).toBe(200);
    expect((await open.visit("http://site.test/", "not-an-ip")).status).toBe(200);
    expect(open.counters().total("fallback:no_client_ip")).toBe(2);
    const closed = bouncerWith({ FAIL_MODE: "closed" });
    expect((await closed.visit("http://site.test/", null)).status).toBe(503);
  });

  it("uses the fail mode when a captcha decision meets an unconfigured Turnstile", async () => {
    const open = bouncerWith({ TURNSTILE_SECRET_KEY: "", FAIL_MODE: "open" });
    expect((await open.visit("http://site.test/", "192.0.2.20")).status).toBe(200);
    expect(open.counters().total("fallback:captcha_unconfigured")).toBe(1);
    const closed = bouncerWith({ TURNSTILE_SECRET_KEY: "", FAIL_MODE: "closed" });
    expect((await closed.visit("http://site.test/", "192.0.2.20")).status).toBe(503);
  });

  it("on an unreachable siteverify: fail-open lets the visitor in for one minute, fail-closed refuses", async () => {
    const real = globalThis.fetch;
    let calls = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url !== env.TURNSTILE_VERIFY_URL) return real(input, init);
      calls++;
      throw new TypeError("Network connection lost.");
    });
    const post = {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "cf-turnstile-response=XXXX.DUMMY.TOKEN.XXXX&return_to=%2F",
      redirect: "manual" as const,
    };
    const open = bouncerWith({ FAIL_MODE: "open" });
    const opened = await open.visit("http://site.test/.rampart/captcha", "192.0.2.20", post);
    expect(opened.status).toBe(303);
    expect(opened.headers.get("Set-Cookie")).toContain("Max-Age=60;");
    // One retry with the same idempotency key, then the fallback.
    expect(calls).toBe(2);
    expect(open.counters().total("fallback:siteverify_error")).toBe(1);
    const closed = bouncerWith({ FAIL_MODE: "closed" });
    const refused = await closed.visit("http://site.test/.rampart/captcha", "192.0.2.20", post);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("Set-Cookie")).toBeNull();
    expect(closed.counters().total("fallback:siteverify_error")).toBe(1);
  });
});

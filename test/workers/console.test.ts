import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { CSRF_HEADER, SESSION_COOKIE } from "../../src/lapi/auth/console-session";
import { ROWS_READ_HEADER } from "../../src/lapi/routes/console";
import { alert, auth, decision, mustPost } from "./alerts-fixtures";
import { ADMIN, call, jsonInit } from "./helpers";

/** Signs in with `token` over `base` (http or https) and returns the response. */
function signIn(token: string, base = "") {
  return call(`${base}/admin/v1/console/session`, jsonInit("POST", { token }));
}

interface Session {
  cookie: string;
  csrf: string;
}

async function session(): Promise<Session> {
  const r = await signIn(env.ADMIN_TOKEN!);
  expect(r.status).toBe(201);
  const set = r.headers.get("Set-Cookie")!;
  const body = (await r.json()) as { csrf_token: string };
  return { cookie: set.split(";")[0]!, csrf: body.csrf_token };
}

describe("console files (Workers Static Assets)", () => {
  it("serves the page under /console/ with its security headers", async () => {
    const r = await call("/console/");
    expect(r.status).toBe(200);
    expect(r.headers.get("Content-Type")).toMatch(/text\/html/);
    expect(r.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
    expect(r.headers.get("X-Frame-Options")).toBe("DENY");
    const html = await r.text();
    expect(html).toContain('src="app.js"');
    const js = await call("/console/app.js");
    expect(js.status).toBe(200);
    expect((await js.text()).length).toBeGreaterThan(1000);
  });

  it("redirects /console to /console/ and refuses writes with 405", async () => {
    const r = await call("/console", { redirect: "manual" });
    expect(r.status).toBe(301);
    expect(new URL(r.headers.get("Location")!).pathname).toBe("/console/");
    expect((await call("/console/", { method: "POST" })).status).toBe(405);
  });
});

describe("console sign-in", () => {
  it("refuses a wrong admin token with 403 and no cookie", async () => {
    const r = await signIn("not-the-token");
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ message: "wrong admin token" });
    expect(r.headers.get("Set-Cookie")).toBeNull();
  });

  it("sets an HttpOnly SameSite=Strict cookie scoped to the admin API, Secure only over https", async () => {
    const plain = await signIn(env.ADMIN_TOKEN!);
    const cookie = plain.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+`));
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/admin/v1");
    expect(cookie).not.toContain("Secure");
    expect(await signInOver("https://lapi.test")).toContain("Secure");
  });

  it("lets a session read the admin API and tells it its CSRF token", async () => {
    const s = await session();
    const r = await call("/admin/v1/machines", { headers: { Cookie: s.cookie } });
    expect(r.status).toBe(200);
    const again = await call("/admin/v1/console/session", { headers: { Cookie: s.cookie } });
    expect(((await again.json()) as { csrf_token: string }).csrf_token).toBe(s.csrf);
  });

  it("refuses a cookie signed with another key", async () => {
    const s = await session();
    const [head, payload] = s.cookie.split("=")[1]!.split(".");
    const forged = `${SESSION_COOKIE}=${head}.${payload}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    const r = await call("/admin/v1/machines", { headers: { Cookie: forged } });
    expect(r.status).toBe(401);
  });
});

/** The Set-Cookie of a sign-in sent to `origin` (the helpers' `call` always uses http). */
async function signInOver(origin: string): Promise<string> {
  const request = new Request(
    `${origin}/admin/v1/console/session`,
    jsonInit("POST", { token: env.ADMIN_TOKEN }),
  );
  const r = await (exports as unknown as { default: Fetcher }).default.fetch(request);
  return r.headers.get("Set-Cookie") ?? "";
}

describe("console CSRF protection", () => {
  it("refuses a write with the cookie but without the CSRF header, and changes nothing", async () => {
    const s = await session();
    const r = await call(
      "/admin/v1/bouncers",
      jsonInit("POST", { name: "csrf-victim" }, { Cookie: s.cookie }),
    );
    expect(r.status).toBe(403);
    expect(((await r.json()) as { message: string }).message).toContain(CSRF_HEADER);
    const list = (await (await call("/admin/v1/bouncers", { headers: ADMIN })).json()) as {
      name: string;
    }[];
    expect(list.map((b) => b.name)).not.toContain("csrf-victim");
  });

  it("refuses another session's CSRF token and accepts the session's own", async () => {
    const [a, b] = [await session(), await session()];
    const wrong = await call(
      "/admin/v1/bouncers",
      jsonInit("POST", { name: "csrf-ok" }, { Cookie: a.cookie, [CSRF_HEADER]: b.csrf }),
    );
    expect(wrong.status).toBe(403);
    const right = await call(
      "/admin/v1/bouncers",
      jsonInit("POST", { name: "csrf-ok" }, { Cookie: a.cookie, [CSRF_HEADER]: a.csrf }),
    );
    expect(right.status).toBe(201);
  });

  it("signs out only with the CSRF header, clearing the cookie", async () => {
    const s = await session();
    const refused = await call("/admin/v1/console/session", {
      method: "DELETE",
      headers: { Cookie: s.cookie },
    });
    expect(refused.status).toBe(403);
    const out = await call("/admin/v1/console/session", {
      method: "DELETE",
      headers: { Cookie: s.cookie, [CSRF_HEADER]: s.csrf },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get("Set-Cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
  });
});

describe("console data endpoints", () => {
  let s: Session;
  const get = async (path: string) => {
    const r = await call(path, { headers: { Cookie: s.cookie } });
    expect(r.status, await r.clone().text()).toBe(200);
    expect(Number(r.headers.get(ROWS_READ_HEADER))).toBeGreaterThan(0);
    return r.json() as Promise<Record<string, unknown>>;
  };
  beforeAll(async () => {
    s = await session();
    const h = await auth("console-agent");
    const batch = Array.from({ length: 7 }, (_, i) =>
      alert({
        scenario: "console/page-test",
        source: {
          scope: "Ip",
          value: `198.51.100.${i + 1}`,
          ip: `198.51.100.${i + 1}`,
          cn: "FR",
          as_number: "64500",
          as_name: "TEST-AS",
        },
        decisions: [decision({ value: `198.51.100.${i + 1}`, scenario: "console/page-test" })],
      }),
    );
    await mustPost(h, batch);
  });

  it("walks every alert of a filter page by page, newest first, without repeats", async () => {
    const seen: number[] = [];
    let cursor = "";
    for (let pages = 0; pages < 10; pages++) {
      const q = `scenario=console/page-test&limit=3${cursor ? `&cursor=${cursor}` : ""}`;
      const page = (await get(`/admin/v1/console/alerts?${q}`)) as {
        alerts: { id: number; decisions: number }[];
        next_cursor: string | null;
      };
      expect(page.alerts.length).toBeLessThanOrEqual(3);
      seen.push(...page.alerts.map((a) => a.id));
      expect(page.alerts.every((a) => a.decisions === 1)).toBe(true);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(seen).toHaveLength(7);
    expect([...seen].sort((x, y) => y - x)).toEqual(seen);
  });

  it("answers a bad alert filter with 400", async () => {
    const r = await call("/admin/v1/console/alerts?since=yesterday", {
      headers: { Cookie: s.cookie },
    });
    expect(r.status).toBe(400);
  });

  it("counts the window's alerts, scenarios, countries and AS in the overview", async () => {
    const o = (await get("/admin/v1/console/overview?window=1h")) as {
      top_scenarios: { scenario: string; count: number }[];
      top_countries: { country: string; count: number }[];
      top_as: { number: string; name: string; count: number }[];
      machines: { machine_id: string; stale: boolean }[];
      alerts_total: number;
    };
    expect(o.top_scenarios).toContainEqual({ scenario: "console/page-test", count: 7 });
    expect(o.top_countries.find((c) => c.country === "FR")?.count).toBeGreaterThanOrEqual(7);
    expect(o.top_as).toContainEqual({ number: "64500", name: "TEST-AS", count: 7 });
    expect(o.alerts_total).toBeGreaterThanOrEqual(7);
    // Logged in but never sent a heartbeat: flagged.
    expect(o.machines.find((m) => m.machine_id === "console-agent")?.stale).toBe(true);
  });

  it("keeps the hourly counts in step with alert deletions", async () => {
    const before = (await get("/admin/v1/console/overview?window=1h")) as {
      top_scenarios: { scenario: string; count: number }[];
    };
    const h = await auth("console-agent");
    await mustPost(h, [alert({ scenario: "console/deleted-later" })]);
    const during = (await get("/admin/v1/console/overview?window=1h")) as typeof before;
    expect(during.top_scenarios).toContainEqual({ scenario: "console/deleted-later", count: 1 });
    await env.DB.prepare("DELETE FROM alerts WHERE scenario = 'console/deleted-later'").run();
    const after = (await get("/admin/v1/console/overview?window=1h")) as typeof before;
    expect(after.top_scenarios.map((s) => s.scenario)).not.toContain("console/deleted-later");
    expect(after.top_scenarios).toEqual(before.top_scenarios);
  });

  it("adds a decision, finds it by IP and by origin, deletes it", async () => {
    const headers = { Cookie: s.cookie, [CSRF_HEADER]: s.csrf };
    const add = await call(
      "/admin/v1/console/decisions",
      jsonInit("POST", { value: "203.0.113.77", duration: "1h" }, headers),
    );
    expect(add.status).toBe(201);
    const byIp = (await get("/admin/v1/console/decisions?ip=203.0.113.77")) as {
      decisions: { id: number; origin: string; scenario: string; value: string }[];
    };
    expect(byIp.decisions).toHaveLength(1);
    expect(byIp.decisions[0]).toMatchObject({
      origin: "cscli",
      scenario: "manual 'ban' from 'console'",
      value: "203.0.113.77",
    });
    const byRange = (await get("/admin/v1/console/decisions?ip=203.0.113.0/24&contained=true")) as {
      decisions: { id: number }[];
    };
    expect(byRange.decisions.map((d) => d.id)).toContain(byIp.decisions[0]!.id);
    const id = byIp.decisions[0]!.id;
    const del = await call(`/admin/v1/console/decisions/${id}`, { method: "DELETE", headers });
    expect(del.status).toBe(200);
    const after = (await get("/admin/v1/console/decisions?ip=203.0.113.77")) as {
      decisions: unknown[];
    };
    expect(after.decisions).toHaveLength(0);
  });

  it("refuses a decision on a malformed address with 400", async () => {
    const r = await call(
      "/admin/v1/console/decisions",
      jsonInit("POST", { value: "203.0.113.300" }, { Cookie: s.cookie, [CSRF_HEADER]: s.csrf }),
    );
    expect(r.status).toBe(400);
  });

  it("inspects an alert with its decisions", async () => {
    const page = (await get("/admin/v1/console/alerts?scenario=console/page-test&limit=1")) as {
      alerts: { id: number }[];
    };
    const a = (await get(`/admin/v1/console/alerts/${page.alerts[0]!.id}`)) as {
      decisions: { value: string }[];
    };
    expect(a.decisions).toHaveLength(1);
  });
});

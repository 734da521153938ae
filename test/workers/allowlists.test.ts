import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { allowlistReasonsSql, isAllowlisted } from "../../src/db/allowlists";
import { openDb } from "../../src/db/client";
import { parseIpOrRange } from "../../src/shared/ip-range";
import { ADMIN, bouncerKey, call, jsonInit, machineToken } from "./helpers";
import { seedDecisions } from "./seed";

const HOUR = 3_600_000;
let auth: Record<string, string>;

beforeAll(async () => {
  auth = { Authorization: `Bearer ${await machineToken("allowlist-agent")}` };
});

async function admin(method: string, path: string, body?: unknown) {
  const init = body === undefined ? { method, headers: ADMIN } : jsonInit(method, body, ADMIN);
  const r = await call(`/admin/v1/allowlists${path}`, init);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function makeList(name: string, values: string[], extra: Record<string, unknown> = {}) {
  expect((await admin("POST", "", { name, description: `${name} list` })).status).toBe(201);
  if (values.length > 0) {
    const r = await admin("POST", `/${name}/items`, { values, ...extra });
    expect(r.status).toBe(201);
  }
}

async function check(value: string) {
  const r = await call(`/v1/allowlists/check/${encodeURIComponent(value)}`, { headers: auth });
  return { status: r.status, body: await r.json() };
}

describe("GET /v1/allowlists/check/:ip_or_range", () => {
  beforeAll(async () => {
    await makeList("chk-a", ["192.0.2.0/24", "2001:db8::/32"], { comment: "office" });
    await makeList("chk-b", ["192.0.2.7", "198.51.100.9"]);
  });

  it("matches an IP inside an allowlisted range and names every matching item by list", async () => {
    expect(await check("192.0.2.7")).toEqual({
      status: 200,
      body: { allowlisted: true, reason: "192.0.2.0/24 from chk-a (office), 192.0.2.7 from chk-b" },
    });
  });

  it("matches a range that contains an allowlisted IP (URL-encoded slash)", async () => {
    expect(await check("198.51.100.0/24")).toEqual({
      status: 200,
      body: { allowlisted: true, reason: "198.51.100.9 from chk-b" },
    });
  });

  it("matches IPv6 inside an allowlisted IPv6 block and never across families", async () => {
    expect((await check("2001:db8:1::5")).body).toEqual({
      allowlisted: true,
      reason: "2001:db8::/32 from chk-a (office)",
    });
    expect((await check("::ffff:192.0.2.200")).body).toEqual({
      allowlisted: true,
      reason: "192.0.2.0/24 from chk-a (office)",
    });
    expect((await check("2001:db9::1")).body).toEqual({});
  });

  it("answers a miss with CrowdSec's omitempty body {}", async () => {
    const r = await call("/v1/allowlists/check/203.0.113.1", { headers: auth });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("{}");
  });

  it("answers HEAD 200 on a hit and 204 on a miss, with empty bodies", async () => {
    const hit = await call("/v1/allowlists/check/192.0.2.1", { method: "HEAD", headers: auth });
    expect(hit.status).toBe(200);
    expect(await hit.text()).toBe("");
    const miss = await call("/v1/allowlists/check/203.0.113.1", { method: "HEAD", headers: auth });
    expect(miss.status).toBe(204);
  });

  it("rejects an invalid value with 500 invalid ip address", async () => {
    const r = await call("/v1/allowlists/check/bad-apple", { headers: auth });
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ message: "invalid ip address 'bad-apple'" });
    const range = await call("/v1/allowlists/check/1.2.3.0%2F40", { headers: auth });
    expect(range.status).toBe(500);
    expect(await range.json()).toEqual({
      message: "invalid ip range '1.2.3.0/40': invalid CIDR address: 1.2.3.0/40",
    });
  });

  it("ignores expired items", async () => {
    await makeList("chk-exp", ["203.0.113.50"], { expiration: "1h" });
    expect((await check("203.0.113.50")).body).toMatchObject({ allowlisted: true });
    await env.DB.prepare("UPDATE allowlist_items SET expires_at = ? WHERE value = '203.0.113.50'")
      .bind(Date.now() - 1000)
      .run();
    expect((await check("203.0.113.50")).body).toEqual({});
  });
});

describe("POST /v1/allowlists/check", () => {
  beforeAll(async () => {
    await makeList("bulk-z", ["100.64.0.0/10"]);
    await makeList("bulk-a", ["100.64.1.1"]);
  });

  it("returns only the matching targets, reasons sorted by list name", async () => {
    const r = await call(
      "/v1/allowlists/check",
      jsonInit("POST", { targets: ["100.64.1.1", "8.8.8.8", "100.100.0.0/16"] }, auth),
    );
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      results: [
        {
          allowlists: ["100.64.1.1 from bulk-a", "100.64.0.0/10 from bulk-z"],
          target: "100.64.1.1",
        },
        { allowlists: ["100.64.0.0/10 from bulk-z"], target: "100.100.0.0/16" },
      ],
    });
  });

  it("answers {results: []} when nothing matches", async () => {
    const r = await call("/v1/allowlists/check", jsonInit("POST", { targets: ["9.9.9.9"] }, auth));
    expect(await r.json()).toEqual({ results: [] });
  });

  it("rejects empty or missing targets with 400 targets list cannot be empty", async () => {
    for (const body of [{}, { targets: [] }, { targets: null }]) {
      const r = await call("/v1/allowlists/check", jsonInit("POST", body, auth));
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual({ message: "targets list cannot be empty" });
    }
  });

  it("rejects an invalid target with 500 invalid ip address (cscli import aborts on it)", async () => {
    const r = await call(
      "/v1/allowlists/check",
      jsonInit("POST", { targets: ["1.2.3.4", "bad-apple"] }, auth),
    );
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ message: "invalid ip address 'bad-apple'" });
  });

  it("reports Go decoder errors with 400", async () => {
    const wrongType = await call("/v1/allowlists/check", jsonInit("POST", { targets: [1] }, auth));
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toEqual({
      message:
        "json: cannot unmarshal number into Go struct field BulkCheckAllowlistRequest.targets of type string",
    });
    const array = await call("/v1/allowlists/check", jsonInit("POST", [], auth));
    expect(await array.json()).toEqual({
      message:
        "json: cannot unmarshal array into Go value of type models.BulkCheckAllowlistRequest",
    });
  });

  it("checks 1,000 targets in batched lookups", async () => {
    const targets = Array.from({ length: 1000 }, (_, i) => `100.65.${i >> 8}.${i & 255}`);
    targets.push("100.64.1.1");
    const r = await call("/v1/allowlists/check", jsonInit("POST", { targets }, auth));
    const body = (await r.json()) as { results: Array<{ target: string }> };
    expect(body.results.map((x) => x.target)).toEqual(
      targets.filter((t) => t.startsWith("100.64.") || t.startsWith("100.65.")),
    );
  });
});

describe("bulk check strategies", () => {
  it("gives the same answers from per-target index lookups and from the in-memory matcher", async () => {
    const values: string[] = [];
    for (let i = 0; i < 40; i++) values.push(`77.${i}.0.0/16`, `78.1.${i}.0/24`, `79.1.1.${i}`);
    for (let i = 0; i < 20; i++) values.push(`2a00:${i.toString(16)}::/32`, `2a01::${i}`);
    await makeList(
      "eq-a",
      values.filter((_, i) => i % 2 === 0),
      { comment: "even" },
    );
    await makeList(
      "eq-b",
      values.filter((_, i) => i % 2 === 1),
    );
    const targets = [
      "77.3.4.5",
      "77.0.0.0/8",
      "78.1.7.0/25",
      "78.0.0.0/12",
      "79.1.1.7",
      "79.1.1.200",
      "79.1.0.0/16",
      "2a00:5::1",
      "2a01::3",
      "2a01::/16",
      "2a02::1",
      "::ffff:79.1.1.3",
    ];
    const bulk = async (list: string[]) => {
      const r = await call("/v1/allowlists/check", jsonInit("POST", { targets: list }, auth));
      const body = (await r.json()) as { results: Array<{ target: string; allowlists: string[] }> };
      return new Map(body.results.map((x) => [x.target, x.allowlists]));
    };
    // Few targets against ~200 items: index lookups. Many targets: one load, matched in memory.
    const oneByOne = new Map<string, string[]>();
    for (const t of targets) for (const [k, v] of await bulk([t])) oneByOne.set(k, v);
    const filler = Array.from({ length: 300 }, (_, i) => `203.0.${i >> 8}.${i & 255}`);
    const together = await bulk([...filler, ...targets]);
    expect(oneByOne.size).toBeGreaterThan(8);
    expect(together).toEqual(oneByOne);
    expect(together.get("77.0.0.0/8")).toHaveLength(40);
    expect(together.get("2a02::1")).toBeUndefined();
  });
});

describe("GET /v1/allowlists and /v1/allowlists/:name", () => {
  it("lists allowlists without items unless with_content=true, dates with milliseconds", async () => {
    await makeList("list-1", ["10.9.8.7"], { comment: "vpn" });
    const r = await call("/v1/allowlists", { headers: auth });
    expect(r.status).toBe(200);
    const lists = (await r.json()) as Array<Record<string, unknown>>;
    const mine = lists.find((l) => l.name === "list-1")!;
    expect(Object.keys(mine)).toEqual(["created_at", "description", "items", "name", "updated_at"]);
    expect(mine.items).toEqual([]);
    expect(mine.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const full = (await (
      await call("/v1/allowlists?with_content=true", { headers: auth })
    ).json()) as Array<{ name: string; items: unknown[] }>;
    expect(full.find((l) => l.name === "list-1")!.items).toEqual([
      {
        created_at: expect.stringMatching(/Z$/),
        description: "vpn",
        expiration: "0001-01-01T00:00:00.000Z",
        value: "10.9.8.7",
      },
    ]);
  });

  it("serves one list by name and 500 allowlist not found for an unknown one", async () => {
    await makeList("list-2", ["10.9.8.6"]);
    const one = await call("/v1/allowlists/list-2?with_content=true", { headers: auth });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({
      name: "list-2",
      description: "list-2 list",
      items: [{ value: "10.9.8.6" }],
    });
    const missing = await call("/v1/allowlists/nope", { headers: auth });
    expect(missing.status).toBe(500);
    expect(await missing.json()).toEqual({ message: "allowlist 'nope' not found" });
  });

  it("serves a list named like the bulk-check path through GET (gin routes it the same)", async () => {
    await makeList("check", []);
    const r = await call("/v1/allowlists/check", { headers: auth });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ name: "check" });
  });
});

describe("admin API for allowlists", () => {
  it("creates, inspects, adds to, removes from and deletes a list", async () => {
    const created = await admin("POST", "", { name: "adm-1" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "adm-1", items: [] });
    expect((await admin("POST", "", { name: "adm-1" })).status).toBe(409);

    const added = await admin("POST", "/adm-1/items", {
      values: ["172.16.0.0/12", "172.16.0.1", "172.16.0.1"],
      expiration: "7d",
      comment: "lab",
    });
    expect(added).toEqual({
      status: 201,
      body: { added: 2, skipped: 1, decisions_expired: 0 },
    });
    const again = await admin("POST", "/adm-1/items", { values: ["172.16.0.1"] });
    expect(again.body).toMatchObject({ added: 0, skipped: 1 });

    const inspected = await admin("GET", "/adm-1");
    const items = inspected.body.items as Array<{ value: string; expiration: string }>;
    expect(items.map((i) => i.value)).toEqual(["172.16.0.0/12", "172.16.0.1"]);
    const expiresIn = Date.parse(items[0]!.expiration) - Date.now();
    expect(expiresIn).toBeGreaterThan(7 * 24 * HOUR - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(7 * 24 * HOUR);

    expect((await admin("DELETE", "/adm-1/items", { values: ["172.16.0.1"] })).body).toEqual({
      removed: 1,
    });
    expect((await check("172.16.5.5")).body).toMatchObject({ allowlisted: true });
    expect((await admin("DELETE", "/adm-1")).body).toEqual({ deleted: "adm-1" });
    expect((await check("172.16.5.5")).body).toEqual({});
    const count = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM allowlist_items WHERE value LIKE '172.16.%'",
    ).first<{ n: number }>();
    expect(count!.n).toBe(0);
    expect((await admin("DELETE", "/adm-1")).status).toBe(404);
    expect((await admin("GET", "/adm-1")).status).toBe(404);
  });

  it("validates bodies: bad values, bad expiration, unknown keys", async () => {
    await admin("POST", "", { name: "adm-2" });
    const badValue = await admin("POST", "/adm-2/items", { values: ["1.2.3.4", "nope"] });
    expect(badValue).toEqual({
      status: 400,
      body: { message: "values.1: not an IP address or CIDR" },
    });
    const badExp = await admin("POST", "/adm-2/items", { values: ["1.2.3.4"], expiration: "soon" });
    expect(badExp.status).toBe(400);
    expect(badExp.body.message).toMatch(/^expiration: /);
    const past = await admin("POST", "/adm-2/items", {
      values: ["1.2.3.4"],
      expiration: "2001-01-01T00:00:00Z",
    });
    expect(past.body).toEqual({ message: "expiration: expiration must be in the future" });
    expect((await admin("POST", "", { name: "x", colour: "red" })).status).toBe(400);
    expect((await admin("POST", "/nope/items", { values: ["1.2.3.4"] })).status).toBe(404);
    const items = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM allowlist_items i JOIN allowlists l ON l.id = i.allowlist_id WHERE l.name = 'adm-2'",
    ).first<{ n: number }>();
    expect(items!.n).toBe(0);
  });

  it("adds the 500-value maximum in one request within D1's statement limits, not 501", async () => {
    await admin("POST", "", { name: "adm-big" });
    const values = Array.from({ length: 500 }, (_, i) =>
      i % 2 ? `2001:db8:${i.toString(16)}::/48` : `2001:db8:ffff::${i.toString(16)}`,
    );
    const r = await admin("POST", "/adm-big/items", { values });
    expect(r).toEqual({ status: 201, body: { added: 500, skipped: 0, decisions_expired: 0 } });
    expect((await check("2001:db8:3:1::1")).body).toMatchObject({ allowlisted: true });
    const tooMany = await admin("POST", "/adm-big/items", { values: [...values, "10.0.0.1"] });
    expect(tooMany.status).toBe(400);
  });

  it("expires active decisions that overlap new items, so the stream reports them deleted", async () => {
    const key = await bouncerKey("allowlist-bouncer");
    await seedDecisions([
      { value: "45.0.0.1", ttl: HOUR },
      { value: "45.0.0.0/16", scope: "Range", ttl: HOUR },
      { value: "46.0.0.1", ttl: HOUR },
    ]);
    const before = await call("/v1/decisions/stream?startup=true", {
      headers: { "X-Api-Key": key },
    });
    expect(((await before.json()) as { new: unknown[] }).new).toHaveLength(3);
    await admin("POST", "", { name: "adm-3" });
    const r = await admin("POST", "/adm-3/items", { values: ["45.0.0.0/24"] });
    expect(r.body).toMatchObject({ added: 1, decisions_expired: 2 });
    const delta = (await (
      await call("/v1/decisions/stream", { headers: { "X-Api-Key": key } })
    ).json()) as { deleted: Array<{ value: string }> };
    expect(delta.deleted.map((d) => d.value).sort()).toEqual(["45.0.0.0/16", "45.0.0.1"]);
  });
});

describe("isAllowlisted (used by POST /v1/alerts)", () => {
  it("returns the reason for a covered value, false for others, null for non-IPs", async () => {
    await makeList("fn-1", ["81.0.0.0/8"], { comment: "isp" });
    const now = Date.now();
    expect(await isAllowlisted(openDb(env.DB), "81.2.3.4", now)).toEqual({
      allowlisted: true,
      reason: "81.0.0.0/8 from fn-1 (isp)",
    });
    expect(await isAllowlisted(openDb(env.DB), "82.2.3.4", now)).toEqual({
      allowlisted: false,
      reason: "",
    });
    expect(await isAllowlisted(openDb(env.DB), "not-an-ip", now)).toBeNull();
  });

  it("answers from the IP index, not a table scan, for IPs and ranges of both families", async () => {
    for (const value of ["81.2.3.4", "81.0.0.0/12", "2001:db8::1", "2001:db8::/48"]) {
      const sql = allowlistReasonsSql(parseIpOrRange(value)!);
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(0, 0)
        .all<{ detail: string }>();
      const details = plan.results.map((p) => p.detail);
      const itemScans = details.filter((d) => /^SCAN i\b/.test(d));
      expect(itemScans, details.join("\n")).toEqual([]);
      expect(details.join("\n")).toMatch(/SEARCH i USING (COVERING )?INDEX allowlist_items_ip/);
    }
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import { queryActiveDecisions } from "../../src/db/decisions-read";
import { createApp } from "../../src/lapi/app";
import { parseBouncerFilter } from "../../src/lapi/routes/decisions-read";
import { bouncerKey, call } from "./helpers";
import { seedDecisions } from "./seed";

const HOUR = 3_600_000;

interface WireDecision {
  id: number;
  value: string;
  scope: string;
  type: string;
  duration: string;
  origin: string;
  scenario: string;
  uuid?: string;
}

async function live(key: string, query: string) {
  const r = await call(`/v1/decisions${query}`, { headers: { "X-Api-Key": key } });
  return {
    status: r.status,
    body: (await r.json()) as WireDecision[] | null | { message: string },
  };
}

async function stream(key: string, query = "") {
  const r = await call(`/v1/decisions/stream${query}`, { headers: { "X-Api-Key": key } });
  expect(r.status).toBe(200);
  return (await r.json()) as { new: WireDecision[] | null; deleted: WireDecision[] | null };
}

const values = (list: WireDecision[] | null | undefined) => (list ?? []).map((d) => d.value).sort();

describe("GET /v1/decisions (live mode)", () => {
  it("finds an IP through its own decision and through containing ranges only", async () => {
    const key = await bouncerKey("live-1");
    await seedDecisions([
      { value: "10.1.2.3", ttl: HOUR },
      { value: "10.0.0.0/8", scope: "Range", ttl: HOUR },
      { value: "10.1.2.0/24", scope: "Range", ttl: -HOUR },
      { value: "10.1.2.4", ttl: HOUR },
      { value: "2001:db8::/64", scope: "Range", ttl: HOUR },
      { value: "alice", scope: "username", ttl: HOUR },
    ]);
    const r = await live(key, "?ip=10.1.2.3");
    expect(r.status).toBe(200);
    expect(values(r.body as WireDecision[])).toEqual(["10.0.0.0/8", "10.1.2.3"]);
    expect(values((await live(key, "?ip=2001:db8::1")).body as WireDecision[])).toEqual([
      "2001:db8::/64",
    ]);
    expect(values((await live(key, "?ip=::ffff:10.1.2.3")).body as WireDecision[])).toEqual([
      "10.0.0.0/8",
      "10.1.2.3",
    ]);
  });

  it("distinguishes contains=true (decisions around the range) from contains=false (inside it)", async () => {
    const key = await bouncerKey("live-2");
    await seedDecisions([
      { value: "172.16.5.5", ttl: HOUR },
      { value: "172.16.0.0/12", scope: "Range", ttl: HOUR },
    ]);
    expect(values((await live(key, "?range=172.16.5.0/24")).body as WireDecision[])).toEqual([
      "172.16.0.0/12",
    ]);
    expect(
      values((await live(key, "?range=172.16.5.0/24&contains=false")).body as WireDecision[]),
    ).toEqual(["172.16.5.5"]);
  });

  it("answers the literal null when nothing matches", async () => {
    const key = await bouncerKey("live-3");
    const r = await call("/v1/decisions?ip=192.0.2.99", { headers: { "X-Api-Key": key } });
    expect(await r.text()).toBe("null");
  });

  it("applies type, value, scopes, origins, scenario and simulated filters", async () => {
    const key = await bouncerKey("live-4");
    await seedDecisions([
      { value: "198.51.100.1", type: "captcha", origin: "cscli", scenario: "manual", ttl: HOUR },
      { value: "198.51.100.1", origin: "CAPI", scenario: "crowdsecurity/http-probing", ttl: HOUR },
      { value: "198.51.100.1", simulated: true, ttl: HOUR },
    ]);
    const q = (s: string) => live(key, `?ip=198.51.100.1${s}`);
    expect((await q("")).body).toHaveLength(2);
    expect((await q("&simulated=true")).body).toHaveLength(3);
    expect((await q("&type=captcha")).body).toHaveLength(1);
    expect((await q("&origins=CAPI")).body).toHaveLength(1);
    expect((await q("&origins=capi")).body).toBeNull();
    expect((await q("&scenarios_containing=HTTP")).body).toHaveLength(1);
    expect((await q("&scenarios_not_containing=http")).body).toHaveLength(1);
    expect((await q("&scopes=ip")).body).toHaveLength(2);
    expect((await q("&scopes=range")).body).toBeNull();
  });

  it("rejects bad addresses, contains and limit values with CrowdSec's 500 messages", async () => {
    const key = await bouncerKey("live-5");
    expect(await live(key, "?ip=gruueq")).toEqual({
      status: 500,
      body: {
        message:
          "unable to convert 'gruueq' to int: invalid ip address 'gruueq': invalid ip address / range",
      },
    });
    expect(await live(key, "?ip=1.2.3.4&contains=xx")).toEqual({
      status: 500,
      body: {
        message:
          'invalid contains value: strconv.ParseBool: parsing "xx": invalid syntax: invalid filter',
      },
    });
    expect((await live(key, "?limit=x")).status).toBe(500);
    expect((await live(key, "?test=test")).status).toBe(200);
  });

  it("reads D1 rows per prefix length in use, not per stored decision", async () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({
      value: `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
      ttl: HOUR,
    }));
    await seedDecisions(many);
    await seedDecisions([{ value: "100.64.0.0/16", scope: "Range", ttl: HOUR }]);
    const filter = parseBouncerFilter(new URLSearchParams("ip=100.64.3.7"), false);
    const { rows, rowsRead } = await queryActiveDecisions(openDb(env.DB), filter, Date.now());
    expect(values(rows as unknown as WireDecision[])).toEqual(["100.64.0.0/16", "100.64.3.7"]);
    // A length-table row and an index probe per prefix length in use, then the matches:
    // independent of the 3,000 decisions stored.
    const lengths = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM ip_prefix_lengths WHERE ip_size = 4",
    ).first<{ n: number }>();
    expect(rowsRead).toBeGreaterThan(0);
    expect(rowsRead).toBeLessThanOrEqual(3 * lengths!.n + 2 * rows.length);
  });
});

describe("GET /v1/decisions/stream", () => {
  it("sends active decisions as new and expired ones as deleted at startup, default scopes only", async () => {
    const key = await bouncerKey("stream-1");
    await seedDecisions([
      { value: "203.0.113.1", ttl: HOUR },
      { value: "203.0.113.0/24", scope: "Range", ttl: HOUR },
      { value: "2001:db8:1::1", ttl: HOUR },
      { value: "203.0.113.9", ttl: -HOUR },
      { value: "bob", scope: "username", ttl: HOUR },
    ]);
    const s = await stream(key, "?startup=true");
    const mine = (list: WireDecision[] | null) =>
      values(list).filter((v) => v.startsWith("203.0.113.") || v.startsWith("2001:db8:1:"));
    expect(mine(s.new)).toEqual(["2001:db8:1::1", "203.0.113.0/24", "203.0.113.1"]);
    expect(mine(s.deleted)).toEqual(["203.0.113.9"]);
    expect(s.deleted!.every((d) => d.duration.startsWith("-"))).toBe(true);
    expect(s.new![0]!.uuid).toMatch(/^[0-9a-f-]{36}$/);
    const users = await stream(key, "?startup=true&scopes=username,ip");
    expect(values(users.new)).toContain("bob");
    const none = await stream(key, "?startup=true&scopes=");
    expect(none).toEqual({ deleted: null, new: null });
    expect(s.new!.every((d) => d.scope === "Ip" || d.scope === "Range")).toBe(true);
  });

  it("sends only what changed since the previous pull in a delta", async () => {
    const key = await bouncerKey("stream-2");
    await stream(key, "?startup=true");
    const before = await env.DB.prepare(
      "SELECT last_pull FROM bouncers WHERE name = 'stream-2'",
    ).first<{
      last_pull: number;
    }>();
    expect(before!.last_pull).toBeGreaterThan(0);
    const [id] = await seedDecisions([{ value: "192.0.2.77", ttl: HOUR }], before!.last_pull + 10);
    const delta = await stream(key);
    expect(values(delta.new)).toEqual(["192.0.2.77"]);
    await env.DB.prepare("UPDATE decisions SET until = ? WHERE id = ?")
      .bind(Date.now() - 1, id)
      .run();
    const after = await stream(key);
    expect(values(after.deleted)).toEqual(["192.0.2.77"]);
    expect(after.new).toBeNull();
  });

  it("keeps only the longest decision per value and type, and reports deletion only when none remains", async () => {
    const key = await bouncerKey("stream-3");
    const ids = await seedDecisions([
      { value: "192.0.2.200", ttl: HOUR },
      { value: "192.0.2.200", ttl: 2 * HOUR },
      { value: "192.0.2.200", ttl: 3 * HOUR },
    ]);
    const s = await stream(key, "?startup=true");
    const mine = (s.new ?? []).filter((d) => d.value === "192.0.2.200");
    expect(mine.map((d) => d.id)).toEqual([ids[2]]);
    const all = await stream(key, "?startup=true&dedup=false");
    expect((all.new ?? []).filter((d) => d.value === "192.0.2.200")).toHaveLength(3);
  });

  it("answers the HEAD method with an empty 200 and no state change", async () => {
    const key = await bouncerKey("stream-4");
    const r = await call("/v1/decisions/stream", { method: "HEAD", headers: { "X-Api-Key": key } });
    expect(r.status).toBe(200);
    const row = await env.DB.prepare(
      "SELECT last_pull FROM bouncers WHERE name = 'stream-4'",
    ).first<{
      last_pull: number | null;
    }>();
    expect(row!.last_pull).toBeNull();
  });
});

describe("stream deltas with isolate caches on", () => {
  it("sends nothing new right after a startup even when the bouncer row is cached", async () => {
    const app = createApp();
    const cached = { ...env, DECISION_CACHE_REFRESH_MS: "60000" };
    const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as never;
    const key = await bouncerKey("stream-cached");
    await seedDecisions([{ value: "192.0.2.230", ttl: HOUR }]);
    const pull = async (query: string) => {
      const r = await app.fetch(
        new Request(`http://lapi.test/v1/decisions/stream${query}`, {
          headers: { "X-Api-Key": key },
        }),
        cached,
        ctx,
      );
      return (await r.json()) as { new: WireDecision[] | null };
    };
    expect(values((await pull("?startup=true")).new)).toContain("192.0.2.230");
    expect((await pull("")).new).toBeNull();
  });
});

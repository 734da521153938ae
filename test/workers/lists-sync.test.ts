import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import { getList } from "../../src/db/lists";
import { type ListSyncDeps, syncDueLists, syncList } from "../../src/lapi/lists/list-sync";
import { ADMIN, bouncerKey, call, jsonInit } from "./helpers";

const db = openDb(env.DB);

/** A list server: one body per URL, an ETag per body, 304 on a matching If-None-Match. */
function listServer() {
  const files = new Map<string, string>();
  const requests: Headers[] = [];
  const fetcher: typeof fetch = async (input, init) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    requests.push(headers);
    const body = files.get(url);
    if (body === undefined) return new Response("gone", { status: 404 });
    const etag = `"${body.length}-${[...body].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) | 0, 7)}"`;
    if (headers.get("If-None-Match") === etag) return new Response(null, { status: 304 });
    return new Response(body, { headers: { ETag: etag } });
  };
  return { files, requests, fetcher };
}

function deps(fetcher: typeof fetch): ListSyncDeps {
  return { db, fetch: fetcher, minPrefix: { v4: 8, v6: 32 }, maxBytes: 1 << 20, timeoutMs: 10_000 };
}

async function addList(body: Record<string, unknown>) {
  const r = await call("/admin/v1/lists", jsonInit("POST", body, ADMIN));
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function sync(name: string, fetcher: typeof fetch, now: number) {
  return syncList(deps(fetcher), (await getList(db, name))!, now);
}

async function lookup(key: string, ip: string) {
  const r = await call(`/v1/decisions?ip=${ip}`, { headers: { "X-Api-Key": key } });
  return (await r.json()) as
    | { value: string; origin: string; scenario: string; type: string }[]
    | null;
}

async function stream(key: string, startup: boolean) {
  const r = await call(`/v1/decisions/stream?startup=${startup}`, {
    headers: { "X-Api-Key": key },
  });
  const body = (await r.json()) as {
    new: { value: string }[] | null;
    deleted: { value: string }[] | null;
  };
  return {
    added: (body.new ?? []).map((d) => d.value).sort(),
    deleted: (body.deleted ?? []).map((d) => d.value).sort(),
  };
}

describe("admin API of third-party lists", () => {
  it("validates the subscription and refuses a second list of the same name", async () => {
    const base = {
      name: "v1",
      url: "http://lists.test/v1.txt",
      format: "plain",
      scope: "ip",
      duration: "24h",
    };
    expect((await addList({ ...base, url: "ftp://x/y" })).status).toBe(400);
    expect((await addList({ ...base, format: "xml" })).status).toBe(400);
    const short = await addList({ ...base, duration: "1h", refresh: "1h" });
    expect(short.body.message).toMatch(/twice the refresh/);
    const created = await addList(base);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "v1", scope: "ip", type: "ban", refresh: "1h0m0s" });
    expect((await addList(base)).status).toBe(409);
    const missing = await call("/admin/v1/lists/nope/sync", { method: "POST", headers: ADMIN });
    expect(missing.status).toBe(404);
  });
});

describe("syncing a list into decisions", () => {
  const server = listServer();
  const DROP = "http://lists.test/drop.txt";
  let key: string;

  beforeAll(async () => {
    key = await bouncerKey("lists-bouncer");
    const r = await addList({
      name: "drop",
      url: DROP,
      format: "cidr",
      scope: "range",
      duration: "48h",
      refresh: "1h",
    });
    expect(r.status).toBe(201);
  });

  it("applies a DROP file, then only the delta, then nothing for a malformed file", async () => {
    server.files.set(DROP, "; DROP\n203.0.113.0/24 ; SBL1\n198.51.100.0/25 ; SBL2\n");
    const first = await sync("drop", server.fetcher, Date.now());
    expect(first).toMatchObject({ status: "updated", added: 2, removed: 0, entries: 2 });
    const found = await lookup(key, "203.0.113.77");
    expect(found).toMatchObject([
      { value: "203.0.113.0/24", origin: "lists", scenario: "lists:drop", type: "ban" },
    ]);
    expect((await stream(key, true)).added).toEqual(["198.51.100.0/25", "203.0.113.0/24"]);

    server.files.set(DROP, "203.0.113.0/24\n192.0.2.0/24\n192.0.2.0/24\n");
    const second = await sync("drop", server.fetcher, Date.now());
    expect(second).toMatchObject({ status: "updated", added: 1, removed: 1, duplicates: 1 });
    expect(await stream(key, false)).toEqual({
      added: ["192.0.2.0/24"],
      deleted: ["198.51.100.0/25"],
    });

    const rows = () =>
      env.DB.prepare(
        "SELECT id, until, created_at FROM decisions WHERE scenario = 'lists:drop'",
      ).all();
    const before = (await rows()).results;
    server.files.set(DROP, "203.0.113.0/24\n192.0.2.0/24\nbogus line here\n10.0.0.0/24\n");
    const bad = await sync("drop", server.fetcher, Date.now());
    expect(bad).toMatchObject({ status: "rejected", bad_lines: 1 });
    expect(bad.bad_examples).toEqual([
      { line: 3, text: "bogus line here", reason: "more than one value on the line" },
    ]);
    expect(await lookup(key, "10.0.0.1")).toBeNull();
    expect((await rows()).results).toEqual(before);
    expect((await stream(key, false)).added).toEqual([]);
    expect(await getList(db, "drop")).toMatchObject({ lastStatus: "rejected", lastBadLines: 1 });
  });

  it("keeps the stream filters working on list decisions", async () => {
    const values = async (query: string) => {
      const r = await call(`/v1/decisions/stream?startup=true&${query}`, {
        headers: { "X-Api-Key": key },
      });
      const body = (await r.json()) as { new: { value: string }[] | null };
      return (body.new ?? []).map((d) => d.value).sort();
    };
    const listed = ["192.0.2.0/24", "203.0.113.0/24"];
    expect(await values("origins=lists")).toEqual(listed);
    expect(await values("origins=capi,cscli,crowdsec")).toEqual([]);
    expect(await values("scenarios_containing=lists:drop")).toEqual(listed);
    expect(await values("scenarios_not_containing=lists:")).toEqual([]);
    expect(await values("scopes=ip")).toEqual([]);
  });

  it("sends the validators of the applied file and renews entries past half their duration", async () => {
    const url = "http://lists.test/renew.txt";
    const created = await addList({
      name: "renew",
      url,
      format: "plain",
      scope: "ip",
      duration: "48h",
    });
    expect(created.status).toBe(201);
    server.files.set(url, "198.18.0.1\n198.18.0.2\n");
    const now = Date.now();
    expect(await sync("renew", server.fetcher, now)).toMatchObject({ status: "updated", added: 2 });
    const same = await sync("renew", server.fetcher, now + 1);
    expect(same).toMatchObject({ status: "not_modified", renewed: 0, entries: 2 });
    expect(server.requests.at(-1)!.get("If-None-Match")).toMatch(/^"/);
    // 25 h later the 48 h decisions are past half-life: renewed (a new until and created_at). The
    // last sync is more than half a duration old, so the whole file is fetched again.
    const later = await sync("renew", server.fetcher, now + 25 * 3_600_000);
    expect(later).toMatchObject({
      status: "updated",
      added: 0,
      removed: 0,
      renewed: 2,
      entries: 2,
    });
    expect(server.requests.at(-1)!.get("If-None-Match")).toBeNull();
    // Unreachable for longer than the duration: the entries expired, so the next answer must be
    // the whole file even though it did not change (no validators sent), and they come back.
    const back = await sync("renew", server.fetcher, now + 100 * 3_600_000);
    expect(back).toMatchObject({ status: "updated", added: 2, entries: 2 });
    expect(server.requests.at(-1)!.get("If-None-Match")).toBeNull();
    const r = await call("/admin/v1/lists/renew", { method: "DELETE", headers: ADMIN });
    expect(r.status).toBe(200);
  });

  it("refuses a file over the list's cap and reports an unreachable server", async () => {
    const r = await addList({
      name: "capped",
      url: "http://lists.test/capped.txt",
      format: "plain",
      scope: "ip",
      duration: "4h",
      max_entries: 2,
    });
    expect(r.status).toBe(201);
    server.files.set("http://lists.test/capped.txt", "198.18.1.1\n198.18.1.2\n198.18.1.3\n");
    const over = await sync("capped", server.fetcher, Date.now());
    expect(over).toMatchObject({
      status: "rejected",
      error: "more than 2 entries (the list's cap)",
    });
    server.files.delete("http://lists.test/capped.txt");
    const gone = await sync("capped", server.fetcher, Date.now());
    expect(gone).toMatchObject({ status: "failed", http_status: 404 });
    expect(await lookup(key, "198.18.1.1")).toBeNull();
  });

  it("expires a removed list's decisions so the stream reports them deleted", async () => {
    await stream(key, false);
    const r = await call("/admin/v1/lists/drop", { method: "DELETE", headers: ADMIN });
    expect(await r.json()).toEqual({ deleted: "drop", decisions_expired: 2 });
    const pulled = await stream(key, false);
    expect(pulled.added).toEqual([]);
    expect(pulled.deleted).toEqual(expect.arrayContaining(["192.0.2.0/24", "203.0.113.0/24"]));
    expect(await lookup(key, "203.0.113.77")).toBeNull();
  });

  it("has the cron sync a list only once its refresh period has passed", async () => {
    const url = "http://lists.test/cron.txt";
    expect(
      (await addList({ name: "cron", url, format: "plain", scope: "ip", duration: "4h" })).status,
    ).toBe(201);
    server.files.set(url, "198.18.2.1\n");
    const now = Date.now();
    const names = async (at: number) =>
      (await syncDueLists(deps(server.fetcher), at)).map((r) => `${r.name}:${r.status}`);
    expect(await names(now)).toContain("cron:updated");
    expect(await names(now + 60_000)).not.toContainEqual(expect.stringMatching(/^cron:/));
    expect(await names(now + 3_600_000)).toContain("cron:not_modified");
    await call("/admin/v1/lists/cron", { method: "DELETE", headers: ADMIN });
  });

  it("gives no decision to an entry an allowlist covers", async () => {
    const al = await call("/admin/v1/allowlists", jsonInit("POST", { name: "lists-al" }, ADMIN));
    expect(al.status).toBe(201);
    const items = await call(
      "/admin/v1/allowlists/lists-al/items",
      jsonInit("POST", { values: ["198.18.3.0/30"] }, ADMIN),
    );
    expect(items.status).toBe(201);
    const url = "http://lists.test/allow.txt";
    expect(
      (await addList({ name: "allow", url, format: "plain", scope: "ip", duration: "4h" })).status,
    ).toBe(201);
    server.files.set(url, "198.18.3.1\n198.18.3.9\n");
    const r = await sync("allow", server.fetcher, Date.now());
    expect(r).toMatchObject({ status: "updated", added: 1, entries: 1 });
    expect(await lookup(key, "198.18.3.1")).toBeNull();
    expect(await lookup(key, "198.18.3.9")).toMatchObject([{ value: "198.18.3.9" }]);
  });
});

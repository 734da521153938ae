import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { alert, auth, decision, getJson, mustPost } from "./alerts-fixtures";
import { bouncerKey } from "./helpers";

interface StreamDecision {
  id: number;
  value: string;
  duration: string;
}
interface Stream {
  new: StreamDecision[] | null;
  deleted: StreamDecision[] | null;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

async function del(path: string, h: Record<string, string>) {
  return getJson(path, h, "DELETE");
}

/** Posts one alert carrying `decisions` (stop_at = now) and returns the decision ids in order. */
async function seed(h: Record<string, string>, decisions: ReturnType<typeof decision>[]) {
  const [alertId] = await mustPost(h, [alert({ stop_at: new Date().toISOString(), decisions })]);
  const rows = await env.DB.prepare("SELECT id FROM decisions WHERE alert_id = ? ORDER BY id")
    .bind(Number(alertId))
    .all<{ id: number }>();
  return rows.results.map((r) => r.id);
}

async function stream(key: string, startup = false): Promise<Stream> {
  const r = await getJson(`/v1/decisions/stream${startup ? "?startup=true" : ""}`, {
    "X-Api-Key": key,
  });
  expect(r.status).toBe(200);
  return r.body as Stream;
}

const valuesOf = (list: StreamDecision[] | null, value: string) =>
  (list ?? []).filter((d) => d.value === value);

async function untilOf(id: number): Promise<number> {
  const row = await env.DB.prepare("SELECT until FROM decisions WHERE id = ?")
    .bind(id)
    .first<{ until: number }>();
  return row!.until;
}

describe("DELETE /v1/decisions", () => {
  it("refuses unknown filter keys with 500, which GET /v1/decisions ignores", async () => {
    const h = await auth();
    const r = await del("/v1/decisions?test=test", h);
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ message: "'test' doesn't exist: invalid filter" });
    const key = await bouncerKey("decisions-delete-ignores");
    const get = await getJson("/v1/decisions?test=test", { "X-Api-Key": key });
    expect(get.status).toBe(200);
  });

  it("refuses malformed contains and ip values with CrowdSec's messages", async () => {
    const h = await auth();
    const contains = await del("/v1/decisions?contains=xx", h);
    expect(contains.status).toBe(500);
    expect(contains.body).toEqual({
      message:
        'invalid contains value : strconv.ParseBool: parsing "xx": invalid syntax: invalid filter',
    });
    const ip = await del("/v1/decisions?ip=bad", h);
    expect(ip.status).toBe(500);
    expect(ip.body).toEqual({
      message:
        "unable to convert 'bad' to int: invalid ip address 'bad': invalid ip address / range",
    });
  });

  it("expires matching active decisions instead of removing them", async () => {
    const h = await auth();
    const [id] = await seed(h, [decision({ value: "10.90.0.1" })]);
    const r = await del("/v1/decisions?ip=10.90.0.1", h);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ nbDeleted: "1" });
    const until = await untilOf(id!);
    expect(until).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - until).toBeLessThan(60_000);
    // Already expired: a second deletion touches nothing.
    expect((await del("/v1/decisions?ip=10.90.0.1", h)).body).toEqual({ nbDeleted: "0" });
    expect(await untilOf(id!)).toBe(until);
  });

  it("matches scopes exactly and accepts cscli's singular scope", async () => {
    const h = await auth();
    await seed(h, [
      decision({ scope: "username", value: "alice" }),
      decision({ scope: "username", value: "bob" }),
    ]);
    expect((await del("/v1/decisions?scopes=Username&value=alice", h)).body).toEqual({
      nbDeleted: "0",
    });
    expect((await del("/v1/decisions?scopes=username&value=alice", h)).body).toEqual({
      nbDeleted: "1",
    });
    expect((await del("/v1/decisions?scope=username&value=bob", h)).body).toEqual({
      nbDeleted: "1",
    });
    await seed(h, [decision({ value: "10.90.0.2" })]);
    expect((await del("/v1/decisions?scopes=ip&value=10.90.0.2", h)).body).toEqual({
      nbDeleted: "0",
    });
    expect((await del("/v1/decisions?scopes=Ip&value=10.90.0.2", h)).body).toEqual({
      nbDeleted: "1",
    });
  });

  it("filters on type, scenario, origin and uuid", async () => {
    const h = await auth();
    const ids = await seed(h, [
      decision({ value: "10.90.1.1", type: "captcha" }),
      decision({ value: "10.90.1.2", scenario: "dd/scenario" }),
      decision({ value: "10.90.1.3", origin: "dd-origin" }),
      decision({ value: "10.90.1.4" }),
      decision({ value: "10.90.1.5" }),
    ]);
    expect((await del("/v1/decisions?type=captcha&value=10.90.1.1", h)).body).toEqual({
      nbDeleted: "1",
    });
    expect((await del("/v1/decisions?scenario=dd/scenario", h)).body).toEqual({ nbDeleted: "1" });
    expect((await del("/v1/decisions?origin=dd-origin", h)).body).toEqual({ nbDeleted: "1" });
    const uuids = await env.DB.prepare("SELECT uuid FROM decisions WHERE id IN (?, ?) ORDER BY id")
      .bind(ids[3], ids[4])
      .all<{ uuid: string }>();
    const [u4, u5] = uuids.results.map((r) => r.uuid);
    expect((await del(`/v1/decisions?uuid=${u4}&uuid=${u5}`, h)).body).toEqual({ nbDeleted: "2" });
  });

  it("deletes by range with contains, and contained decisions with contains=false (IPv4, IPv6)", async () => {
    const h = await auth();
    await seed(h, [
      decision({ scope: "Range", value: "10.91.0.0/16" }),
      decision({ value: "10.91.2.3" }),
      decision({ value: "10.91.2.4" }),
      decision({ scope: "Range", value: "2001:db8:91::/64" }),
      decision({ value: "2001:db8:91::7" }),
    ]);
    // The /16 contains 10.91.2.0/24; the single IPs do not.
    expect((await del("/v1/decisions?range=10.91.2.0/24", h)).body).toEqual({ nbDeleted: "1" });
    expect((await del("/v1/decisions?range=10.91.2.0/24&contains=false", h)).body).toEqual({
      nbDeleted: "2",
    });
    expect((await del("/v1/decisions?ip=2001:db8:91::7", h)).body).toEqual({ nbDeleted: "2" });
  });

  it("expires everything active when no filter is given", async () => {
    const h = await auth();
    await seed(h, [decision({ value: "10.92.0.1" }), decision({ value: "10.92.0.2" })]);
    const now = Date.now();
    const active = await env.DB.prepare("SELECT COUNT(*) AS n FROM decisions WHERE until > ?")
      .bind(now)
      .first<{ n: number }>();
    expect(active!.n).toBeGreaterThanOrEqual(2);
    const r = await del("/v1/decisions", h);
    expect(Number((r.body as { nbDeleted: string }).nbDeleted)).toBe(active!.n);
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM decisions WHERE until > ?")
      .bind(Date.now() + 1000)
      .first<{ n: number }>();
    expect(left!.n).toBe(0);
  });
});

describe("DELETE /v1/decisions/:decision_id", () => {
  it("answers 400 for a non-integer and 500 for an unknown id", async () => {
    const h = await auth();
    const bad = await del("/v1/decisions/abc", h);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ message: "decision_id must be valid integer" });
    const missing = await del("/v1/decisions/0099999999", h);
    expect(missing.status).toBe(500);
    expect(missing.body).toEqual({
      message: "decision with id '99999999' doesn't exist: unable to delete",
    });
  });

  it("expires one decision, even an already expired one", async () => {
    const h = await auth();
    const [id, other] = await seed(h, [
      decision({ value: "10.93.0.1" }),
      decision({ value: "10.93.0.2" }),
    ]);
    const r = await del(`/v1/decisions/${id}`, h);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ nbDeleted: "1" });
    expect(await untilOf(id!)).toBeLessThanOrEqual(Date.now());
    expect(await untilOf(other!)).toBeGreaterThan(Date.now());
    expect((await del(`/v1/decisions/${id}`, h)).body).toEqual({ nbDeleted: "1" });
  });
});

describe("deletions seen by the stream", () => {
  it("reports a deleted decision in the next delta and in a restart's deleted list", async () => {
    const h = await auth();
    const key = await bouncerKey("decisions-delete-stream");
    await seed(h, [decision({ value: "10.94.0.1" })]);
    expect(valuesOf((await stream(key, true)).new, "10.94.0.1")).toHaveLength(1);
    await tick();
    expect((await del("/v1/decisions?ip=10.94.0.1", h)).body).toEqual({ nbDeleted: "1" });
    await tick();
    const delta = await stream(key);
    expect(valuesOf(delta.deleted, "10.94.0.1")).toHaveLength(1);
    expect(valuesOf(delta.new, "10.94.0.1")).toHaveLength(0);
    const restart = await stream(key, true);
    expect(valuesOf(restart.deleted, "10.94.0.1")).toHaveLength(1);
  });

  it("streams only the longest decision and a deletion only when nothing longer remains", async () => {
    const h = await auth();
    const key = await bouncerKey("decisions-delete-dedup");
    const ip = "10.95.0.1";
    const [d1, d2, d3] = await seed(h, [
      decision({ value: ip, duration: "1h" }),
      decision({ value: ip, duration: "2h" }),
      decision({ value: ip, duration: "3h" }),
    ]);
    const startup = valuesOf((await stream(key, true)).new, ip);
    expect(startup.map((d) => d.id)).toEqual([d3]);
    for (const id of [d3, d2]) {
      await tick();
      expect((await del(`/v1/decisions/${id}`, h)).body).toEqual({ nbDeleted: "1" });
      await tick();
      const delta = await stream(key);
      expect(valuesOf(delta.deleted, ip)).toEqual([]);
      expect(valuesOf(delta.new, ip)).toEqual([]);
    }
    await tick();
    expect((await del(`/v1/decisions/${d1}`, h)).body).toEqual({ nbDeleted: "1" });
    await tick();
    const last = await stream(key);
    expect(valuesOf(last.deleted, ip).map((d) => d.id)).toEqual([d1]);
  });

  it("reports every decision expired by one filter deletion once per value", async () => {
    const h = await auth();
    const key = await bouncerKey("decisions-delete-tie");
    await seed(h, [
      decision({ value: "10.96.0.1", duration: "1h" }),
      decision({ value: "10.96.0.1", duration: "2h" }),
      decision({ scope: "Range", value: "10.96.1.0/24" }),
    ]);
    await stream(key, true);
    await tick();
    expect((await del("/v1/decisions?range=10.96.0.0/16&contains=false", h)).body).toEqual({
      nbDeleted: "3",
    });
    await tick();
    const delta = await stream(key);
    // Both rows of 10.96.0.1 now share `until`; the stream sends the value once.
    expect(valuesOf(delta.deleted, "10.96.0.1")).toHaveLength(1);
    expect(valuesOf(delta.deleted, "10.96.1.0/24")).toHaveLength(1);
  });
});

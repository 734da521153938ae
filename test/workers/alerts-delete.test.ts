import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { alert, auth, decision, getJson, mustPost } from "./alerts-fixtures";
import { bouncerKey, call } from "./helpers";

const UNTRUSTED = { "CF-Connecting-IP": "203.0.113.9" };

async function del(path: string, headers: Record<string, string>) {
  return getJson(path, headers, "DELETE");
}

async function childRows(alertId: string): Promise<number[]> {
  const counts = await env.DB.batch(
    ["decisions", "events", "meta"].map((t) =>
      env.DB.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE alert_id = ?`).bind(Number(alertId)),
    ),
  );
  return counts.map((r) => (r.results[0] as { n: number }).n);
}

function richAlert(scenario: string, value: string) {
  return alert({
    scenario,
    stop_at: new Date().toISOString(),
    events: [{ timestamp: "2026-11-21T04:30:52Z", meta: [{ key: "k", value: "v" }] }],
    meta: [{ key: "m", value: "1" }],
    decisions: [decision({ value })],
  });
}

describe("DELETE /v1/alerts", () => {
  it("refuses callers outside loopback and trusted_ips with 403, before reading filters", async () => {
    const h = await auth();
    for (const path of ["/v1/alerts?scenario=x", "/v1/alerts?nope=1", "/v1/alerts/1"]) {
      const r = await del(path, { ...h, ...UNTRUSTED });
      expect(r.status).toBe(403);
      expect(r.body).toEqual({ message: "access forbidden from this IP (203.0.113.9)" });
    }
    const v6 = await del("/v1/alerts?scenario=d/none", { ...h, "CF-Connecting-IP": "::1" });
    expect(v6.status).toBe(200);
  });

  it("deletes every match and ignores limit and sort", async () => {
    const h = await auth();
    await mustPost(h, [
      alert({ scenario: "d/many" }),
      alert({ scenario: "d/many" }),
      alert({ scenario: "d/many" }),
      alert({ scenario: "d/keep" }),
    ]);
    const r = await del("/v1/alerts?scenario=d/many&limit=1&sort=ASC", h);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ nbDeleted: "3" });
    expect((await getJson("/v1/alerts?scenario=d/many", h)).text).toBe("null");
    expect((await getJson("/v1/alerts?scenario=d/keep", h)).body).toHaveLength(1);
    expect((await del("/v1/alerts?scenario=d/many", h)).body).toEqual({ nbDeleted: "0" });
  });

  it("applies the GET filters, unknown keys refused with 500", async () => {
    const h = await auth();
    await mustPost(h, [
      alert({ scenario: "d/filter", decisions: [decision({ value: "10.88.0.1" })] }),
      alert({ scenario: "d/filter", decisions: [decision({ value: "10.88.0.2" })] }),
    ]);
    expect((await del("/v1/alerts?ip=10.88.0.1", h)).body).toEqual({ nbDeleted: "1" });
    expect((await del("/v1/alerts?range=10.88.0.0/16&contains=false", h)).body).toEqual({
      nbDeleted: "1",
    });
    const bad = await del("/v1/alerts?alert_source=cscli", h);
    expect(bad.status).toBe(500);
    expect(bad.body).toEqual({
      message: "filter parameter 'alert_source' is unknown (=cscli): invalid filter",
    });
  });

  it("hard-deletes decisions, events and meta with their alert", async () => {
    const h = await auth();
    const [id] = await mustPost(h, [richAlert("d/cascade", "10.89.0.1")]);
    expect(await childRows(id!)).toEqual([1, 1, 1]);
    expect((await del("/v1/alerts?scenario=d/cascade", h)).body).toEqual({ nbDeleted: "1" });
    expect(await childRows(id!)).toEqual([0, 0, 0]);
  });
});

describe("DELETE /v1/alerts/:alert_id", () => {
  it("deletes once, then answers 500 ent: alert not found; non-integers get 400", async () => {
    const h = await auth();
    const [id] = await mustPost(h, [richAlert("d/byid", "10.89.0.2")]);
    const first = await del(`/v1/alerts/${id}`, h);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ nbDeleted: "1" });
    expect(await childRows(id!)).toEqual([0, 0, 0]);
    const again = await del(`/v1/alerts/${id}`, h);
    expect(again.status).toBe(500);
    expect(again.body).toEqual({ message: "ent: alert not found" });
    const bad = await del("/v1/alerts/abc", h);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ message: "alert_id must be valid integer" });
  });

  it("removes the alert's decisions from bouncers' lookups but never streams them as deleted", async () => {
    const h = await auth();
    const key = await bouncerKey("alerts-delete-bouncer");
    const bouncer = { "X-Api-Key": key };
    const [id] = await mustPost(h, [richAlert("d/stream", "10.89.0.3")]);
    const startup = await getJson("/v1/decisions/stream?startup=true", bouncer);
    const started = startup.body as { new: { value: string }[] | null };
    expect(started.new?.map((d) => d.value)).toContain("10.89.0.3");
    expect((await getJson("/v1/decisions?ip=10.89.0.3", bouncer)).body).toHaveLength(1);

    expect((await del(`/v1/alerts/${id}`, h)).body).toEqual({ nbDeleted: "1" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await getJson("/v1/decisions?ip=10.89.0.3", bouncer)).text).toBe("null");
    const delta = (await getJson("/v1/decisions/stream", bouncer)).body as {
      deleted: { value: string }[] | null;
    };
    expect((delta.deleted ?? []).map((d) => d.value)).not.toContain("10.89.0.3");
    const restart = (await getJson("/v1/decisions/stream?startup=true", bouncer)).body as {
      new: { value: string }[] | null;
      deleted: { value: string }[] | null;
    };
    expect([...(restart.new ?? []), ...(restart.deleted ?? [])].map((d) => d.value)).not.toContain(
      "10.89.0.3",
    );
  });

  it("makes cscli decisions list (has_active_decision=true) empty for the deleted alert", async () => {
    const h = await auth();
    const [id] = await mustPost(h, [richAlert("d/list", "10.89.0.4")]);
    const query = "/v1/alerts?has_active_decision=true&include_capi=false&limit=100&ip=10.89.0.4";
    expect((await getJson(query, h)).body).toHaveLength(1);
    await del(`/v1/alerts/${id}`, h);
    expect((await getJson(query, h)).text).toBe("null");
    expect((await call(`/v1/alerts/${id}`, { headers: h })).status).toBe(404);
  });
});

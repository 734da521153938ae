import { describe, expect, it } from "vitest";
import { alert, auth, decision, getJson, mustPost } from "./alerts-fixtures";
import { ADMIN, call } from "./helpers";

interface AlertOut {
  id: number;
  message: string;
  decisions: { duration: string; id: number; value: string; simulated: boolean }[] | null;
  [key: string]: unknown;
}

/** Alerts of a GET, or [] for the literal `null`. */
async function list(h: Record<string, string>, query: string): Promise<AlertOut[]> {
  const r = await getJson(`/v1/alerts?${query}`, h);
  expect(r.status, r.text).toBe(200);
  return (r.body as AlertOut[] | null) ?? [];
}

async function messages(h: Record<string, string>, query: string): Promise<string[]> {
  return (await list(h, query)).map((a) => a.message).sort();
}

async function expect500(h: Record<string, string>, query: string, message: string) {
  for (const method of ["GET", "DELETE"]) {
    const r = await getJson(`/v1/alerts?${query}`, h, method);
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ message });
  }
}

describe("GET /v1/alerts", () => {
  it("answers no match with the literal null", async () => {
    const h = await auth();
    const r = await call("/v1/alerts?scenario=q/nothing-matches", { headers: h });
    expect(r.status).toBe(200);
    expect(r.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(await r.text()).toBe("null");
  });

  it("answers the HEAD method with 200 and an empty body, after checking the filters", async () => {
    const h = await auth();
    await mustPost(h, [alert({ scenario: "q/head" })]);
    const r = await call("/v1/alerts?scenario=q/head", { method: "HEAD", headers: h });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("");
    const bad = await call("/v1/alerts?nope=1", { method: "HEAD", headers: h });
    expect(bad.status).toBe(500);
  });

  it("prints an alert with CrowdSec's keys, order, nulls and omissions", async () => {
    const h = await auth();
    await mustPost(h, [
      alert({
        scenario: "q/format",
        scenario_hash: "hash",
        scenario_version: "0.1",
        message: "formatted",
        capacity: 5,
        leakspeed: "10s",
        events_count: 2,
        kind: "crowdsec",
        remediation: true,
        start_at: "2026-11-21T04:30:52.5Z",
        stop_at: "2026-11-21T04:31:00Z",
        source: {
          scope: "Ip",
          value: "192.0.2.10",
          ip: "192.0.2.10",
          cn: "FR",
          as_number: "64500",
          as_name: "Example AS",
          latitude: 48.8566,
          longitude: 2.35222229,
          range: "192.0.2.0/24",
        },
        events: [{ timestamp: "2026-11-21T04:30:52Z", meta: [{ key: "k", value: "v" }] }],
        meta: [{ key: "m", value: "1" }],
        decisions: [decision({ value: "192.0.2.10", duration: "100000h" })],
      }),
      alert({
        scenario: "q/format",
        message: "bare",
        source: { scope: "Ip", value: "192.0.2.11" },
      }),
    ]);
    const [full, bare] = await list(h, "scenario=q/format&sort=ASC");
    expect(full!.message).toBe("formatted");
    expect(Object.keys(full!)).toEqual([
      "capacity",
      "created_at",
      "decisions",
      "events",
      "events_count",
      "id",
      "kind",
      "labels",
      "leakspeed",
      "machine_id",
      "message",
      "meta",
      "remediation",
      "scenario",
      "scenario_hash",
      "scenario_version",
      "simulated",
      "source",
      "start_at",
      "stop_at",
      "uuid",
    ]);
    expect(full!.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(full!.decisions![0]!.duration).toMatch(/^\d{5}h\d+m\d+s$/);
    expect({ ...full, created_at: "<t>", id: "<id>", uuid: "<uuid>", decisions: "<d>" }).toEqual({
      capacity: 5,
      created_at: "<t>",
      decisions: "<d>",
      events: [{ meta: [{ key: "k", value: "v" }], timestamp: "2026-11-21 04:30:52 +0000 UTC" }],
      events_count: 2,
      id: "<id>",
      kind: "crowdsec",
      labels: null,
      leakspeed: "10s",
      machine_id: "alerts-tester",
      message: "formatted",
      meta: [{ key: "m", value: "1" }],
      remediation: true,
      scenario: "q/format",
      scenario_hash: "hash",
      scenario_version: "0.1",
      simulated: false,
      source: {
        as_name: "Example AS",
        as_number: "64500",
        cn: "FR",
        ip: "192.0.2.10",
        latitude: 48.8566,
        longitude: 2.3522222,
        range: "192.0.2.0/24",
        scope: "Ip",
        value: "192.0.2.10",
      },
      start_at: "2026-11-21T04:30:52Z",
      stop_at: "2026-11-21T04:31:00Z",
      uuid: "<uuid>",
    });
    expect(Object.keys(full!.decisions![0]!)).toEqual([
      "duration",
      "id",
      "origin",
      "scenario",
      "scope",
      "simulated",
      "type",
      "value",
    ]);
    expect(bare!.decisions).toBeNull();
    expect(bare!.events).toBeNull();
    expect(bare!.labels).toBeNull();
    expect(bare!.source).toEqual({ scope: "Ip", value: "192.0.2.11" });
    for (const omitted of ["kind", "meta", "remediation"]) expect(bare).not.toHaveProperty(omitted);
  });

  it("lists expired decisions of an alert with a negative duration", async () => {
    const h = await auth();
    await mustPost(h, [
      alert({
        scenario: "q/expired",
        stop_at: new Date().toISOString(),
        decisions: [decision({ value: "192.0.2.12", duration: "-90s" })],
      }),
    ]);
    const [a] = await list(h, "scenario=q/expired");
    expect(a!.decisions![0]!.duration).toMatch(/^-1m3\ds$/);
  });

  it("refuses unknown filters with 500 invalid filter, cscli's alert_source included", async () => {
    const h = await auth();
    await expect500(h, "foo=bar", "filter parameter 'foo' is unknown (=bar): invalid filter");
    await expect500(
      h,
      "scenario=x&alert_source=cscli",
      "filter parameter 'alert_source' is unknown (=cscli): invalid filter",
    );
  });

  it("refuses malformed filter values with CrowdSec's messages", async () => {
    const h = await auth();
    await expect500(h, "ip=gruueq", "invalid ip address 'gruueq'");
    await expect500(h, "ip=", "invalid ip address ''");
    await expect500(
      h,
      "range=1.2.3.4/99",
      "invalid ip range '1.2.3.4/99': invalid CIDR address: 1.2.3.4/99",
    );
    await expect500(
      h,
      "contains=xx",
      'invalid contains value : strconv.ParseBool: parsing "xx": invalid syntax: invalid filter',
    );
    await expect500(
      h,
      "since=1zz",
      'while parsing duration: time: unknown unit "zz" in duration "1zz"',
    );
    await expect500(h, "until=", 'while parsing duration: time: invalid duration ""');
    await expect500(
      h,
      "created_before=1zz",
      'while parsing duration: time: unknown unit "zz" in duration "1zz"',
    );
    await expect500(
      h,
      "has_active_decision=xx",
      "'xx' is not a boolean: strconv.ParseBool: parsing \"xx\": invalid syntax: unable to parse type",
    );
    const limit = await getJson("/v1/alerts?limit=x", h);
    expect(limit.status).toBe(500);
    expect(limit.body).toEqual({ message: "bad limit in parameters: [x]: unable to query" });
    const negative = await getJson("/v1/alerts?limit=-1", h);
    expect(negative.body).toEqual({ message: "bad limit in parameters: [-1]: unable to query" });
  });

  it("filters on start time with since/until and on insert time with created_before", async () => {
    const h = await auth();
    const now = new Date().toISOString();
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
    await mustPost(h, [
      alert({ scenario: "q/time", message: "recent", start_at: now }),
      alert({ scenario: "q/time", message: "old", start_at: old }),
    ]);
    expect(await messages(h, "scenario=q/time&since=1ns")).toEqual([]);
    expect(await messages(h, "scenario=q/time&until=1ns")).toEqual(["old", "recent"]);
    expect(await messages(h, "scenario=q/time&since=1h")).toEqual(["recent"]);
    expect(await messages(h, "scenario=q/time&since=4d")).toEqual(["old", "recent"]);
    expect(await messages(h, "scenario=q/time&until=2d12h")).toEqual(["old"]);
    expect(await messages(h, "scenario=q/time&created_before=1h")).toEqual([]);
    expect(await messages(h, "scenario=q/time&created_before=-1h")).toEqual(["old", "recent"]);
  });

  it("filters on source scope (ip/range normalised), value and kind", async () => {
    const h = await auth();
    await mustPost(h, [
      alert({ scenario: "q/src", message: "ip", source: { scope: "Ip", value: "192.0.2.20" } }),
      alert({
        scenario: "q/src",
        message: "range",
        kind: "k1",
        source: { scope: "Range", value: "192.0.2.0/28" },
      }),
      alert({ scenario: "q/src", message: "user", source: { scope: "username", value: "bob" } }),
    ]);
    expect(await messages(h, "scenario=q/src&scope=ip")).toEqual(["ip"]);
    expect(await messages(h, "scenario=q/src&scope=RANGE")).toEqual(["range"]);
    expect(await messages(h, "scenario=q/src&scope=username")).toEqual(["user"]);
    expect(await messages(h, "scenario=q/src&scope=Username")).toEqual([]);
    expect(await messages(h, "scenario=q/src&value=bob")).toEqual(["user"]);
    expect(await messages(h, "scenario=q/src&kind=k1")).toEqual(["range"]);
  });

  it("matches scenario on the alert or on any of its decisions", async () => {
    const h = await auth();
    await mustPost(h, [
      alert({ scenario: "q/scen-alert", message: "by-alert" }),
      alert({
        scenario: "q/other",
        message: "by-decision",
        decisions: [decision({ value: "192.0.2.30", scenario: "q/scen-decision" })],
      }),
    ]);
    expect(await messages(h, "scenario=q/scen-alert")).toEqual(["by-alert"]);
    expect(await messages(h, "scenario=q/scen-decision")).toEqual(["by-decision"]);
  });

  it("matches ip and range through the decisions, with contains (IPv4 and IPv6)", async () => {
    const h = await auth();
    await mustPost(h, [
      alert({
        scenario: "q/ip",
        message: "block",
        decisions: [decision({ scope: "Range", value: "10.77.0.0/16" })],
      }),
      alert({ scenario: "q/ip", message: "single", decisions: [decision({ value: "10.77.1.2" })] }),
      alert({
        scenario: "q/ip",
        message: "v6",
        decisions: [decision({ scope: "Range", value: "2001:db8:77::/64" })],
      }),
      alert({ scenario: "q/ip", message: "none" }),
    ]);
    expect(await messages(h, "scenario=q/ip&ip=10.77.1.2")).toEqual(["block", "single"]);
    expect(await messages(h, "scenario=q/ip&ip=10.77.9.9")).toEqual(["block"]);
    expect(await messages(h, "scenario=q/ip&range=10.77.1.0/24")).toEqual(["block"]);
    expect(await messages(h, "scenario=q/ip&range=10.77.1.0/24&contains=false")).toEqual([
      "single",
    ]);
    expect(await messages(h, "scenario=q/ip&range=10.0.0.0/8&contains=false")).toEqual([
      "block",
      "single",
    ]);
    expect(await messages(h, "scenario=q/ip&ip=2001:db8:77::1234")).toEqual(["v6"]);
    expect(await messages(h, "scenario=q/ip&ip=::ffff:10.77.1.2")).toEqual(["block", "single"]);
    expect(await messages(h, "scenario=q/ip&range=2001:db8::/32")).toEqual([]);
    expect(await messages(h, "scenario=q/ip&range=2001:db8::/32&contains=0")).toEqual(["v6"]);
  });

  it("filters on decision type, origin and active decisions", async () => {
    const h = await auth();
    await mustPost(h, [
      alert({
        scenario: "q/dec",
        message: "captcha",
        decisions: [decision({ value: "192.0.2.40", type: "captcha" })],
      }),
      alert({
        scenario: "q/dec",
        message: "expired",
        decisions: [decision({ value: "192.0.2.41", duration: "-1m" })],
      }),
      alert({
        scenario: "q/dec",
        message: "crowdsec",
        decisions: [decision({ value: "192.0.2.42", origin: "crowdsec" })],
      }),
      alert({ scenario: "q/dec", message: "none" }),
    ]);
    expect(await messages(h, "scenario=q/dec&decision_type=captcha")).toEqual(["captcha"]);
    expect(await messages(h, "scenario=q/dec&origin=crowdsec")).toEqual(["crowdsec"]);
    expect(await messages(h, "scenario=q/dec&origin=Crowdsec")).toEqual([]);
    expect(await messages(h, "scenario=q/dec&has_active_decision=true")).toEqual([
      "captcha",
      "crowdsec",
    ]);
    expect(await messages(h, "scenario=q/dec&has_active_decision=false")).toEqual(["none"]);
    expect(await messages(h, "scenario=q/dec&has_active_decision=0")).toEqual(["none"]);
  });

  it("hides CAPI and lists alerts with include_capi=false (CrowdSec 1.5.5+)", async () => {
    const h = await auth();
    await mustPost(h, [
      alert({ scenario: "q/capi", message: "capi", decisions: [decision({ origin: "CAPI" })] }),
      alert({ scenario: "q/capi", message: "lists", decisions: [decision({ origin: "lists" })] }),
      alert({
        scenario: "q/capi",
        message: "import",
        decisions: [decision({ origin: "cscli-import" })],
      }),
      alert({
        scenario: "q/capi",
        message: "console",
        decisions: [decision({ origin: "console" })],
      }),
      alert({
        scenario: "q/capi",
        message: "blocklist-empty",
        source: { scope: "crowdsecurity/community-blocklist", value: "" },
      }),
      alert({
        scenario: "q/capi",
        message: "list-empty",
        source: { scope: "lists:firehol", value: "" },
      }),
      alert({
        scenario: "q/capi",
        message: "Lists-empty",
        source: { scope: "Lists:firehol", value: "" },
      }),
      alert({ scenario: "q/capi", message: "agent-empty" }),
    ]);
    expect(await messages(h, "scenario=q/capi&include_capi=false")).toEqual([
      "Lists-empty",
      "agent-empty",
      "console",
      "import",
    ]);
    expect((await messages(h, "scenario=q/capi&include_capi=true")).length).toBe(8);
    expect((await messages(h, "scenario=q/capi&include_capi=maybe")).length).toBe(8);
    // `origin` forces include_capi=true.
    expect(await messages(h, "scenario=q/capi&include_capi=false&origin=CAPI")).toEqual(["capi"]);
  });

  it("includes simulated alerts unless simulated=false", async () => {
    const h = await auth();
    await mustPost(h, [
      alert({ scenario: "q/sim", message: "real" }),
      alert({ scenario: "q/sim", message: "simulated", simulated: true }),
    ]);
    expect(await messages(h, "scenario=q/sim")).toEqual(["real", "simulated"]);
    expect(await messages(h, "scenario=q/sim&simulated=true")).toEqual(["real", "simulated"]);
    expect(await messages(h, "scenario=q/sim&simulated=false")).toEqual(["real"]);
  });

  it("pages with limit (default 100, 0 = all) and sorts newest first unless sort=ASC", async () => {
    const h = await auth();
    const batch = Array.from({ length: 101 }, (_, i) =>
      alert({ scenario: "q/limit", message: `m${String(i).padStart(3, "0")}` }),
    );
    await mustPost(h, batch);
    expect(await list(h, "scenario=q/limit")).toHaveLength(100);
    expect(await list(h, "scenario=q/limit&limit=0")).toHaveLength(101);
    const desc = await list(h, "scenario=q/limit&limit=2");
    expect(desc.map((a) => a.message)).toEqual(["m100", "m099"]);
    const asc = await list(h, "scenario=q/limit&limit=2&sort=ASC");
    expect(asc.map((a) => a.message)).toEqual(["m000", "m001"]);
    const lower = await list(h, "scenario=q/limit&limit=1&sort=asc");
    expect(lower.map((a) => a.message)).toEqual(["m100"]);
  });

  it("leaves decisions out with with_decisions=false", async () => {
    const h = await auth();
    await mustPost(h, [
      alert({ scenario: "q/wd", decisions: [decision({ value: "192.0.2.50" })] }),
    ]);
    const [a] = await list(h, "scenario=q/wd&with_decisions=false");
    expect(a!.decisions).toBeNull();
    const [b] = await list(h, "scenario=q/wd");
    expect(b!.decisions).toHaveLength(1);
  });

  it("shows machine_id N/A once the owner machine is deleted", async () => {
    const h = await auth("alerts-doomed");
    await mustPost(h, [alert({ scenario: "q/owner" })]);
    expect((await list(h, "scenario=q/owner"))[0]!.machine_id).toBe("alerts-doomed");
    const del = await call("/admin/v1/machines/alerts-doomed", {
      method: "DELETE",
      headers: ADMIN,
    });
    expect(del.status).toBeLessThan(300);
    const other = await auth("alerts-survivor");
    expect((await list(other, "scenario=q/owner"))[0]!.machine_id).toBe("N/A");
  });
});

describe("GET /v1/alerts/:alert_id", () => {
  it("refuses a non-integer id with 400 and a missing one with 404", async () => {
    const h = await auth();
    const bad = await getJson("/v1/alerts/abc", h);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ message: "alert_id must be valid integer" });
    const missing = await getJson("/v1/alerts/99999999", h);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: "object not found" });
    const head = await call("/v1/alerts/99999999", { method: "HEAD", headers: h });
    expect(head.status).toBe(404);
  });

  it("returns one alert, and 200 with an empty body for the HEAD method", async () => {
    const h = await auth();
    const [id] = await mustPost(h, [alert({ scenario: "q/byid" })]);
    const r = await getJson(`/v1/alerts/${id}`, h);
    expect(r.status).toBe(200);
    expect((r.body as AlertOut).id).toBe(Number(id));
    const plus = await getJson(`/v1/alerts/+${id}`, h);
    expect((plus.body as AlertOut).id).toBe(Number(id));
    const head = await call(`/v1/alerts/${id}`, { method: "HEAD", headers: h });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });
});

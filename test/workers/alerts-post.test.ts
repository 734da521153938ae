import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { alert, auth, decision, getJson, mustPost, postAlerts } from "./alerts-fixtures";
import { ADMIN, call, jsonInit } from "./helpers";

interface AlertOut {
  id: number;
  machine_id: string;
  decisions: { duration: string; scope: string; value: string; simulated: boolean }[] | null;
  events: { meta: unknown; timestamp: string }[] | null;
  source: Record<string, unknown>;
  start_at: string;
  stop_at: string;
  uuid: string;
  [key: string]: unknown;
}

async function getAlert(h: Record<string, string>, id: string): Promise<AlertOut> {
  const r = await getJson(`/v1/alerts/${id}`, h);
  expect(r.status).toBe(200);
  return r.body as AlertOut;
}

/** Seconds of a Go duration printed as `XhYmZs` (what formatGoDuration emits). */
function seconds(d: string): number {
  const m = /^(-)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  const s = Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return m[1] ? -s : s;
}

async function countRows(sql: string, ...params: unknown[]): Promise<number> {
  const r = await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>();
  return r!.n;
}

async function expectError(
  res: Response | Promise<Response>,
  status: number,
  message: string,
): Promise<void> {
  const r = await res;
  expect(r.status).toBe(status);
  expect(r.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
  expect(await r.json()).toEqual({ message });
}

describe("POST /v1/alerts: body decoding", () => {
  it("rejects an object instead of an array with Go's unmarshal error (400)", async () => {
    await expectError(
      postAlerts(await auth(), alert()),
      400,
      "json: cannot unmarshal object into Go value of type models.AddAlertsRequest",
    );
  });

  it("answers an empty array, and a JSON null, with 201 []", async () => {
    const h = await auth();
    for (const body of ["[]", "null"]) {
      const r = await postAlerts(h, body);
      expect(r.status).toBe(201);
      expect(await r.text()).toBe("[]");
    }
  });

  it("reports malformed JSON and an empty body with Go's decoder text (400)", async () => {
    const h = await auth();
    await expectError(postAlerts(h, "[{"), 400, "unexpected EOF");
    await expectError(postAlerts(h, ""), 400, "EOF");
    await expectError(
      postAlerts(h, "[x]"),
      400,
      "invalid character 'x' looking for beginning of value",
    );
  });

  it("lists every missing field of an empty alert, prefixed by its index (500)", async () => {
    const fields = [
      "capacity",
      "events",
      "events_count",
      "leakspeed",
      "message",
      "scenario",
      "scenario_hash",
      "scenario_version",
      "simulated",
      "source",
      "start_at",
      "stop_at",
    ];
    const expected = `validation failure list:\n${fields.map((f) => `0.${f} in body is required`).join("\n")}`;
    const h = await auth();
    const before = await countRows("SELECT COUNT(*) AS n FROM alerts");
    await expectError(postAlerts(h, [{}]), 500, expected);
    // go-swagger stops at the first invalid alert.
    await expectError(postAlerts(h, [{}, {}]), 500, expected);
    await expectError(postAlerts(h, [alert(), {}]), 500, expected.replaceAll("0.", "1."));
    expect(await countRows("SELECT COUNT(*) AS n FROM alerts")).toBe(before);
  });

  it("nests source, event and decision failures in their own lists like CrowdSec 1.4.6", async () => {
    const body = [
      alert({
        scenario: null,
        source: { ip: "1.2.3.4" },
        events: [{}, {}],
        decisions: [decision(), { duration: "1h" }, {}],
      }),
    ];
    await expectError(
      postAlerts(await auth(), body),
      500,
      [
        "validation failure list:",
        "validation failure list:",
        "0.decisions.1.origin in body is required",
        "0.decisions.1.scenario in body is required",
        "0.decisions.1.scope in body is required",
        "0.decisions.1.type in body is required",
        "0.decisions.1.value in body is required",
        "validation failure list:",
        "0.events.0.meta in body is required",
        "0.events.0.timestamp in body is required",
        "0.scenario in body is required",
        "validation failure list:",
        "0.source.scope in body is required",
        "0.source.value in body is required",
      ].join("\n"),
    );
  });

  it("ignores null array items instead of crashing like CrowdSec", async () => {
    const h = await auth();
    const ids = await mustPost(h, [null, alert({ message: "between nulls" }), null]);
    expect(ids).toHaveLength(1);
    const r = await postAlerts(h, [null, null]);
    expect(r.status).toBe(201);
    expect(await r.text()).toBe("[]");
  });

  it("names the innermost Go struct and the Go type in type errors (400)", async () => {
    const h = await auth();
    const cases: [unknown, string][] = [
      [[alert({ capacity: "x" })], "string into Go struct field Alert.capacity of type int32"],
      [[alert({ capacity: 1.5 })], "number 1.5 into Go struct field Alert.capacity of type int32"],
      [
        [alert({ source: { scope: "Ip", value: "1.2.3.4", latitude: "x" } })],
        "string into Go struct field Source.source.latitude of type float32",
      ],
      [
        [alert({ decisions: [decision({ duration: 5 as unknown as string })] })],
        "number into Go struct field Decision.decisions.duration of type string",
      ],
      [
        [alert({ events: [{ timestamp: "x", meta: "x" }] })],
        "string into Go struct field Event.events.meta of type models.Meta",
      ],
      [
        [alert({ events: [{ timestamp: "x", meta: [{ key: 1 }] }] })],
        "number into Go struct field MetaItems0.events.meta.key of type string",
      ],
      [[alert({ source: "x" })], "string into Go struct field Alert.source of type models.Source"],
      [[alert({ meta: {} })], "object into Go struct field Alert.meta of type models.Meta"],
      [["x"], "string into Go value of type models.Alert"],
      [[5], "number into Go value of type models.Alert"],
    ];
    for (const [body, tail] of cases) {
      await expectError(postAlerts(h, body), 400, `json: cannot unmarshal ${tail}`);
    }
  });

  it("matches keys case-insensitively and ignores unknown keys", async () => {
    const h = await auth();
    const body = alert({
      Scenario: "case/insensitive",
      SOURCE: { Scope: "ip", VALUE: "198.51.100.7" },
    });
    delete body.scenario;
    delete body.source;
    const [id] = await mustPost(h, [{ ...body, whatever: { nested: true } }]);
    const a = await getAlert(h, id!);
    expect(a.scenario).toBe("case/insensitive");
    expect(a.source).toEqual({ scope: "Ip", value: "198.51.100.7" });
  });
});

describe("POST /v1/alerts: decisions", () => {
  it("fails the whole request on a bad duration, with CrowdSec's message, writing nothing", async () => {
    const h = await auth();
    const before = await countRows("SELECT COUNT(*) AS n FROM alerts");
    await expectError(
      postAlerts(h, [
        alert({ decisions: [decision({ value: "198.51.100.20" })] }),
        alert({ decisions: [decision({ duration: "1zz" })] }),
      ]),
      500,
      'unable to create alerts: decision duration \'1zz\' : time: unknown unit "zz" in duration "1zz": unable to parse duration',
    );
    await expectError(
      postAlerts(h, [alert({ decisions: [decision({ duration: "" })] })]),
      500,
      "unable to create alerts: decision duration '' : time: invalid duration \"\": unable to parse duration",
    );
    expect(await countRows("SELECT COUNT(*) AS n FROM alerts")).toBe(before);
    expect(
      await countRows("SELECT COUNT(*) AS n FROM decisions WHERE value = '198.51.100.20'"),
    ).toBe(0);
  });

  it("fails the whole request on a bad IP or CIDR like CrowdSec 1.4.6, writing nothing", async () => {
    const h = await auth();
    const before = await countRows("SELECT COUNT(*) AS n FROM alerts");
    await expectError(
      postAlerts(h, [
        alert({ decisions: [decision({ value: "198.51.100.21" })] }),
        alert({ decisions: [decision({ value: "198.51.100.22" }), decision({ value: "9.9.9" })] }),
      ]),
      500,
      "unable to create alerts: invalid addr/range 9.9.9 : invalid address: unable to parse duration",
    );
    await expectError(
      postAlerts(h, [alert({ decisions: [decision({ scope: "range", value: "1.2.3.4/33" })] })]),
      500,
      "unable to create alerts: invalid addr/range 1.2.3.4/33 : while parsing range 1.2.3.4/33: invalid CIDR address: 1.2.3.4/33: unable to parse duration",
    );
    expect(await countRows("SELECT COUNT(*) AS n FROM alerts")).toBe(before);
    expect(
      await countRows(
        "SELECT COUNT(*) AS n FROM decisions WHERE value IN ('198.51.100.21', '198.51.100.22')",
      ),
    ).toBe(0);
  });

  it("sets until = stop_at + duration, accepting a leading day count", async () => {
    const h = await auth();
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const [id] = await mustPost(h, [
      alert({
        stop_at: hourAgo,
        decisions: [
          decision({ value: "198.51.100.30", duration: "4h" }),
          decision({ value: "198.51.100.31", duration: "2d12h" }),
          decision({ value: "198.51.100.32", duration: "-1h" }),
          decision({ value: "198.51.100.33", duration: "1.5h" }),
        ],
      }),
    ]);
    const a = await getAlert(h, id!);
    const remaining = a.decisions!.map((d) => seconds(d.duration));
    const expected = [3 * 3600, 59 * 3600, -2 * 3600, 1800];
    for (const [i, s] of remaining.entries()) expect(Math.abs(s - expected[i]!)).toBeLessThan(5);
  });

  it("normalises source and decision scopes (CrowdSec 1.5+) and fills IP columns", async () => {
    const h = await auth();
    const [id] = await mustPost(h, [
      alert({
        source: { scope: "range", value: "203.0.113.0/24" },
        decisions: [
          decision({ scope: "ip", value: "203.0.113.5" }),
          decision({ scope: "RANGE", value: "203.0.113.0/24" }),
          decision({ scope: "as", value: "64500" }),
          decision({ scope: "country", value: "FR" }),
          decision({ scope: "username", value: "bob" }),
        ],
      }),
    ]);
    const a = await getAlert(h, id!);
    expect(a.source.scope).toBe("Range");
    expect(a.decisions!.map((d) => d.scope)).toEqual(["Ip", "Range", "AS", "Country", "username"]);
    const rows = await env.DB.prepare(
      "SELECT scope, ip_size AS size, nullif(hex(start_ip), '') AS s, nullif(hex(end_ip), '') AS e FROM decisions WHERE alert_id = ? ORDER BY id",
    )
      .bind(Number(id))
      .all();
    expect(rows.results).toEqual([
      { scope: "Ip", size: 4, s: "CB007105", e: "CB007105" },
      { scope: "Range", size: 4, s: "CB007100", e: "CB0071FF" },
      { scope: "AS", size: 0, s: null, e: null },
      { scope: "Country", size: 0, s: null, e: null },
      { scope: "username", size: 0, s: null, e: null },
    ]);
  });

  it("stores decisions with the alert's simulated flag and regenerated uuids", async () => {
    const h = await auth();
    const [id] = await mustPost(h, [
      alert({
        simulated: true,
        uuid: "client-uuid",
        id: 424242,
        created_at: "client",
        machine_id: "someone-else",
        decisions: [
          { ...decision({ value: "198.51.100.40" }), simulated: false, uuid: "x", id: 9 },
        ],
      }),
    ]);
    const a = await getAlert(h, id!);
    expect(a.id).not.toBe(424242);
    expect(a.machine_id).toBe("alerts-tester");
    expect(a.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.decisions![0]!.simulated).toBe(true);
    const row = await env.DB.prepare("SELECT simulated, uuid FROM decisions WHERE alert_id = ?")
      .bind(Number(id))
      .first<{ simulated: number; uuid: string }>();
    expect(row!.simulated).toBe(1);
    expect(row!.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(row!.uuid).not.toBe(a.uuid);
  });

  it("stores a decision-less alert without decisions (profiles come later)", async () => {
    const h = await auth();
    const [id] = await mustPost(h, [alert({ source: { scope: "Ip", value: "198.51.100.50" } })]);
    const a = await getAlert(h, id!);
    expect(a.decisions).toBeNull();
  });
});

describe("POST /v1/alerts: alert fields", () => {
  it("keeps events with their meta and prints times like CrowdSec", async () => {
    const h = await auth();
    const [id] = await mustPost(h, [
      alert({
        start_at: "2026-11-21T04:30:52.123456Z",
        stop_at: "2026-11-21T06:30:55+02:00",
        events: [
          {
            timestamp: "2026-11-21T04:30:52.500Z",
            meta: [
              { key: "source_ip", value: "198.51.100.60" },
              { key: "", value: "" },
            ],
          },
          { timestamp: "2026-11-21T06:30:55+02:00", meta: [] },
        ],
        meta: [{ key: "k", value: "v" }],
      }),
    ]);
    const a = await getAlert(h, id!);
    expect(a.start_at).toBe("2026-11-21T04:30:52Z");
    expect(a.stop_at).toBe("2026-11-21T04:30:55Z");
    expect(a.events).toEqual([
      {
        meta: [{ key: "source_ip", value: "198.51.100.60" }, {}],
        timestamp: "2026-11-21 04:30:52.5 +0000 UTC",
      },
      { meta: [], timestamp: "2026-11-21 06:30:55 +0200 +0200" },
    ]);
    expect(a.meta).toEqual([{ key: "k", value: "v" }]);
  });

  it("truncates long meta like CrowdSec 1.5+ instead of failing the push", async () => {
    const h = await auth();
    const [id] = await mustPost(h, [
      alert({
        meta: [{ key: "k".repeat(300), value: "v".repeat(5000) }],
        events: [
          {
            timestamp: "2026-11-21T04:30:52Z",
            meta: [
              { key: "long", value: "y".repeat(9000) },
              { key: "short", value: "s" },
            ],
          },
        ],
      }),
    ]);
    const a = await getAlert(h, id!);
    const [m] = a.meta as { key: string; value: string }[];
    expect([m!.key.length, m!.value.length]).toEqual([255, 4095]);
    const meta = a.events![0]!.meta as { key: string; value: string }[];
    expect(JSON.stringify(meta).length).toBeLessThanOrEqual(8191);
    expect(meta.map((x) => x.key)).toEqual(["long", "short"]);
    expect(meta[0]!.value).toMatch(/^y{1000,}$/);
    expect(meta[1]!.value).toBe("s");
  });

  it("accepts a gzip-compressed body (1.7+ clients gzip bodies over 5 KiB)", async () => {
    const h = await auth();
    const body = JSON.stringify([
      alert({ message: "gzipped", meta: [{ key: "pad", value: "p".repeat(4000) }] }),
    ]);
    const gz = await new Response(
      new Blob([body]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    const r = await call("/v1/alerts", {
      method: "POST",
      headers: { ...h, "Content-Type": "application/json", "Content-Encoding": "gzip" },
      body: gz,
    });
    expect(r.status).toBe(201);
    const [id] = (await r.json()) as string[];
    expect((await getAlert(h, id!)).message).toBe("gzipped");
  });

  it("replaces unparsable start/stop times by the current time", async () => {
    const h = await auth();
    const [id] = await mustPost(h, [
      alert({ start_at: "garbage", stop_at: "2026-13-01T00:00:00Z" }),
    ]);
    const a = await getAlert(h, id!);
    for (const t of [a.start_at, a.stop_at]) {
      expect(Math.abs(Date.parse(t) - Date.now())).toBeLessThan(60_000);
    }
  });

  it("sets the machine's last_push", async () => {
    const h = await auth("alerts-push");
    await env.DB.prepare(
      "UPDATE machines SET last_push = NULL WHERE machine_id = 'alerts-push'",
    ).run();
    await mustPost(h, [alert()]);
    const row = await env.DB.prepare(
      "SELECT last_push AS p FROM machines WHERE machine_id = 'alerts-push'",
    ).first<{ p: number | null }>();
    expect(row!.p).not.toBeNull();
    expect(Math.abs(row!.p! - Date.now())).toBeLessThan(60_000);
  });

  it("returns one id per alert, in request order", async () => {
    const h = await auth();
    const ids = await mustPost(h, [
      alert({ message: "first", events: [{ timestamp: "2026-11-21T04:30:52Z", meta: [] }] }),
      alert({ message: "second", decisions: [decision({ value: "198.51.100.70" })] }),
      alert({ message: "third", meta: [{ key: "a", value: "b" }] }),
    ]);
    expect(ids).toHaveLength(3);
    const alerts = await Promise.all(ids.map((id) => getAlert(h, id)));
    expect(alerts.map((a) => a.message)).toEqual(["first", "second", "third"]);
    expect(alerts[0]!.events).toHaveLength(1);
    expect(alerts[1]!.decisions).toHaveLength(1);
    expect(alerts[2]!.meta).toEqual([{ key: "a", value: "b" }]);
  });
});

describe("POST /v1/alerts: allowlists (CrowdSec 1.6.6+)", () => {
  async function allowlist(name: string, values: string[]): Promise<void> {
    const created = await call("/admin/v1/allowlists", jsonInit("POST", { name }, ADMIN));
    expect(created.status).toBe(201);
    const added = await call(
      `/admin/v1/allowlists/${name}/items`,
      jsonInit("POST", { values }, ADMIN),
    );
    expect(added.status).toBeLessThan(300);
  }

  it("silently skips a decision-less alert whose Ip/Range source is allowlisted", async () => {
    const h = await auth();
    await allowlist("alerts-post-al", ["198.51.100.128/25", "2001:db8:1::/48"]);
    const ids = await mustPost(h, [
      alert({ message: "kept-1", source: { scope: "Ip", value: "198.51.100.1" } }),
      alert({ message: "skipped-ip", source: { scope: "ip", value: "198.51.100.200" } }),
      alert({ message: "skipped-range", source: { scope: "Range", value: "198.51.100.192/26" } }),
      alert({ message: "skipped-v6", source: { scope: "Ip", value: "2001:db8:1::5" } }),
      alert({
        message: "kept-with-decisions",
        source: { scope: "Ip", value: "198.51.100.201" },
        decisions: [decision({ value: "198.51.100.201" })],
      }),
      alert({
        message: "kept-other-scope",
        source: { scope: "username", value: "198.51.100.202" },
      }),
    ]);
    expect(ids).toHaveLength(3);
    const messages = await Promise.all(ids.map(async (id) => (await getAlert(h, id)).message));
    expect(messages).toEqual(["kept-1", "kept-with-decisions", "kept-other-scope"]);
  });

  it("ignores expired allowlist items", async () => {
    const h = await auth();
    await allowlist("alerts-post-expired", ["198.51.100.99"]);
    await env.DB.prepare(
      "UPDATE allowlist_items SET expires_at = 1 WHERE value = '198.51.100.99'",
    ).run();
    const ids = await mustPost(h, [alert({ source: { scope: "Ip", value: "198.51.100.99" } })]);
    expect(ids).toHaveLength(1);
  });
});

describe("POST /v1/alerts: bulk", () => {
  it("attaches children to the right alert when the alerts span several JSON chunks", async () => {
    const h = await auth();
    const n = 3000;
    const body = Array.from({ length: n }, (_, i) =>
      alert({
        scenario: `bulkchunk-${i}`,
        message: "x".repeat(300),
        events: [{ timestamp: "2026-11-21T04:30:52Z", meta: [{ key: "i", value: `${i}` }] }],
        meta: [{ key: "i", value: `${i}` }],
        decisions: [decision({ scenario: `bulkchunk-${i}`, value: `10.250.${i >> 8}.${i & 255}` })],
      }),
    );
    expect(JSON.stringify(body).length).toBeGreaterThan(3 * 512 * 1024);
    const ids = await mustPost(h, body);
    expect(ids).toHaveLength(n);
    expect(
      await countRows(
        "SELECT COUNT(*) AS n FROM decisions d JOIN alerts a ON a.id = d.alert_id WHERE a.scenario LIKE 'bulkchunk-%' AND d.scenario = a.scenario",
      ),
    ).toBe(n);
    expect(
      await countRows(
        "SELECT COUNT(*) AS n FROM meta m JOIN alerts a ON a.id = m.alert_id WHERE a.scenario = 'bulkchunk-' || m.value",
      ),
    ).toBe(n);
    expect(
      await countRows(
        `SELECT COUNT(*) AS n FROM events e JOIN alerts a ON a.id = e.alert_id WHERE a.scenario = 'bulkchunk-' || json_extract(e.serialized, '$[0].value')`,
      ),
    ).toBe(n);
    const a = await getAlert(h, ids[1234]!);
    expect(a.scenario).toBe("bulkchunk-1234");
  });

  it("stores a 10,000-decision alert (cscli decisions import) in one request", async () => {
    const h = await auth();
    const decisions = Array.from({ length: 10_000 }, (_, i) =>
      decision({
        origin: "cscli-import",
        scenario: "import from file",
        value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      }),
    );
    const started = performance.now();
    const res = await postAlerts(h, [alert({ decisions })]);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(201);
    const [id] = (await res.json()) as string[];
    console.log(`POST /v1/alerts with 10,000 decisions: ${elapsed.toFixed(0)} ms`);
    expect(
      await countRows("SELECT COUNT(*) AS n FROM decisions WHERE alert_id = ?", Number(id)),
    ).toBe(10_000);
    let t = performance.now();
    const found = await getJson("/v1/alerts?ip=10.0.39.15&origin=cscli-import", h);
    console.log(`GET /v1/alerts of that alert: ${(performance.now() - t).toFixed(0)} ms`);
    expect((found.body as AlertOut[]).map((a) => String(a.id))).toEqual([id]);
    expect((found.body as AlertOut[])[0]!.decisions).toHaveLength(10_000);
    t = performance.now();
    const deleted = await getJson(`/v1/alerts/${id}`, h, "DELETE");
    console.log(`DELETE /v1/alerts/:id of that alert: ${(performance.now() - t).toFixed(0)} ms`);
    expect(deleted.body).toEqual({ nbDeleted: "1" });
    expect(
      await countRows("SELECT COUNT(*) AS n FROM decisions WHERE alert_id = ?", Number(id)),
    ).toBe(0);
  });
});

describe("POST /v1/alerts: decisions wider than MIN_DECISION_PREFIX (issue 12)", () => {
  it("refuses 0.0.0.0/0 and ::/0 with 400, storing nothing, unless X-Rampart-Force: wide-range", async () => {
    const h = await auth();
    const before = await countRows("SELECT COUNT(*) AS n FROM alerts");
    for (const value of ["0.0.0.0/0", "10.0.0.0/7", "::/0", "2001:db8::/31"]) {
      const body = [alert({ decisions: [decision({ scope: "Range", value })] })];
      const r = await postAlerts(h, body);
      expect(r.status, value).toBe(400);
      expect(((await r.json()) as { message: string }).message).toMatch(
        /^decision on .* is wider than \/(8|32) \(MIN_DECISION_PREFIX\): resend with 'X-Rampart-Force: wide-range'/,
      );
    }
    expect(await countRows("SELECT COUNT(*) AS n FROM alerts")).toBe(before);
    const narrow = [alert({ decisions: [decision({ scope: "Range", value: "10.0.0.0/8" })] })];
    expect((await postAlerts(h, narrow)).status).toBe(201);
    const forced = [alert({ decisions: [decision({ scope: "Range", value: "0.0.0.0/0" })] })];
    expect((await postAlerts({ ...h, "X-Rampart-Force": "wide-range" }, forced)).status).toBe(201);
  });
});

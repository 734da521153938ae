import { afterEach, describe, expect, it } from "vitest";
import { alert, auth, getJson, mustPost, postAlerts } from "./alerts-fixtures";
import { ADMIN, bouncerKey, call } from "./helpers";

interface AlertJson {
  id: number;
  decisions: {
    type: string;
    scope: string;
    value: string;
    origin: string;
    duration: string;
    scenario: string;
  }[];
}

function putDoc(kind: "profiles" | "notifications", text: string) {
  return call(`/admin/v1/${kind}`, {
    method: "PUT",
    headers: { ...ADMIN, "Content-Type": "application/yaml" },
    body: text,
  });
}

async function mustPut(kind: "profiles" | "notifications", text: string) {
  const r = await putDoc(kind, text);
  if (r.status !== 200) throw new Error(`PUT ${kind}: ${r.status} ${await r.text()}`);
}

async function shown(kind: "profiles" | "notifications") {
  const r = await call(`/admin/v1/${kind}`, { headers: ADMIN });
  expect(r.status).toBe(200);
  return (await r.json()) as {
    kind: string;
    source: string;
    updated_at: number | null;
    content: string;
  };
}

async function decisionsOf(id: string) {
  const r = await getJson(`/v1/alerts/${id}`, await auth());
  expect(r.status).toBe(200);
  return (r.body as AlertJson).decisions ?? [];
}

/** Hours left on a decision (`3h59m59.9s` → 4). */
function hours(duration: string): number {
  const h = /^(\d+)h/.exec(duration);
  const m = /(\d+)m/.exec(duration);
  return Math.round(Number(h?.[1] ?? 0) + Number(m?.[1] ?? 0) / 60);
}

const now = () => new Date().toISOString();
const remediating = (over: Record<string, unknown> = {}) =>
  alert({ remediation: true, start_at: now(), stop_at: now(), ...over });

afterEach(async () => {
  for (const kind of ["profiles", "notifications"]) {
    await call(`/admin/v1/${kind}`, { method: "DELETE", headers: ADMIN });
  }
});

describe("default profile (no profiles stored)", () => {
  it("gives a 4h crowdsec ban to an Ip alert with remediation", async () => {
    const [id] = await mustPost(await auth(), [
      remediating({
        scenario: "crowdsecurity/ssh-bf",
        source: { scope: "Ip", value: "203.0.113.10", ip: "203.0.113.10" },
      }),
    ]);
    const [d, ...rest] = await decisionsOf(id!);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({
      type: "ban",
      scope: "Ip",
      value: "203.0.113.10",
      origin: "crowdsec",
      scenario: "crowdsecurity/ssh-bf",
    });
    expect(hours(d!.duration)).toBe(4);
  });

  it("gives no decision when remediation is false, or to a Range alert (1.4.6 default)", async () => {
    const ids = await mustPost(await auth(), [
      alert({ remediation: false, source: { scope: "Ip", value: "203.0.113.11" } }),
      remediating({ source: { scope: "Range", value: "203.0.113.0/24", range: "203.0.113.0/24" } }),
    ]);
    for (const id of ids) expect(await decisionsOf(id)).toEqual([]);
  });

  it("serves the default text with source: default", async () => {
    const r = await shown("profiles");
    expect(r).toMatchObject({ kind: "profiles", source: "default", updated_at: null });
    expect(r.content).toContain("name: default_ip_remediation");
  });
});

describe("stored profiles", () => {
  it("are used by the next alert without a redeploy, and DELETE restores the default", async () => {
    await mustPut(
      "profiles",
      "name: captcha_all\nfilters: ['Alert.GetScope() == \"Ip\"']\ndecisions: [{type: captcha, duration: 1h}]\n",
    );
    const stored = await shown("profiles");
    expect(stored.source).toBe("stored");
    expect(stored.content).toContain("captcha_all");
    const [a] = await mustPost(await auth(), [
      remediating({ source: { scope: "Ip", value: "198.51.100.20" } }),
    ]);
    expect((await decisionsOf(a!)).map((d) => [d.type, hours(d.duration)])).toEqual([
      ["captcha", 1],
    ]);

    expect(
      await (await call("/admin/v1/profiles", { method: "DELETE", headers: ADMIN })).json(),
    ).toEqual({
      kind: "profiles",
      deleted: true,
    });
    const [b] = await mustPost(await auth(), [
      remediating({ source: { scope: "Ip", value: "198.51.100.21" } }),
    ]);
    expect((await decisionsOf(b!)).map((d) => d.type)).toEqual(["ban"]);
  });

  it("override scope and prefix origin; a Range profile bans Range alerts", async () => {
    await mustPut(
      "profiles",
      [
        "name: ranges\nfilters: ['Alert.GetScope() == \"Range\"']\ndecisions: [{type: ban, duration: 2h}]\non_success: break",
        "name: ip_as_range\nfilters: ['Alert.GetScope() == \"Ip\"']\ndecisions: [{type: ban, duration: 3h, scope: Range, origin: escalation}]",
      ].join("\n---\n"),
    );
    const [r, i] = await mustPost(await auth(), [
      remediating({ source: { scope: "Range", value: "203.0.113.0/24", range: "203.0.113.0/24" } }),
      remediating({ source: { scope: "Ip", value: "192.0.2.44", range: "192.0.2.0/24" } }),
    ]);
    expect((await decisionsOf(r!)).map((d) => [d.scope, d.value, hours(d.duration)])).toEqual([
      ["Range", "203.0.113.0/24", 2],
    ]);
    // 1.4.6 keeps the alert's source value under an overriding scope (checked on the binary).
    expect((await decisionsOf(i!)).map((d) => [d.scope, d.value, d.origin])).toEqual([
      ["Range", "192.0.2.44", "crowdsec/escalation"],
    ]);
  });

  it("does not store a profile decision wider than MIN_DECISION_PREFIX (0.0.0.0/0, ::/0) and counts it", async () => {
    await mustPut(
      "profiles",
      "name: ranges\nfilters: ['Alert.GetScope() == \"Range\"']\ndecisions: [{type: ban, duration: 2h}]\non_success: break",
    );
    const r = await postAlerts(await auth(), [
      remediating({ source: { scope: "Range", value: "0.0.0.0/0", range: "0.0.0.0/0" } }),
      remediating({ source: { scope: "Range", value: "::/0", range: "::/0" } }),
      remediating({ source: { scope: "Range", value: "10.0.0.0/8", range: "10.0.0.0/8" } }),
    ]);
    expect(r.status).toBe(201);
    expect(r.headers.get("X-Rampart-Skipped-Wide-Decisions")).toBe("2");
    const [all4, all6, ten] = (await r.json()) as string[];
    // The alerts are kept (what the machine saw is true); only the ban of everyone is not.
    expect(await decisionsOf(all4!)).toEqual([]);
    expect(await decisionsOf(all6!)).toEqual([]);
    expect((await decisionsOf(ten!)).map((d) => [d.scope, d.value])).toEqual([
      ["Range", "10.0.0.0/8"],
    ]);
    const stream = await call("/v1/decisions?range=0.0.0.0/0&contains=false", {
      headers: { "X-Api-Key": await bouncerKey("profiles-wide") },
    });
    expect(await stream.text()).not.toContain('"0.0.0.0/0"');
  });

  it("follow on_success: the first match gives the decisions, break stops, on_failure does nothing", async () => {
    await mustPut(
      "profiles",
      [
        "name: never\nfilters: ['false']\ndecisions: [{type: ban, duration: 9h}]\non_failure: break",
        "name: first\nfilters: ['true']\ndecisions: [{type: ban, duration: 5h}]",
        "name: second\nfilters: ['true']\ndecisions: [{type: captcha, duration: 6h}]\non_success: break",
      ].join("\n---\n"),
    );
    const [id] = await mustPost(await auth(), [
      alert({ start_at: now(), stop_at: now(), source: { scope: "Ip", value: "192.0.2.50" } }),
    ]);
    expect((await decisionsOf(id!)).map((d) => [d.type, hours(d.duration)])).toEqual([["ban", 5]]);
  });

  it("grow a duration_expr ban with GetDecisionsCount over repeated alerts", async () => {
    await mustPut(
      "profiles",
      "name: escalate\nfilters: ['Alert.Remediation == true']\ndecisions: [{type: ban, duration: 1h}]\n" +
        "duration_expr: Sprintf('%dh', (GetDecisionsCount(Alert.GetValue()) + 1) * 4)\non_success: break\n",
    );
    const headers = await auth();
    const src = { scope: "Ip", value: "192.0.2.77" };
    const seen: number[] = [];
    for (let k = 0; k < 3; k++) {
      const [id] = await mustPost(headers, [remediating({ source: src })]);
      seen.push(hours((await decisionsOf(id!))[0]!.duration));
    }
    expect(seen).toEqual([4, 8, 12]);
    // Alerts of one request all see the database as it was before the request.
    const two = await mustPost(headers, [
      remediating({ source: src }),
      remediating({ source: src }),
    ]);
    expect(
      await Promise.all(two.map(async (id) => hours((await decisionsOf(id))[0]!.duration))),
    ).toEqual([16, 16]);
  });

  it("fail the whole request with 1.4.6's message when a filter errors, storing nothing", async () => {
    await mustPut("profiles", "name: broken\nfilters: ['Alert.Events[3].Timestamp == \"\"']\n");
    const headers = await auth();
    const before = (await getJson("/v1/alerts?limit=0", headers)).body as unknown[] | null;
    const r = await postAlerts(headers, [alert({ source: { scope: "Ip", value: "192.0.2.90" } })]);
    expect(r.status).toBe(500);
    const body = (await r.json()) as { message: string };
    expect(body.message).toMatch(/^while running expression Alert\.Events\[3\]\.Timestamp == "": /);
    const after = (await getJson("/v1/alerts?limit=0", headers)).body as unknown[] | null;
    expect(after?.length ?? 0).toBe(before?.length ?? 0);
  });
});

describe("PUT /admin/v1/profiles validation", () => {
  it.each([
    ["name: [unclosed\n", /^profiles: document 1: \(root\): invalid YAML/],
    [
      "name: ok\nfilters: ['true']\n---\nname: p\nfilters: ['true']\nbogus: 1\n",
      /^profiles: document 2: \(root\): unknown key\(s\) bogus$/,
    ],
    ["name: p\nfilters: ['Alert.GetScope() ==']\n", /^profiles: document 1: filters\.0: /],
    [
      "name: p\nfilters: ['true']\ndecisions: [{type: ban, duration: 2d}]\n",
      /^profiles: document 1: decisions\.0\.duration: time: unknown unit "d"/,
    ],
    [
      "name: p\nfilters: ['true']\nduration_expr: 'Sprintf('\n",
      /^profiles: document 1: duration_expr: /,
    ],
  ])("rejects %j with 400 and stores nothing", async (text, message) => {
    const r = await putDoc("profiles", text);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toMatch(message);
    expect((await shown("profiles")).source).toBe("default");
  });

  it("needs the admin token", async () => {
    const r = await call("/admin/v1/profiles", {
      method: "PUT",
      body: "name: p\nfilters: ['true']\n",
    });
    expect(r.status).toBe(401);
  });

  it("rejects notifiers of other types and templates outside the supported subset", async () => {
    const cases: [string, RegExp][] = [
      ["type: slack\nname: s\nurl: https://example.com\n", /document 1: type: only type 'http'/],
      [
        "type: http\nname: h\nurl: https://example.com\nformat: '{{template \"x\"}}'\n",
        /format: line 1: \{\{template\}\} is not supported/,
      ],
      [
        "type: http\nname: h\nurl: https://example.com\nformat: '{{.Nope}}'\n",
        /format: line 1: can't evaluate field Nope/,
      ],
      [
        "type: http\nname: h\nurl: https://example.com\nformat: '{{range .}}'\n",
        /format: unexpected EOF/,
      ],
      [
        "type: http\nname: h\nurl: https://example.com\nformat: '{{sha256sum .}}'\n",
        /function "sha256sum" not defined/,
      ],
    ];
    for (const [text, message] of cases) {
      const r = await putDoc("notifications", text);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { message: string }).message).toMatch(message);
    }
  });
});

import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, AGENT_UA, bouncerKey, call, jsonInit, machineToken } from "./helpers";

const NOW_S = 1_763_700_000;

function rc(extra: Record<string, unknown> = {}) {
  return {
    feature_flags: ["a", "b"],
    metrics: [
      {
        items: [
          {
            labels: { ip_type: "ipv4", origin: "CAPI" },
            name: "active_decisions",
            unit: "ip",
            value: 1500,
          },
        ],
        meta: { utc_now_timestamp: NOW_S, window_size_seconds: 1800 },
      },
    ],
    name: "fw",
    os: { name: "debian", version: "12" },
    type: "crowdsec-firewall-bouncer",
    utc_startup_timestamp: NOW_S - 3600,
    version: "v0.0.31",
    ...extra,
  };
}

function lp(extra: Record<string, unknown> = {}) {
  return {
    datasources: { file: 2, journalctl: 1 },
    feature_flags: [],
    hub_items: {
      parsers: [{ name: "crowdsecurity/sshd-logs", status: "official", version: "2.9" }],
    },
    metrics: [
      {
        items: [{ name: "parsed", unit: "line", value: 10, labels: { datasource_type: "file" } }],
        meta: { utc_now_timestamp: NOW_S, window_size_seconds: 1800 },
      },
    ],
    os: { name: "ubuntu", version: "24.04" },
    utc_startup_timestamp: NOW_S - 60,
    version: "v1.7.0",
    ...extra,
  };
}

let key: string;
let token: string;

beforeAll(async () => {
  key = await bouncerKey("metrics-bouncer");
  token = await machineToken("metrics-agent");
});

const asBouncer = (body: unknown) =>
  call("/v1/usage-metrics", jsonInit("POST", body, { "X-Api-Key": key }));
const asMachine = (body: unknown) =>
  call(
    "/v1/usage-metrics",
    jsonInit("POST", body, { Authorization: `Bearer ${token}`, ...AGENT_UA }),
  );

async function metricRows(by: string) {
  const r = await env.DB.prepare(
    "SELECT generated_type, generated_by, payload FROM usage_metrics WHERE generated_by = ? ORDER BY id",
  )
    .bind(by)
    .all<{ generated_type: string; generated_by: string; payload: string }>();
  return r.results;
}

async function expectError(r: Response, status: number, message: string) {
  expect(r.status).toBe(status);
  expect(await r.json()).toEqual({ message });
}

describe("POST /v1/usage-metrics from a bouncer", () => {
  it("stores the payload, updates the bouncer row and answers 201 with an empty body", async () => {
    const r = await asBouncer({ remediation_components: [rc()] });
    expect(r.status).toBe(201);
    expect(await r.text()).toBe("");
    const rows = await metricRows("metrics-bouncer");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.generated_type).toBe("RC");
    expect(JSON.parse(rows[0]!.payload)).toEqual({
      metrics: rc().metrics,
      type: "crowdsec-firewall-bouncer",
    });
    const b = await env.DB.prepare(
      "SELECT os_name, os_version, version, featureflags FROM bouncers WHERE name = 'metrics-bouncer'",
    ).first();
    expect(b).toEqual({
      os_name: "debian",
      os_version: "12",
      version: "v0.0.31",
      featureflags: "a,b",
    });
  });

  it("refuses a bouncer payload without a remediation component", async () => {
    await expectError(await asBouncer({}), 400, "Missing remediation component data");
    await expectError(
      await asBouncer({ log_processors: [lp()] }),
      400,
      "Missing remediation component data",
    );
  });

  it("refuses more than one remediation component", async () => {
    await expectError(
      await asBouncer({ remediation_components: [rc(), rc()] }),
      400,
      "Payload has more than one remediation component",
    );
  });

  it("reports Go type errors with the AllMetrics field path", async () => {
    await expectError(
      await asBouncer({ remediation_components: [rc({ utc_startup_timestamp: "yesterday" })] }),
      400,
      "json: cannot unmarshal string into Go struct field AllMetrics.remediation_components.utc_startup_timestamp of type int64",
    );
    await expectError(
      await asBouncer([]),
      400,
      "json: cannot unmarshal array into Go value of type models.AllMetrics",
    );
  });

  it("names the first missing field per top-level key with 422 (go-swagger's errors.As)", async () => {
    const { utc_startup_timestamp: _, version: __, ...noStartup } = rc();
    await expectError(
      await asBouncer({ remediation_components: [noStartup] }),
      422,
      "validation failure list:\nremediation_components.0.utc_startup_timestamp in body is required",
    );
    await expectError(
      await asBouncer({
        remediation_components: [rc({ metrics: [{ items: [{ name: "x", unit: "y" }] }] })],
      }),
      422,
      "validation failure list:\nremediation_components.0.metrics.0.items.0.value in body is required",
    );
    await expectError(
      await asBouncer({
        log_processors: [{ version: "1", utc_startup_timestamp: 1 }],
        remediation_components: [rc({ os: { name: "linux" } })],
      }),
      422,
      "validation failure list:\nlog_processors.0.datasources in body is required\nremediation_components.0.os.version in body is required",
    );
  });

  it("writes nothing when the payload is refused", async () => {
    const before = (await metricRows("metrics-bouncer")).length;
    await asBouncer({ remediation_components: [rc({ version: null })] });
    await asBouncer({ remediation_components: [rc(), rc()] });
    await asBouncer("{not json");
    expect(await metricRows("metrics-bouncer")).toHaveLength(before);
  });

  it("decodes a gzip-compressed body (1.7 clients gzip bodies over 5 KiB)", async () => {
    const big = rc({ name: "x".repeat(8000) });
    const gz = await new Response(
      new Blob([JSON.stringify({ remediation_components: [big] })])
        .stream()
        .pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    const r = await call("/v1/usage-metrics", {
      method: "POST",
      headers: { "X-Api-Key": key, "Content-Encoding": "gzip", "Content-Type": "application/json" },
      body: gz,
    });
    expect(r.status).toBe(201);
  });
});

describe("POST /v1/usage-metrics from a log processor", () => {
  it("stores the payload and updates os, version, hub state, datasources and heartbeat", async () => {
    const r = await asMachine({ log_processors: [lp()] });
    expect(r.status).toBe(201);
    const rows = await metricRows("metrics-agent");
    expect(rows.map((x) => x.generated_type)).toEqual(["LP"]);
    expect(JSON.parse(rows[0]!.payload)).toEqual({ metrics: lp().metrics });
    const m = await env.DB.prepare(
      "SELECT os_name, os_version, version, featureflags, hubstate, datasources, last_heartbeat FROM machines WHERE machine_id = 'metrics-agent'",
    ).first<Record<string, unknown>>();
    expect(m).toMatchObject({ os_name: "ubuntu", os_version: "24.04", version: "v1.7.0" });
    expect(m!.featureflags).toBe("");
    expect(JSON.parse(m!.hubstate as string)).toEqual(lp().hub_items);
    expect(JSON.parse(m!.datasources as string)).toEqual({ file: 2, journalctl: 1 });
    expect(m!.last_heartbeat).toBe(NOW_S * 1000);
  });

  it("refuses a machine payload without a log processor, or with two", async () => {
    await expectError(
      await asMachine({ remediation_components: [rc()] }),
      400,
      "Missing log processor data",
    );
    await expectError(
      await asMachine({ log_processors: [lp(), lp()] }),
      400,
      "Payload has more than one log processor",
    );
  });

  it("selects the machine path from a crowdsec/ User-Agent and then needs a JWT", async () => {
    const r = await call(
      "/v1/usage-metrics",
      jsonInit("POST", { log_processors: [lp()] }, { "User-Agent": "crowdsec/v1.7.0" }),
    );
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ code: 401, message: "cookie token is empty" });
  });

  it("selects the bouncer path without credentials and another User-Agent", async () => {
    const r = await call("/v1/usage-metrics", jsonInit("POST", { remediation_components: [rc()] }));
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ message: "access forbidden" });
  });
});

describe("GET /admin/v1/usage-metrics", () => {
  it("lists stored payloads newest first, filtered by sender and type", async () => {
    await asBouncer({ remediation_components: [rc({ type: "first" })] });
    await asBouncer({ remediation_components: [rc({ type: "second" })] });
    const r = await call("/admin/v1/usage-metrics?generated_by=metrics-bouncer&limit=2", {
      headers: ADMIN,
    });
    expect(r.status).toBe(200);
    const rows = (await r.json()) as Array<{
      generated_type: string;
      generated_by: string;
      received_at: string;
      payload: { type: string };
    }>;
    expect(rows.map((x) => [x.generated_type, x.generated_by, x.payload.type])).toEqual([
      ["RC", "metrics-bouncer", "second"],
      ["RC", "metrics-bouncer", "first"],
    ]);
    expect(Date.parse(rows[0]!.received_at)).toBeGreaterThan(Date.now() - 60_000);
    const lps = (await (
      await call("/admin/v1/usage-metrics?type=LP", { headers: ADMIN })
    ).json()) as Array<{ generated_type: string }>;
    // The log-processor tests above stored LP payloads.
    expect(lps.length).toBeGreaterThan(0);
    expect(lps.every((x) => x.generated_type === "LP")).toBe(true);
  });

  it("refuses a bad type or limit with 400", async () => {
    for (const q of ["type=XX", "limit=0", "limit=abc", "limit=5000"]) {
      const r = await call(`/admin/v1/usage-metrics?${q}`, { headers: ADMIN });
      expect(r.status, q).toBe(400);
    }
  });
});

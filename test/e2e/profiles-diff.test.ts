/**
 * Issue #4 differential check of profiles and notifications: the same profiles.yaml and http
 * notifiers in the real CrowdSec 1.4.6 LAPI (with its packaged http plugin) and in Rampart
 * (uploaded through the admin API), the same alerts posted to both — the alerts must get the same
 * decisions, and the notification requests must carry the same bodies, byte for byte.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowdsecInstall, shouldSkipWithoutOracle } from "../oracle/crowdsec-config.js";
import { type AlertSummary, getAlerts, machineLogin } from "../oracle/lapi-client.js";
import type { LapiTarget } from "../oracle/lapi-target.js";
import { freePort, waitFor } from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import { type RealLapi, startRealLapi } from "../oracle/real-lapi.js";

const install = crowdsecInstall();
const skip = shouldSkipWithoutOracle(install, "profiles differential tests", { root: true });
const MACHINE = "e2e-profiles";
const PASSWORD = "e2e-profiles-password-0123456789";

const PROFILES = `name: escalate_ssh
filters:
  - Alert.GetScenario() == "crowdsecurity/ssh-bf"
decisions:
  - type: ban
    duration: 1h
duration_expr: Sprintf('%dh', (GetDecisionsCount(Alert.GetValue()) + 1) * 4)
notifications: [hook_json, hook_text]
on_success: break
---
name: range_captcha
filters:
  - Alert.GetScenario() == "test/range"
  - Alert.GetScenario() == "test/range" && Alert.Source.Cn == "FR"
decisions:
  - type: captcha
    duration: 2h
    scope: Range
    origin: rng
  - type: ban
    duration: 3h
    simulated: true
notifications: [hook_json]
on_success: break
---
name: notify_manual
filters:
  - Alert.GetScenario() == "manual"
notifications: [hook_text]
on_success: break
---
name: everything_else
filters:
  - Alert.GetScenario() startsWith "test/"
decisions:
  - type: ban
    duration: 5h
---
name: default_ip_remediation
filters:
  - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
  - type: ban
    duration: 4h
on_success: break
`;

/** One line per decision, so alerts grouped differently into requests still compare. */
const TEXT_FORMAT = `{{range . -}}
{{$alert := . -}}
{{range .Decisions -}}
{{if $alert.Source.Cn}}:flag-{{$alert.Source.Cn}}: {{end}}{{.Value}} will get {{.Type}} for next {{.Duration}} for triggering {{.Scenario}} ({{len $alert.Events}} events, {{printf "%q" $alert.Source.IP}}, {{$alert.Source.Scope | lower}})
{{end -}}
{{end -}}`;

function notifiers(hook: string, side: string): string[] {
  return [
    `type: http\nname: hook_json\nlog_level: info\nformat: |\n  {{.|toJson}}\nurl: ${hook}/${side}/json\nmethod: POST\nheaders:\n  X-Side: ${side}\n`,
    `type: http\nname: hook_text\nlog_level: info\nformat: |\n${TEXT_FORMAT.replace(/^/gm, "  ")}\nurl: ${hook}/${side}/text\nmethod: PUT\n`,
  ];
}

const T = "2026-11-21T08:00:00Z";
function alert(scenario: string, ip: string, over: Record<string, unknown> = {}) {
  return {
    scenario,
    scenario_hash: "h4sh",
    scenario_version: "0.1",
    message: `Ip ${ip} performed '${scenario}' <&>`,
    events_count: 6,
    start_at: T,
    stop_at: new Date().toISOString(),
    capacity: 5,
    leakspeed: "10s",
    simulated: false,
    remediation: true,
    events: [
      {
        timestamp: T,
        meta: [
          { key: "source_ip", value: ip },
          { key: "user", value: "root" },
        ],
      },
    ],
    meta: [{ key: "target_user", value: "root" }],
    source: {
      scope: "Ip",
      value: ip,
      ip,
      range: "",
      as_number: "",
      as_name: "",
      cn: "",
      latitude: 0,
      longitude: 0,
    },
    ...over,
  };
}

interface Received {
  path: string;
  method: string;
  body: string;
}

describe.skipIf(skip)("profiles and notifications: Rampart vs the real 1.4.6 LAPI", () => {
  let real: RealLapi;
  let rampart: RampartDev;
  let hookServer: Server;
  const received: Received[] = [];

  beforeAll(async () => {
    const port = await freePort();
    hookServer = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ path: req.url ?? "", method: req.method ?? "", body });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => hookServer.listen(port, "127.0.0.1", r));
    const hook = `http://127.0.0.1:${port}`;
    [real, rampart] = await Promise.all([
      startRealLapi({ profiles: PROFILES, notifications: notifiers(hook, "real") }),
      startRampartDev(),
    ]);
    for (const [kind, text] of [
      ["profiles", PROFILES],
      ["notifications", notifiers(hook, "rampart").join("---\n")],
    ] as const) {
      const r = await fetch(new URL(`admin/v1/${kind}`, rampart.url), {
        method: "PUT",
        headers: { Authorization: `Bearer ${rampart.adminToken}`, "Content-Type": "text/yaml" },
        body: text,
      });
      expect(r.status, await r.text()).toBe(200);
    }
    await Promise.all([real, rampart].map((t) => t.addMachine(MACHINE, PASSWORD)));
  });

  afterAll(async () => {
    await Promise.all([real, rampart].filter(Boolean).map((t) => t.stop()));
    hookServer?.close();
  });

  async function post(target: LapiTarget, alerts: unknown[]) {
    const token = await machineLogin(target.url, MACHINE, PASSWORD);
    const r = await fetch(new URL("v1/alerts", target.url), {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
        "User-Agent": "crowdsec/v1.4.6",
      },
      body: JSON.stringify(alerts),
    });
    return { status: r.status, body: await r.text() };
  }

  async function decisionsOf(target: LapiTarget) {
    const token = await machineLogin(target.url, MACHINE, PASSWORD);
    const alerts = await getAlerts(target.url, token, "limit=0");
    return alerts
      .sort((a, b) => a.id - b.id)
      .map((a: AlertSummary) =>
        [
          `${a.scenario} ${a.source.value}:`,
          ...(a.decisions ?? []).map((d) => {
            const duration = (d as { duration?: string }).duration ?? "";
            const h = Math.round(
              Number(/^(\d+)h/.exec(duration)?.[1] ?? 0) +
                Number(/(\d+)m/.exec(duration)?.[1] ?? 0) / 60,
            );
            return `${d.type}/${d.scope}/${d.value}/${d.origin}/${h}h`;
          }),
        ].join(" "),
      );
  }

  it("gives the same decisions: duration_expr counts, scope override, origin, first match, no remediation gate", async () => {
    const batches = [
      [
        alert("crowdsecurity/ssh-bf", "192.0.2.1", {
          source: { ...alert("x", "192.0.2.1").source, cn: "FR" },
        }),
        alert("test/range", "192.0.2.2", {
          source: { ...alert("x", "192.0.2.2").source, cn: "FR", range: "192.0.2.0/24" },
        }),
        alert("test/other", "192.0.2.3", { remediation: false }),
        alert("other/thing", "192.0.2.4", { remediation: false }),
        alert("manual", "192.0.2.5", {
          decisions: [
            {
              type: "ban",
              duration: "1h",
              scope: "Ip",
              value: "192.0.2.5",
              origin: "cscli",
              scenario: "manual 'ban' from 'x'",
            },
          ],
        }),
      ],
      [alert("crowdsecurity/ssh-bf", "192.0.2.1")],
      [alert("crowdsecurity/ssh-bf", "192.0.2.1"), alert("crowdsecurity/ssh-bf", "192.0.2.1")],
    ];
    for (const batch of batches) {
      const answers = await Promise.all([real, rampart].map((t) => post(t, batch)));
      expect(answers.map((a) => a.status)).toEqual([201, 201]);
    }
    const [want, got] = await Promise.all([decisionsOf(real), decisionsOf(rampart)]);
    expect(want).toContain("crowdsecurity/ssh-bf 192.0.2.1: ban/Ip/192.0.2.1/crowdsec/12h");
    expect(got).toEqual(want);
  });

  /** JSON and text notifications the hook received from one side. */
  const side = (s: string, kind: string) => received.filter((r) => r.path === `/${s}/${kind}`);
  const jsonAlertCount = (s: string) =>
    side(s, "json").flatMap((r) => JSON.parse(r.body) as unknown[]).length;
  const textLines = (s: string) =>
    side(s, "text")
      .flatMap((r) => r.body.split("\n"))
      .filter(Boolean)
      .sort();

  it("sends the same notified alerts and text lines as the real http plugin", async () => {
    // 5 alerts reach hook_json (4 ssh-bf, 1 range) and 5 decisions hook_text (4 ssh-bf, 1 manual).
    await waitFor(
      "notifications from both LAPIs",
      () => ["real", "rampart"].every((s) => jsonAlertCount(s) >= 5 && textLines(s).length >= 5),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    // The real broker groups alerts by time, Rampart by request: compare alert by alert.
    const jsonAlerts = (s: string) =>
      side(s, "json")
        .flatMap((r) => (JSON.parse(r.body) as unknown[]).map((a) => JSON.stringify(a)))
        .sort();
    expect(jsonAlerts("rampart")).toEqual(jsonAlerts("real"));
    expect(textLines("rampart")).toEqual(textLines("real"));
    expect(new Set(side("rampart", "text").map((r) => r.method))).toEqual(new Set(["PUT"]));
  });

  it("sends a one-alert body byte for byte like the real http plugin", async () => {
    // Every earlier notification has been delivered (previous test), so the broker holds nothing:
    // one alert posted alone is one body on both sides by construction, whatever the timing.
    const before = { real: side("real", "json").length, rampart: side("rampart", "json").length };
    const single = [alert("crowdsecurity/ssh-bf", "192.0.2.9")];
    for (const [name, target] of [
      ["real", real],
      ["rampart", rampart],
    ] as const) {
      expect((await post(target, single)).status).toBe(201);
      await waitFor(
        `the one-alert notification from ${name}`,
        () => (side(name, "json").length > before[name] ? true : undefined),
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    }
    const realBodies = side("real", "json")
      .slice(before.real)
      .map((r) => r.body);
    const rampartBodies = side("rampart", "json")
      .slice(before.rampart)
      .map((r) => r.body);
    expect(realBodies).toHaveLength(1);
    expect(JSON.parse(realBodies[0]!)).toHaveLength(1);
    // Byte-level: Go's encoder (key order, omitempty, \u003c escapes) and the trailing newline.
    expect(rampartBodies).toEqual(realBodies);
    expect(rampartBodies[0]!.endsWith("]\n")).toBe(true);
    expect(rampartBodies[0]).toContain("\\u003c\\u0026\\u003e");
  });
});

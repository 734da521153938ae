import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import type { ValidAlert } from "../../src/lapi/models/alert";
import { ProfileCache } from "../../src/lapi/profiles/profile-cache";
import { storeAlerts } from "../../src/lapi/store-alerts";
import { alert, auth } from "./alerts-fixtures";
import { ADMIN, call } from "./helpers";

interface Delivery {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** A receiver for outbound requests: records them like an HTTP server and answers `status`. */
function receiver(status = 200) {
  const got: Delivery[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    got.push({
      url: req.url,
      method: req.method,
      headers: Object.fromEntries(req.headers),
      body: await req.text(),
    });
    return new Response("ok", { status });
  }) as typeof globalThis.fetch;
  return { got, fetch };
}

function background() {
  const pending: Promise<unknown>[] = [];
  return {
    waitUntil: (p: Promise<unknown>) => void pending.push(p),
    settled: () => Promise.all(pending),
  };
}

async function put(kind: string, text: string) {
  const r = await call(`/admin/v1/${kind}`, {
    method: "PUT",
    headers: { ...ADMIN, "Content-Type": "text/yaml" },
    body: text,
  });
  expect(r.status, await r.clone().text()).toBe(200);
}

const PROFILES = `name: notify_and_ban
filters:
  - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
  - type: ban
    duration: 4h
notifications: [hook, text]
on_success: break
---
name: manual
filters:
  - Alert.GetScenario() startsWith "manual"
notifications: [text]
`;

const NOTIFIERS = `type: http
name: hook
url: https://hooks.example/json
headers:
  Authorization: token abc
---
type: http
name: text
url: https://hooks.example/text
method: PUT
format: |
  {{range . -}}
  {{.Source.Value}} {{range .Decisions}}{{.Type}}/{{.Duration}}/{{.Origin}}{{end}}
  {{end -}}
`;

afterEach(async () => {
  for (const kind of ["profiles", "notifications"]) {
    await call(`/admin/v1/${kind}`, { method: "DELETE", headers: ADMIN });
  }
});

const now = new Date().toISOString();
const valid = (over: Record<string, unknown>) =>
  alert({ start_at: now, stop_at: now, ...over }) as unknown as ValidAlert;

describe("profile notifications", () => {
  it("sends each notifier one request with the matching alerts, off the request path", async () => {
    await put("profiles", PROFILES);
    await put("notifications", NOTIFIERS);
    await auth("notify-machine");
    const hook = receiver();
    const bg = background();
    const ids = await storeAlerts(
      { db: openDb(env.DB), ...bg, profiles: new ProfileCache(), fetch: hook.fetch },
      [
        valid({
          remediation: true,
          source: { scope: "Ip", value: "192.0.2.30", ip: "192.0.2.30" },
        }),
        valid({ remediation: false, source: { scope: "Ip", value: "192.0.2.31" } }),
        valid({
          scenario: "manual 'ban' from 'x'",
          source: { scope: "Ip", value: "192.0.2.32" },
          decisions: [
            {
              type: "captcha",
              duration: "1h",
              scope: "Ip",
              value: "192.0.2.32",
              origin: "cscli",
              scenario: "manual",
            },
          ],
        }),
      ],
      "notify-machine",
      Date.now(),
    );
    expect(ids).toHaveLength(3);
    await bg.settled();
    const byUrl = Object.fromEntries(hook.got.map((d) => [d.url, d]));
    expect(Object.keys(byUrl).sort()).toEqual([
      "https://hooks.example/json",
      "https://hooks.example/text",
    ]);
    const json = byUrl["https://hooks.example/json"]!;
    expect(json.method).toBe("POST");
    expect(json.headers.authorization).toBe("token abc");
    const sent = JSON.parse(json.body) as Record<string, unknown>[];
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      machine_id: "notify-machine",
      remediation: true,
      labels: null,
      decisions: [
        { type: "ban", duration: "4h", origin: "crowdsec", scope: "Ip", value: "192.0.2.30" },
      ],
    });
    expect(Object.keys(sent[0]!)).toEqual([...Object.keys(sent[0]!)].sort());
    const text = byUrl["https://hooks.example/text"]!;
    expect(text.method).toBe("PUT");
    expect(text.body).toBe("192.0.2.30 ban/4h/crowdsec\n192.0.2.32 captcha/1h/cscli\n");
  });

  it("logs a failing receiver and keeps the stored alerts", async () => {
    await put("profiles", PROFILES);
    await put("notifications", NOTIFIERS);
    await auth("notify-machine");
    const hook = receiver(503);
    const bg = background();
    const [id] = await storeAlerts(
      { db: openDb(env.DB), ...bg, profiles: new ProfileCache(), fetch: hook.fetch },
      [valid({ remediation: true, source: { scope: "Ip", value: "192.0.2.40" } })],
      "notify-machine",
      Date.now(),
    );
    await expect(bg.settled()).resolves.toBeDefined();
    expect(hook.got).toHaveLength(2);
    const r = await call(`/v1/alerts/${id}`, { headers: await auth("notify-machine") });
    expect(r.status).toBe(200);
  });

  it("sends nothing when no profile names a notifier (the default profile)", async () => {
    await auth("notify-machine");
    const hook = receiver();
    const bg = background();
    await storeAlerts(
      { db: openDb(env.DB), ...bg, fetch: hook.fetch },
      [valid({ remediation: true, source: { scope: "Ip", value: "192.0.2.50" } })],
      "notify-machine",
      Date.now(),
    );
    await bg.settled();
    expect(hook.got).toEqual([]);
  });
});

describe("PUT /admin/v1/notifications", () => {
  it("warns about notifiers the profiles name but nobody configured", async () => {
    const r = await call("/admin/v1/profiles", {
      method: "PUT",
      headers: { ...ADMIN, "Content-Type": "text/yaml" },
      body: PROFILES,
    });
    expect(await r.json()).toMatchObject({ unknown_notifiers: ["hook", "text"] });
  });

  it("stores valid http notifiers and accepts a JSON {content} body", async () => {
    const r = await call("/admin/v1/notifications", {
      method: "PUT",
      headers: { ...ADMIN, "Content-Type": "application/json" },
      body: JSON.stringify({ content: NOTIFIERS }),
    });
    expect(await r.json()).toMatchObject({
      kind: "notifications",
      items: 2,
      unknown_notifiers: [],
    });
    const shown = (await (await call("/admin/v1/notifications", { headers: ADMIN })).json()) as {
      source: string;
      content: string;
    };
    expect(shown).toMatchObject({ source: "stored", content: NOTIFIERS });
  });
});

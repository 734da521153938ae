import { call, jsonInit, machineToken } from "./helpers";

/** Builders and calls shared by the alerts / decisions-delete Workers tests. */

export interface DecisionBody {
  duration: string;
  origin: string;
  scenario: string;
  scope: string;
  type: string;
  value: string;
}

export function decision(over: Partial<DecisionBody> = {}): DecisionBody {
  return {
    duration: "4h",
    origin: "cscli",
    scenario: "manual 'ban' from 'tester'",
    scope: "Ip",
    type: "ban",
    value: "192.0.2.1",
    ...over,
  };
}

/**
 * Alert times default to a minute before the test file loads (whole seconds, as agents send
 * them), so decisions with the default 4h duration are active whenever the suite runs.
 */
const RECENT = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000)
  .toISOString()
  .replace(".000Z", "Z");

export function alert(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    capacity: 0,
    events: [],
    events_count: 1,
    leakspeed: "0",
    message: "test alert",
    scenario: "test/scenario",
    scenario_hash: "",
    scenario_version: "",
    simulated: false,
    source: { scope: "Ip", value: "192.0.2.1" },
    start_at: RECENT,
    stop_at: RECENT,
    ...over,
  };
}

const tokens = new Map<string, Promise<string>>();

/** Authorization header of a validated machine (created once per test file). */
export async function auth(machineId = "alerts-tester"): Promise<Record<string, string>> {
  let token = tokens.get(machineId);
  if (!token) {
    token = machineToken(machineId);
    tokens.set(machineId, token);
  }
  return { Authorization: `Bearer ${await token}` };
}

/** POSTs alerts and returns the response. */
export function postAlerts(headers: Record<string, string>, body: unknown): Promise<Response> {
  return call("/v1/alerts", jsonInit("POST", body, headers));
}

/** POSTs alerts that must be accepted and returns their ids. */
export async function mustPost(
  headers: Record<string, string>,
  body: unknown[],
): Promise<string[]> {
  const r = await postAlerts(headers, body);
  if (r.status !== 201) throw new Error(`POST /v1/alerts: ${r.status} ${await r.text()}`);
  return (await r.json()) as string[];
}

/** GETs a path with a JWT and returns status + parsed body (text when not JSON). */
export async function getJson(
  path: string,
  headers: Record<string, string>,
  method = "GET",
): Promise<{ status: number; body: unknown; text: string }> {
  const r = await call(path, { method, headers });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, body, text };
}

/**
 * Minimal raw HTTP calls to a LAPI (machine login, alerts read, decisions stream), used by e2e
 * tests to check what clients left in the server — not a client library.
 */

/** Logs a machine in (`POST /v1/watchers/login`) and returns its JWT. */
export async function machineLogin(url: string, machineId: string, password: string) {
  const res = await fetch(new URL("v1/watchers/login", url), {
    method: "POST",
    // LAPI requires a `<name>/<version>` User-Agent for logins (middlewares/v1/jwt.go).
    headers: { "Content-Type": "application/json", "User-Agent": "rampart-e2e/1.0" },
    body: JSON.stringify({ machine_id: machineId, password }),
  });
  const body = (await res.json()) as { token?: string; message?: string };
  if (res.status !== 200 || !body.token) {
    throw new Error(`login ${machineId} → ${res.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}

/** Minimal alert shape read back from `GET /v1/alerts`. */
export interface AlertSummary {
  id: number;
  scenario: string;
  machine_id?: string;
  source: { scope: string; value: string; ip?: string };
  events_count: number;
  decisions: { type: string; value: string; scope: string; origin: string }[] | null;
}

/** `GET /v1/alerts?<query>` with a machine JWT; `null` bodies become `[]`. */
export async function getAlerts(url: string, token: string, query = "limit=0") {
  const res = await fetch(new URL(`v1/alerts?${query}`, url), {
    headers: { Authorization: `Bearer ${token}`, "User-Agent": "rampart-e2e/1.0" },
  });
  if (res.status !== 200) throw new Error(`GET /v1/alerts → ${res.status} ${await res.text()}`);
  return ((await res.json()) as AlertSummary[] | null) ?? [];
}

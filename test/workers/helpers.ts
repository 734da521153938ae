import { env, exports } from "cloudflare:workers";

export const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
export const AGENT_UA = { "User-Agent": "crowdsec/v1.4.6-test" };
export const BASE = "http://lapi.test";

/** Sends a request to the LAPI Worker under test. */
export function call(path: string, init: RequestInit & { cf?: unknown } = {}): Promise<Response> {
  const worker = (exports as unknown as { default: Fetcher }).default;
  return worker.fetch(new Request(`${BASE}${path}`, init as RequestInit));
}

export function jsonInit(method: string, body: unknown, headers: Record<string, string> = {}) {
  return {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** Creates a validated machine through the admin API and returns a JWT for it. */
export async function machineToken(machineId = "agent1", password = "secret-pw"): Promise<string> {
  const created = await call(
    "/admin/v1/machines",
    jsonInit("POST", { machine_id: machineId, password }, ADMIN),
  );
  if (created.status !== 201 && created.status !== 409) throw new Error(`admin: ${created.status}`);
  const r = await call(
    "/v1/watchers/login",
    jsonInit("POST", { machine_id: machineId, password, scenarios: [] }, AGENT_UA),
  );
  const body = (await r.json()) as { token: string };
  return body.token;
}

/** Creates a bouncer through the admin API and returns its raw key. */
export async function bouncerKey(name = "bouncer1"): Promise<string> {
  const r = await call("/admin/v1/bouncers", jsonInit("POST", { name }, ADMIN));
  const body = (await r.json()) as { api_key: string };
  return body.api_key;
}

/** Registers a Central API watcher (`POST /v2/watchers`) and returns its bearer token. */
export async function capiToken(machineId = "watcher1", password = "watcher-pw"): Promise<string> {
  const created = await call("/v2/watchers", jsonInit("POST", { machine_id: machineId, password }));
  if (created.status !== 200 && created.status !== 403) throw new Error(`capi: ${created.status}`);
  const r = await call(
    "/v2/watchers/login",
    jsonInit("POST", { machine_id: machineId, password, scenarios: [] }, AGENT_UA),
  );
  if (r.status !== 200) throw new Error(`capi login: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

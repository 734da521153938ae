/**
 * The real {@link LapiClient}: machine-JWT routes log in lazily (and again when the token is
 * rejected or about to expire, as cscli's client does), admin routes send the admin token.
 */

import { CliError, EXIT } from "./cli-error.js";
import { type MachineCredentials, type MachineStore, newCliMachine } from "./cli-machine.js";
import type { CliConfig } from "./config.js";
import { decodeResponse, type RawSender, USER_AGENT } from "./http-transport.js";
import type { HttpRequest, LapiClient } from "./lapi-client.js";
import type {
  Alert,
  Allowlist,
  AllowlistCheck,
  Bouncer,
  ConfigDocumentView,
  ListSyncResult,
  Machine,
  NewAlert,
  Query,
  ThirdPartyList,
  UsageMetricsRow,
} from "./lapi-types.js";

/** Dependencies of {@link createHttpLapiClient}. */
export interface HttpLapiClientDeps {
  config: CliConfig;
  send: RawSender;
  machines: MachineStore;
  /** Told when a CLI machine was created through the admin API (main prints a notice). */
  onMachineCreated?: (login: string) => void;
}

const enc = encodeURIComponent;

/** Builds the HTTP client for `deps.config.url`. */
export function createHttpLapiClient(deps: HttpLapiClientDeps): LapiClient {
  const { config, send, machines } = deps;
  let token: { value: string; expiresAt: number; login: string } | undefined;

  const raw = async (request: HttpRequest) =>
    send(config.url, {
      ...request,
      headers: {
        "User-Agent": USER_AGENT,
        Accept: "application/json",
        ...(request.body === undefined ? {} : { "Content-Type": "application/json" }),
        ...request.headers,
      },
    });

  const admin = async (request: HttpRequest): Promise<unknown> => {
    if (!config.adminToken) {
      throw new CliError(
        "this command needs the admin token: set RAMPART_ADMIN_TOKEN or admin_token in the config file",
        EXIT.usage,
      );
    }
    const req = { ...request, headers: { Authorization: `Bearer ${config.adminToken}` } };
    return decodeResponse(req, await raw(req));
  };

  const credentials = async (): Promise<{ creds: MachineCredentials; auto: boolean }> => {
    if (config.machineId && config.password) {
      return { creds: { login: config.machineId, password: config.password }, auto: false };
    }
    if (!config.adminToken) {
      throw new CliError(
        "no machine credentials: set RAMPART_MACHINE_ID and RAMPART_PASSWORD, a credentials_file, or an admin token",
        EXIT.usage,
      );
    }
    const known = machines.get(config.url);
    if (known) return { creds: known, auto: true };
    const fresh = newCliMachine();
    await admin({
      method: "POST",
      path: "/admin/v1/machines",
      body: { machine_id: fresh.login, password: fresh.password, validated: true },
    });
    machines.set(config.url, fresh);
    deps.onMachineCreated?.(fresh.login);
    return { creds: fresh, auto: true };
  };

  const login = async (): Promise<{ value: string; expiresAt: number; login: string }> => {
    for (let attempt = 0; ; attempt++) {
      const { creds, auto } = await credentials();
      const req: HttpRequest = {
        method: "POST",
        path: "/v1/watchers/login",
        body: { machine_id: creds.login, password: creds.password },
      };
      const res = await raw(req);
      // A remembered CLI machine whose database was reset: forget it and create it again once.
      if (res.status === 401 && auto && attempt === 0) {
        machines.set(config.url, undefined);
        continue;
      }
      const body = decodeResponse(req, res) as { token: string; expire: string };
      return { value: body.token, expiresAt: Date.parse(body.expire), login: creds.login };
    }
  };

  const machine = async (request: HttpRequest): Promise<unknown> => {
    // cscli's client logs in again a minute before the token expires.
    if (!token || token.expiresAt - 60_000 < Date.now()) token = await login();
    const req = {
      ...request,
      headers: { ...request.headers, Authorization: `Bearer ${token.value}` },
    };
    const res = await raw(req);
    if (res.status === 401) {
      token = await login();
      const retry = {
        ...request,
        headers: { ...request.headers, Authorization: `Bearer ${token.value}` },
      };
      return decodeResponse(retry, await raw(retry));
    }
    return decodeResponse(req, res);
  };

  const count = (body: unknown) => Number((body as { nbDeleted?: string }).nbDeleted ?? 0);

  return {
    async machineLogin() {
      if (!token) token = await login();
      return token.login;
    },
    health: async () =>
      decodeResponse(
        { method: "GET", path: "/health" },
        await raw({ method: "GET", path: "/health" }),
      ) as { status: string },
    listAlerts: async (query: Query) =>
      ((await machine({ method: "GET", path: "/v1/alerts", query })) as Alert[] | null) ?? [],
    getAlert: async (id) => (await machine({ method: "GET", path: `/v1/alerts/${id}` })) as Alert,
    addAlerts: async (alerts: NewAlert[], options = {}) =>
      (await machine({
        method: "POST",
        path: "/v1/alerts",
        body: alerts,
        ...(options.force ? { headers: { "X-Rampart-Force": "wide-range" } } : {}),
      })) as string[],
    deleteAlerts: async (query) =>
      count(await machine({ method: "DELETE", path: "/v1/alerts", query })),
    deleteAlert: async (id) => count(await machine({ method: "DELETE", path: `/v1/alerts/${id}` })),
    deleteDecisions: async (query) =>
      count(await machine({ method: "DELETE", path: "/v1/decisions", query })),
    deleteDecision: async (id) =>
      count(await machine({ method: "DELETE", path: `/v1/decisions/${id}` })),
    async register(machineId, password) {
      const req = {
        method: "POST",
        path: "/v1/watchers",
        body: { machine_id: machineId, password },
      };
      decodeResponse(req, await raw(req));
    },
    async login() {
      token = await login();
      return { machineId: token.login, expire: new Date(token.expiresAt).toISOString() };
    },
    checkAllowlisted: async (value) =>
      ((await machine({
        method: "GET",
        path: `/v1/allowlists/check/${enc(value)}`,
      })) as AllowlistCheck | null) ?? {
        allowlisted: false,
        reason: "",
      },
    listMachines: async () =>
      (await admin({ method: "GET", path: "/admin/v1/machines" })) as Machine[],
    async addMachine(machineId, password, validated) {
      await admin({
        method: "POST",
        path: "/admin/v1/machines",
        body: { machine_id: machineId, password, validated },
      });
    },
    async validateMachine(machineId) {
      await admin({ method: "POST", path: `/admin/v1/machines/${enc(machineId)}/validate` });
    },
    async deleteMachine(machineId) {
      await admin({ method: "DELETE", path: `/admin/v1/machines/${enc(machineId)}` });
    },
    listBouncers: async () =>
      (await admin({ method: "GET", path: "/admin/v1/bouncers" })) as Bouncer[],
    async addBouncer(name, key) {
      const body = (await admin({
        method: "POST",
        path: "/admin/v1/bouncers",
        body: key ? { name, key } : { name },
      })) as { api_key: string };
      return body.api_key;
    },
    async deleteBouncer(name) {
      await admin({ method: "DELETE", path: `/admin/v1/bouncers/${enc(name)}` });
    },
    listAllowlists: async () =>
      (await admin({ method: "GET", path: "/admin/v1/allowlists" })) as Allowlist[],
    getAllowlist: async (name) =>
      (await admin({ method: "GET", path: `/admin/v1/allowlists/${enc(name)}` })) as Allowlist,
    createAllowlist: async (name, description) =>
      (await admin({
        method: "POST",
        path: "/admin/v1/allowlists",
        body: { name, description },
      })) as Allowlist,
    async deleteAllowlist(name) {
      await admin({ method: "DELETE", path: `/admin/v1/allowlists/${enc(name)}` });
    },
    addAllowlistItems: async (name, body) =>
      (await admin({ method: "POST", path: `/admin/v1/allowlists/${enc(name)}/items`, body })) as {
        added: number;
        skipped: number;
        decisions_expired: number;
      },
    removeAllowlistItems: async (name, values) =>
      (
        (await admin({
          method: "DELETE",
          path: `/admin/v1/allowlists/${enc(name)}/items`,
          body: { values },
        })) as {
          removed: number;
        }
      ).removed,
    prometheusMetrics: async () => {
      const body = await admin({ method: "GET", path: "/metrics" });
      return typeof body === "string" ? body : "";
    },
    usageMetrics: async (query) =>
      (await admin({ method: "GET", path: "/admin/v1/usage-metrics", query })) as UsageMetricsRow[],
    getConfigDocument: async (kind) =>
      (await admin({ method: "GET", path: `/admin/v1/${kind}` })) as ConfigDocumentView,
    putConfigDocument: async (kind, content) =>
      (await admin({ method: "PUT", path: `/admin/v1/${kind}`, body: { content } })) as {
        kind: string;
        items: number;
        updated_at: number;
        unknown_notifiers?: string[];
      },
    listLists: async () =>
      (await admin({ method: "GET", path: "/admin/v1/lists" })) as ThirdPartyList[],
    addList: async (list) =>
      (await admin({ method: "POST", path: "/admin/v1/lists", body: list })) as ThirdPartyList,
    removeList: async (name) =>
      (
        (await admin({ method: "DELETE", path: `/admin/v1/lists/${enc(name)}` })) as {
          decisions_expired: number;
        }
      ).decisions_expired,
    syncList: async (name) =>
      (await admin({
        method: "POST",
        path: `/admin/v1/lists/${enc(name)}/sync`,
      })) as ListSyncResult,
  };
}

/**
 * An in-memory LAPI for the CLI's unit tests: it keeps alerts, decisions, machines, bouncers and
 * allowlists, applies the few filters the tests use (ip, has_active_decision, origin), and records
 * every call so tests can assert on what the CLI sent.
 */
import {
  compileProfiles,
  DEFAULT_PROFILES_YAML,
  formatIssue,
} from "../../engine/profiles/index.js";
import { parseGoDuration } from "../../shared/duration.js";
import { CliError, EXIT } from "../cli-error.js";
import type { LapiClient } from "../lapi-client.js";
import type {
  Alert,
  Allowlist,
  Bouncer,
  ConfigDocumentView,
  Machine,
  NewAlert,
  Query,
  ThirdPartyList,
} from "../lapi-types.js";

/** The fake with its state open for assertions. */
export interface FakeLapi extends LapiClient {
  calls: { method: keyof LapiClient; args: unknown[] }[];
  alerts: Alert[];
  machines: Machine[];
  bouncers: Bouncer[];
  allowlists: Allowlist[];
  /** Stored config documents by kind (profiles, notifications); absent → default. */
  documents: Map<string, string>;
  /** Third-party lists; `sync` answers `updated` with the list's `entries` unchanged. */
  lists: ThirdPartyList[];
}

const T0 = "2026-11-21T06:00:00Z";

function durationMs(text: string): number {
  const d = parseGoDuration(text, { allowDays: true });
  return d.ok ? d.ms : 0;
}

function notFound(what: string): never {
  throw new CliError(`API error (404): ${what} not found`, EXIT.api);
}

/** A fresh fake; `login` is the machine id decisions are added as. */
export function fakeLapi(login = "cli-test"): FakeLapi {
  let nextAlert = 1;
  let nextDecision = 1;
  const state = {
    calls: [] as FakeLapi["calls"],
    alerts: [] as Alert[],
    machines: [] as Machine[],
    bouncers: [] as Bouncer[],
    allowlists: [] as Allowlist[],
    documents: new Map<string, string>(),
    lists: [] as ThirdPartyList[],
  };
  const active = (a: Alert) => (a.decisions ?? []).some((d) => !d.duration.startsWith("-"));
  const matches = (a: Alert, q: Query) =>
    (!q.ip || (a.decisions ?? []).some((d) => d.value === q.ip)) &&
    (!q.origin || (a.decisions ?? []).some((d) => d.origin === q.origin)) &&
    (q.has_active_decision !== "true" || active(a)) &&
    (!q.created_before ||
      Date.parse(a.created_at) <= Date.parse(T0) - durationMs(q.created_before));
  const impl: LapiClient = {
    machineLogin: async () => login,
    health: async () => ({ status: "up" }),
    listAlerts: async (q) => state.alerts.filter((a) => matches(a, q)).reverse(),
    getAlert: async (id) => state.alerts.find((a) => a.id === id) ?? notFound(`alert ${id}`),
    async addAlerts(alerts: NewAlert[]) {
      return alerts.map((a) => {
        const id = nextAlert++;
        state.alerts.push({
          ...a,
          id,
          created_at: T0,
          labels: null,
          machine_id: login,
          events: a.events.length ? a.events : null,
          decisions: a.decisions.map((d) => ({ ...d, id: nextDecision++, simulated: a.simulated })),
        });
        return String(id);
      });
    },
    async deleteAlerts(q) {
      const before = state.alerts.length;
      state.alerts = state.alerts.filter((a) => !matches(a, q));
      return before - state.alerts.length;
    },
    async deleteAlert(id) {
      if (!state.alerts.some((a) => a.id === id))
        throw new CliError("API error (500): ent: alert not found", EXIT.api);
      state.alerts = state.alerts.filter((a) => a.id !== id);
      return 1;
    },
    async deleteDecisions(q) {
      let n = 0;
      for (const a of state.alerts) {
        for (const d of a.decisions ?? []) {
          if (d.duration.startsWith("-")) continue;
          if ((q.ip && d.value !== q.ip) || (q.origin && d.origin !== q.origin)) continue;
          d.duration = "-1s";
          n++;
        }
      }
      return n;
    },
    async deleteDecision(id) {
      const d = state.alerts.flatMap((a) => a.decisions ?? []).find((x) => x.id === id);
      if (!d)
        throw new CliError(
          `API error (500): decision with id '${id}' doesn't exist: unable to delete`,
          EXIT.api,
        );
      d.duration = "-1s";
      return 1;
    },
    async register(machineId) {
      state.machines.push(machine(machineId, false));
    },
    login: async () => ({ machineId: login, expire: "2026-11-21T07:00:00.000Z" }),
    async checkAllowlisted(value) {
      const hit = state.allowlists.find((l) => (l.items ?? []).some((i) => i.value === value));
      return hit
        ? { allowlisted: true, reason: `${value} from ${hit.name}` }
        : { allowlisted: false, reason: "" };
    },
    listMachines: async () => state.machines,
    async addMachine(machineId, _password, validated) {
      if (state.machines.some((m) => m.machineId === machineId)) {
        throw new CliError(`API error (409): user '${machineId}': user already exist`, EXIT.api);
      }
      state.machines.push(machine(machineId, validated));
    },
    async validateMachine(machineId) {
      const m =
        state.machines.find((x) => x.machineId === machineId) ?? notFound(`machine '${machineId}'`);
      m.isValidated = true;
    },
    async deleteMachine(machineId) {
      if (!state.machines.some((m) => m.machineId === machineId))
        notFound(`machine '${machineId}'`);
      state.machines = state.machines.filter((m) => m.machineId !== machineId);
    },
    listBouncers: async () => state.bouncers,
    async addBouncer(name, key) {
      if (state.bouncers.some((b) => b.name === name)) {
        throw new CliError(`API error (409): bouncer ${name} already exists`, EXIT.api);
      }
      state.bouncers.push(bouncer(name));
      return key ?? "generated-key";
    },
    async deleteBouncer(name) {
      if (!state.bouncers.some((b) => b.name === name)) notFound(`bouncer '${name}'`);
      state.bouncers = state.bouncers.filter((b) => b.name !== name);
    },
    listAllowlists: async () => state.allowlists,
    getAllowlist: async (name) =>
      state.allowlists.find((l) => l.name === name) ?? notFound(`allowlist '${name}'`),
    async createAllowlist(name, description) {
      const list: Allowlist = {
        allowlist_id: `id-${name}`,
        name,
        description,
        created_at: T0,
        updated_at: T0,
        console_managed: false,
        items: [],
      };
      state.allowlists.push(list);
      return list;
    },
    async deleteAllowlist(name) {
      if (!state.allowlists.some((l) => l.name === name)) notFound(`allowlist '${name}'`);
      state.allowlists = state.allowlists.filter((l) => l.name !== name);
    },
    async addAllowlistItems(name, body) {
      const list = await impl.getAllowlist(name);
      const fresh = body.values.filter((v) => !(list.items ?? []).some((i) => i.value === v));
      list.items = [
        ...(list.items ?? []),
        ...fresh.map((value) => ({ value, description: body.comment ?? "", created_at: T0 })),
      ];
      return {
        added: fresh.length,
        skipped: body.values.length - fresh.length,
        decisions_expired: 0,
      };
    },
    async removeAllowlistItems(name, values) {
      const list = await impl.getAllowlist(name);
      const before = list.items?.length ?? 0;
      list.items = (list.items ?? []).filter((i) => !values.includes(i.value));
      return before - list.items.length;
    },
    usageMetrics: async () => [],
    prometheusMetrics: async () => "",
    getConfigDocument: async (kind): Promise<ConfigDocumentView> => {
      const content = state.documents.get(kind);
      return content === undefined
        ? {
            kind,
            source: "default",
            updated_at: null,
            content: kind === "profiles" ? DEFAULT_PROFILES_YAML : "",
          }
        : { kind, source: "stored", updated_at: 1, content };
    },
    async putConfigDocument(kind, content) {
      // The real LAPI refuses an invalid profiles.yaml with 400 and a one-line reason.
      const checked = kind === "profiles" ? compileProfiles(content) : { ok: true as const };
      if (!checked.ok) {
        const reason = `${kind}: ${formatIssue(checked.issue)}`.replace(/\s*\n\s*/g, "; ");
        throw new CliError(`PUT /admin/v1/${kind}: API error (400): ${reason}`, EXIT.api);
      }
      state.documents.set(kind, content);
      return { kind, items: 1, updated_at: 1 };
    },
    listLists: async () => state.lists,
    async addList(l) {
      if (state.lists.some((x) => x.name === l.name)) {
        throw new CliError(`API error (409): list '${l.name}' already exists`, EXIT.api);
      }
      const row: ThirdPartyList = {
        ...l,
        refresh: l.refresh ?? "1h0m0s",
        max_entries: l.max_entries ?? 100_000,
        entries: 0,
        etag: null,
        last_modified: null,
        last_fetch_at: null,
        last_sync_at: null,
        last_status: null,
        last_error: null,
        last_bad_lines: 0,
        created_at: T0,
      };
      state.lists.push(row);
      return row;
    },
    async removeList(name) {
      const at = state.lists.findIndex((x) => x.name === name);
      if (at < 0) notFound(`list '${name}'`);
      const [gone] = state.lists.splice(at, 1);
      return gone!.entries;
    },
    async syncList(name) {
      const l = state.lists.find((x) => x.name === name) ?? notFound(`list '${name}'`);
      return { name, status: "updated", entries: l.entries, added: 0, removed: 0, renewed: 0 };
    },
  };
  const recorded = {} as LapiClient;
  for (const key of Object.keys(impl) as (keyof LapiClient)[]) {
    (recorded as unknown as Record<string, unknown>)[key] = (...args: unknown[]) => {
      state.calls.push({ method: key, args });
      return (impl[key] as (...a: unknown[]) => unknown)(...args);
    };
  }
  for (const key of [
    "calls",
    "alerts",
    "machines",
    "bouncers",
    "allowlists",
    "documents",
    "lists",
  ] as const) {
    Object.defineProperty(recorded, key, { get: () => state[key] });
  }
  return recorded as FakeLapi;
}

function machine(machineId: string, validated: boolean): Machine {
  return {
    machineId,
    ipAddress: "",
    isValidated: validated,
    auth_type: "password",
    version: null,
    scenarios: null,
    os: "",
    created_at: T0,
    updated_at: T0,
    last_heartbeat: null,
    last_push: null,
  };
}

function bouncer(name: string): Bouncer {
  return {
    name,
    ip_address: "",
    type: null,
    version: null,
    auth_type: "api-key",
    auto_created: false,
    revoked: false,
    os: "",
    created_at: T0,
    updated_at: T0,
    last_pull: null,
  };
}

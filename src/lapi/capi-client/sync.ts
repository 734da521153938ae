import type { NewDecision } from "../../db/alerts";
import {
  alertsToShare,
  findClientState,
  localScenarios,
  recordClientProgress,
  saveClientRegistration,
} from "../../db/capi-client-state";
import type { Db } from "../../db/client";
import { applyOriginDelta } from "../../db/decisions-write";
import { parseFilterDuration, parseGoDuration } from "../../shared/duration";
import { parseIpOrRange, toHex } from "../../shared/ip-range";
import { ConfigError } from "../config";
import type { Env } from "../env";
import { type SharingOptions, shareVerdict } from "./sharing";

/**
 * The Central API client run on the cron trigger: register once (credentials kept in D1), log in,
 * push the local alerts the sharing rules allow as signals (50 a request, as CrowdSec), then pull
 * the community stream (startup the first time, deltas after) into decisions of origin `CAPI`.
 */

export interface CapiClientConfig {
  /** Base URL of the central API, with a trailing slash. */
  url: string;
  sharing: SharingOptions;
  /** Least time between two pulls (CrowdSec pulls every 2 h); pushes run on every trigger. */
  pullIntervalMs: number;
}

export interface CapiClientDeps {
  db: Db;
  fetch: typeof fetch;
  config: CapiClientConfig;
  /** The User-Agent sent (CrowdSec's watchers send `crowdsec/<version>`). */
  userAgent: string;
}

export interface CapiClientRun {
  registered: boolean;
  pushed: number;
  added: number;
  expired: number;
}

/** The community decisions of one pull, as CrowdSec's models.Decision (v2 stream). */
interface PulledDecision {
  duration?: string;
  origin?: string;
  scenario?: string;
  scope?: string;
  type?: string;
  value?: string;
}

const PUSH_BATCH = 50;
const ALERTS_PER_RUN = 1000;

export class CapiClientError extends Error {
  override name = "CapiClientError";
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

async function call(
  deps: CapiClientDeps,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
) {
  // Called detached: workerd's fetch refuses to run with `deps` as its `this`.
  const send = deps.fetch;
  const res = await send(new URL(path, deps.config.url), {
    method,
    headers: {
      "User-Agent": deps.userAgent,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) {
    throw new CapiClientError(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  }
  return text === "" ? null : (JSON.parse(text) as unknown);
}

/** The client's settings from the Worker's variables; null when `CAPI_CLIENT` is not `on`. */
export function capiClientConfig(env: Env): CapiClientConfig | null {
  const mode = env.CAPI_CLIENT || "off";
  if (mode !== "on" && mode !== "off") {
    throw new ConfigError(`CAPI_CLIENT: '${mode}' is not 'on' or 'off'`);
  }
  if (mode === "off") return null;
  let url: URL;
  try {
    url = new URL(env.CAPI_CLIENT_URL || "https://api.crowdsec.net/");
  } catch {
    throw new ConfigError(`CAPI_CLIENT_URL: '${env.CAPI_CLIENT_URL}' is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError("CAPI_CLIENT_URL: only http and https URLs");
  }
  const interval = parseFilterDuration(env.CAPI_CLIENT_PULL_INTERVAL || "2h");
  if (!interval.ok) throw new ConfigError(`CAPI_CLIENT_PULL_INTERVAL: ${interval.error}`);
  return {
    url: url.href.endsWith("/") ? url.href : `${url.href}/`,
    sharing: { shareManual: env.CAPI_CLIENT_SHARE_MANUAL === "true" },
    pullIntervalMs: interval.ms,
  };
}

/** One client run at `now`. */
export async function runCapiClient(deps: CapiClientDeps, now: number): Promise<CapiClientRun> {
  const { db, config } = deps;
  let state = await findClientState(db, config.url);
  let registered = false;
  if (!state) {
    // What `cscli capi register` generates: a random machine id and password.
    const creds = { machineId: randomHex(24), password: randomHex(32) };
    await call(deps, "POST", "v2/watchers", {
      machine_id: creds.machineId,
      password: creds.password,
    });
    await saveClientRegistration(db, { url: config.url, ...creds });
    state = await findClientState(db, config.url);
    if (!state) throw new CapiClientError("registration was not stored");
    registered = true;
  }
  const login = (await call(deps, "POST", "v2/watchers/login", {
    machine_id: state.machineId,
    password: state.password,
    scenarios: await localScenarios(db),
  })) as { token?: unknown } | null;
  const token = typeof login?.token === "string" ? login.token : null;
  if (!token) throw new CapiClientError("login answered without a token");

  const pushed = await pushSignals(deps, token, state.pushedUpTo);
  const startup = state.lastPull === null;
  if (!startup && now - state.lastPull! < config.pullIntervalMs) {
    return { registered, pushed, added: 0, expired: 0 };
  }
  const stream = (await call(
    deps,
    "GET",
    `v2/decisions/stream?startup=${startup}`,
    undefined,
    token,
  )) as { new?: PulledDecision[] | null; deleted?: PulledDecision[] | null } | null;
  const applied = await applyPull(db, stream?.new ?? [], stream?.deleted ?? [], now);
  await recordClientProgress(db, config.url, { lastPull: now });
  return { registered, pushed, ...applied };
}

async function pushSignals(deps: CapiClientDeps, token: string, after: number): Promise<number> {
  const rows = await alertsToShare(deps.db, after, ALERTS_PER_RUN);
  if (rows.length === 0) return 0;
  const shared = rows.filter((a) => shareVerdict(a, deps.config.sharing) === "share");
  for (let i = 0; i < shared.length; i += PUSH_BATCH) {
    const signals = shared.slice(i, i + PUSH_BATCH).map((a) => ({
      alert_id: a.id,
      scenario: a.scenario,
      scenario_hash: a.scenarioHash,
      scenario_version: a.scenarioVersion,
      scenario_trust: "certified",
      message: a.message,
      start_at: a.startAt,
      stop_at: a.stopAt,
      created_at: new Date(a.createdAt).toISOString(),
      machine_id: a.machineId,
      source: {
        scope: a.sourceScope,
        value: a.sourceValue,
        ip: a.sourceIp,
        range: a.sourceRange,
        as_number: a.sourceAsNumber,
        as_name: a.sourceAsName,
        cn: a.sourceCountry,
      },
    }));
    await call(deps, "POST", "v2/signals", signals, token);
  }
  // Progress only after every batch went out: a failed run pushes the same alerts again.
  await recordClientProgress(deps.db, deps.config.url, { pushedUpTo: rows.at(-1)!.id });
  return shared.length;
}

/** Pulled decisions as rows of origin `CAPI`; malformed entries are skipped. */
function toDecisions(list: PulledDecision[], now: number): NewDecision[] {
  const out: NewDecision[] = [];
  for (const d of list) {
    if (typeof d.value !== "string" || typeof d.scope !== "string") continue;
    const duration = parseGoDuration(d.duration ?? "", { allowDays: true });
    if (!duration.ok || duration.ms <= 0) continue;
    const scope =
      d.scope.toLowerCase() === "ip" ? "Ip" : d.scope.toLowerCase() === "range" ? "Range" : d.scope;
    let ipSize = 0;
    let startHex: string | null = null;
    let endHex: string | null = null;
    if (scope === "Ip" || scope === "Range") {
      const range = parseIpOrRange(d.value);
      if (!range) continue;
      ipSize = range.size;
      startHex = toHex(range.start);
      endHex = toHex(range.end);
    }
    out.push({
      uuid: crypto.randomUUID(),
      until: now + duration.ms,
      scenario: d.scenario ?? "",
      type: d.type ?? "ban",
      scope,
      value: d.value,
      origin: "CAPI",
      ipSize,
      startHex,
      endHex,
    });
  }
  return out;
}

async function applyPull(db: Db, added: PulledDecision[], deleted: PulledDecision[], now: number) {
  const add = toDecisions(added, now);
  const remove = deleted.flatMap((d) =>
    typeof d.value === "string" && typeof d.scope === "string"
      ? [{ scope: d.scope.toLowerCase() === "ip" ? "Ip" : d.scope, value: d.value }]
      : [],
  );
  const at = new Date(now).toISOString();
  return applyOriginDelta(
    db,
    {
      origin: "CAPI",
      machineId: "",
      add,
      remove,
      // CrowdSec 1.4.6 stores each pull under one alert of the community blocklist.
      alert: {
        uuid: crypto.randomUUID(),
        scenario: `update : +${add.length}/-${remove.length} IPs`,
        scenarioHash: "",
        scenarioVersion: "",
        message: "",
        kind: "",
        eventsCount: 0,
        startAt: at,
        startAtMs: now,
        stopAt: at,
        stopAtMs: now,
        leakspeed: "0",
        capacity: 0,
        simulated: false,
        remediation: true,
        sourceScope: "crowdsecurity/community-blocklist",
        sourceValue: "CAPI",
        sourceIp: "",
        sourceRange: "",
        sourceAsNumber: "",
        sourceAsName: "",
        sourceCountry: "",
        sourceLatitude: 0,
        sourceLongitude: 0,
        events: [],
        meta: [],
      },
    },
    now,
  );
}

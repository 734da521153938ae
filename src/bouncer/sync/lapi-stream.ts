import { parseGoDuration } from "../../shared/duration";
import { widerThan } from "../../shared/min-prefix";
import type { SyncConfig } from "../config";
import { streamObjects } from "./stream-objects";

/** A stream decision (CrowdSec `models.Decision`), normalised the way the bouncer keys it. */
export interface StreamDecision {
  id: number;
  /** Lower-case scope (`ip`, `range`, `as`, `country`). */
  scope: string;
  value: string;
  /** Lower-case type, like the CrowdSec worker bouncer does client-side. */
  type: string;
  origin: string;
  scenario: string;
  /** `fetchedAt + duration`: absolute expiry. */
  untilMs: number;
}

/** Counts of one pull; the decisions themselves go to the caller's sink as they arrive. */
export interface StreamResult {
  new: number;
  deleted: number;
  /** Entries dropped by the client-side filters or for an unparsable duration. */
  filtered: number;
  /** Range decisions dropped for being wider than `minPrefix` (also counted in `filtered`). */
  wide: number;
}

/** Receives each decision of a pull, `deleted` and `new` in the order LAPI sent them. */
export type StreamSink = (list: "new" | "deleted", decision: StreamDecision) => void;

/** How the bouncer reaches LAPI: a service binding when deployed with Rampart, else HTTP(S). */
export type LapiFetch = (path: string, init: RequestInit) => Promise<Response>;

export const BOUNCER_USER_AGENT = "rampart-cloudflare-bouncer/v0.1.0";

/** Builds the transport from the Worker's bindings. */
export function lapiTransport(binding: Fetcher | undefined, config: SyncConfig): LapiFetch {
  if (binding) return (path, init) => binding.fetch(`https://lapi.internal/${path}`, init);
  const base = config.lapiUrl;
  if (!base)
    return () =>
      Promise.reject(new Error("neither a LAPI service binding nor LAPI_URL is configured"));
  return (path, init) => fetch(`${base}${path}`, init);
}

/**
 * `GET /v1/decisions/stream` (docs/bouncer.md), read incrementally (stream-objects.ts). The filters
 * are sent as query parameters (LAPI filters server-side) and applied again here, so a LAPI that
 * ignores one of them cannot widen what the bouncer enforces. Deletions are never filtered:
 * removing something the bouncer does not hold is harmless.
 */
export async function pullStream(
  lapi: LapiFetch,
  config: SyncConfig,
  startup: boolean,
  now: () => number,
  sink: StreamSink,
): Promise<StreamResult> {
  const q = new URLSearchParams();
  if (startup) q.set("startup", "true");
  q.set("scopes", config.scopes.join(","));
  if (config.origins.length) q.set("origins", config.origins.join(","));
  if (config.scenariosContaining.length)
    q.set("scenarios_containing", config.scenariosContaining.join(","));
  if (config.scenariosNotContaining.length) {
    q.set("scenarios_not_containing", config.scenariosNotContaining.join(","));
  }
  const res = await lapi(`v1/decisions/stream?${q}`, {
    headers: {
      "X-Api-Key": config.lapiKey,
      "User-Agent": BOUNCER_USER_AGENT,
      Accept: "application/json",
    },
    // A startup body of a million decisions takes minutes to stream and stage; the alarm that
    // runs the pull may last 15 min.
    signal: AbortSignal.timeout(600_000),
  });
  if (res.status !== 200 || !res.body) {
    const text = await res.text();
    throw new Error(`LAPI stream: HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
  // Durations are relative to when LAPI answered.
  const at = now();
  const result: StreamResult = { new: 0, deleted: 0, filtered: 0, wide: 0 };
  for await (const { list, value } of streamObjects(res.body)) {
    if (list !== "new" && list !== "deleted") continue;
    const d = normalise(value, at);
    if (d === null || (list === "new" && !passesFilters(d, config))) {
      result.filtered++;
      continue;
    }
    if (list === "new" && widerThan(d.scope, d.value, config.minPrefix)) {
      console.warn(
        `bouncer: not enforcing ${d.scope} decision ${d.value} (id ${d.id}, ${d.origin}): wider than MIN_RANGE_PREFIX /${config.minPrefix.v4},/${config.minPrefix.v6}`,
      );
      result.filtered++;
      result.wide++;
      continue;
    }
    result[list]++;
    sink(list, d);
  }
  return result;
}

function normalise(raw: unknown, at: number): StreamDecision | null {
  if (typeof raw !== "object" || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.value !== "string" || typeof r.scope !== "string" || typeof r.type !== "string")
    return null;
  const d = parseGoDuration(typeof r.duration === "string" ? r.duration : "");
  if (!d.ok) return null;
  return {
    id: typeof r.id === "number" ? r.id : Number(r.id ?? Number.NaN),
    scope: r.scope.toLowerCase(),
    value: r.value,
    type: r.type.toLowerCase(),
    origin: typeof r.origin === "string" ? r.origin : "",
    scenario: typeof r.scenario === "string" ? r.scenario : "",
    untilMs: at + d.ms,
  };
}

/** LAPI's filters (pkg/database/decisions.go): exact origins; scenario substrings, any case. */
export function passesFilters(d: StreamDecision, config: SyncConfig): boolean {
  if (!config.scopes.includes(d.scope)) return false;
  if (config.origins.length && !config.origins.includes(d.origin)) return false;
  const scenario = d.scenario.toLowerCase();
  if (
    config.scenariosContaining.length &&
    !config.scenariosContaining.some((s) => scenario.includes(s.toLowerCase()))
  ) {
    return false;
  }
  if (config.scenariosNotContaining.some((s) => scenario.includes(s.toLowerCase()))) return false;
  return true;
}

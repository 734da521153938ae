import type { NewAlert, NewDecision } from "../../db/alerts";
import { parseGoDuration } from "../../shared/duration";
import { parseIpOrRange, toHex } from "../../shared/ip-range";
import { ApiError } from "../errors";
import { normalizeScope } from "../query-params";
import type { ValidAlert } from "./alert";
import { alertTimeOrNow } from "./alert-time";

/**
 * Turns a validated POST /v1/alerts item into the rows to store, with CrowdSec's rules
 * (pkg/database/alerts.go): times fall back to now, `until = stop_at + duration`, scopes are
 * normalised (1.5+), Ip/Range decisions get their IP columns, uuids are regenerated and the
 * client's ids, `created_at`, labels and decision `until` are ignored.
 */

/** CrowdSec's column limits (ent schema): longer meta keys/values are truncated like 1.5+. */
const META_KEY_MAX = 255;
const META_VALUE_MAX = 4095;
const EVENT_SERIALIZED_MAX = 8191;

const CREATE_FAILED = "unable to create alerts";

/** The shortest decimal that reads back as the same float32 (Go marshals float32 that way). */
export function float32Value(v: number | undefined): number {
  if (v === undefined) return 0;
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return f;
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/** Go's `net.ParseCIDR` / `net.ParseIP` failure text as CrowdSec 1.4.6 wraps it. */
function addrError(value: string): string {
  const detail = value.includes("/")
    ? `while parsing range ${value}: invalid CIDR address: ${value}`
    : "invalid address";
  // "unable to parse duration" is CrowdSec's (misleading) error kind for this failure.
  return `${CREATE_FAILED}: invalid addr/range ${value} : ${detail}: unable to parse duration`;
}

function serializeEventMeta(items: { key?: string; value?: string }[]): string {
  const meta = items.map((m) => ({ key: m.key ?? "", value: m.value ?? "" }));
  const encode = () =>
    JSON.stringify(
      meta.map((m) => ({
        ...(m.key ? { key: m.key } : {}),
        ...(m.value ? { value: m.value } : {}),
      })),
    );
  let out = encode();
  // CrowdSec 1.5+ shortens values until the serialized meta fits its column, else drops it.
  while (out.length > EVENT_SERIALIZED_MAX) {
    const longest = meta.reduce((a, b) => (b.value.length > a.value.length ? b : a), meta[0]!);
    if (!longest || longest.value.length === 0) return "[]";
    longest.value = longest.value.slice(0, Math.floor(longest.value.length / 2));
    out = encode();
  }
  return out;
}

/**
 * Prepares one alert. Throws CrowdSec 1.4.6's 500 for a bad decision duration or address: the
 * whole request fails and nothing is written (see docs/compatibility.md "Alerts").
 */
export function prepareAlert(a: ValidAlert, now: number): NewAlert {
  const startAt = alertTimeOrNow(a.start_at, now);
  const stopAt = alertTimeOrNow(a.stop_at, now);
  const decisions: NewDecision[] = [];
  for (const d of a.decisions ?? []) {
    if (!d) continue;
    const duration = parseGoDuration(d.duration, { allowDays: true });
    if (!duration.ok) {
      throw new ApiError(
        "serverError",
        `${CREATE_FAILED}: decision duration '${d.duration}' : ${duration.error}: unable to parse duration`,
      );
    }
    const scope = normalizeScope(d.scope);
    let ipSize = 0;
    let startHex: string | null = null;
    let endHex: string | null = null;
    if (scope === "Ip" || scope === "Range") {
      const range = parseIpOrRange(d.value);
      if (!range) throw new ApiError("serverError", addrError(d.value));
      ipSize = range.size;
      startHex = toHex(range.start);
      endHex = toHex(range.end);
    }
    decisions.push({
      uuid: crypto.randomUUID(),
      until: Math.round(stopAt.ms + duration.ms),
      scenario: d.scenario,
      type: d.type,
      scope,
      value: d.value,
      origin: d.origin,
      ipSize,
      startHex,
      endHex,
    });
  }
  const events: [string, string][] = [];
  for (const e of a.events) {
    if (!e || e.timestamp === undefined) continue;
    const time = alertTimeOrNow(e.timestamp, now);
    events.push([time.text, serializeEventMeta((e.meta ?? []).filter((m) => m !== undefined))]);
  }
  const meta: [string, string][] = [];
  for (const m of a.meta ?? []) {
    if (!m) continue;
    meta.push([(m.key ?? "").slice(0, META_KEY_MAX), (m.value ?? "").slice(0, META_VALUE_MAX)]);
  }
  const s = a.source;
  return {
    uuid: crypto.randomUUID(),
    scenario: a.scenario,
    scenarioHash: a.scenario_hash,
    scenarioVersion: a.scenario_version,
    message: a.message,
    kind: a.kind ?? "",
    eventsCount: a.events_count,
    startAt: startAt.text,
    startAtMs: startAt.ms,
    stopAt: stopAt.text,
    stopAtMs: stopAt.ms,
    leakspeed: a.leakspeed,
    capacity: a.capacity,
    simulated: a.simulated,
    remediation: a.remediation ?? false,
    sourceScope: normalizeScope(s.scope),
    sourceValue: s.value,
    sourceIp: s.ip ?? "",
    sourceRange: s.range ?? "",
    sourceAsNumber: s.as_number ?? "",
    sourceAsName: s.as_name ?? "",
    sourceCountry: s.cn ?? "",
    sourceLatitude: float32Value(s.latitude),
    sourceLongitude: float32Value(s.longitude),
    events,
    meta,
    decisions,
  };
}

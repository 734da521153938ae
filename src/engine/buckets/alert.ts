import { goDurationString } from "../../shared/duration.js";
import { formatAddress, parseIpOrRange } from "../../shared/ip-range.js";
import {
  type RequiredAlertScalar,
  type WireAlert,
  type WireEvent,
  type WireMetaItem,
  type WireSourceWithScope,
  wireSource,
} from "../../shared/wire/alert.js";
import { type AlertSource, EventType, type OverflowAlert } from "../event.js";
import type { CompiledScenario } from "./compile.js";
import { goTimeString, parseMarshaledTime } from "./event-time.js";
import { type QueuedEvent, reviveEvent } from "./queued-event.js";

/** `models.Source` as JSON (`omitempty` everywhere but scope and value). */
export type AlertSourceBody = WireSourceWithScope;

/** One element of the `POST /v1/alerts` body, as 1.4.6 `NewAlert` fills it. */
export type AlertBody = Required<Pick<WireAlert, RequiredAlertScalar | "remediation">> & {
  events: (Required<Pick<WireEvent, "timestamp">> & { meta: Required<WireMetaItem>[] })[];
  source: AlertSourceBody;
};

/** The bucket counters `NewAlert` reads. */
export interface AlertInput {
  totalCount: number;
  firstTs: string;
  lastTs: string;
  ovflwTs: string;
  queue: readonly QueuedEvent[];
}

/** 1.4.6 `types.RuntimeAlert` minus the Go plumbing: sources, one API alert per source. */
export interface BuiltAlert {
  sources: Record<string, AlertSource>;
  alerts: AlertBody[];
}

function emptySource(scope: string): AlertSource {
  return {
    AsName: "",
    AsNumber: "",
    Cn: "",
    IP: "",
    Latitude: 0,
    Longitude: 0,
    Range: "",
    Scope: scope,
    Value: "",
  };
}

const has = (map: Record<string, string>, key: string) => Object.hasOwn(map, key);

function runScope(scenario: CompiledScenario, q: QueuedEvent): string {
  const value = scenario.scopeExpr!.run({ evt: reviveEvent(q) });
  return typeof value === "string" ? value : "";
}

/** 1.4.6 `SourceFromEvent`: the sources one queued event contributes, keyed by value. */
function sourcesOfEvent(scenario: CompiledScenario, q: QueuedEvent): Record<string, AlertSource> {
  const scope = scenario.scopeType;
  const out: Record<string, AlertSource> = {};
  if (q.Type === EventType.OVFLW) {
    // Already-formatted sources, re-scoped (ban-defcon-drop_range: Ip → Range).
    for (const [key, v] of Object.entries(q.Overflow?.Sources ?? {})) {
      if (v.Scope === scope) {
        out[key] = v;
        continue;
      }
      if (scope === "Range" && v.Scope === "Ip") {
        const src: AlertSource = { ...v, IP: "", Scope: scope, Value: v.Range };
        if (scenario.scopeExpr) src.Value = runScope(scenario, q);
        if (src.Value !== "") out[src.Value] = src;
      }
    }
    return out;
  }
  if (scope === "Ip" || scope === "Range") {
    if (!has(q.Meta, "source_ip")) {
      throw new Error(`scope is ${scope} but Meta[source_ip] doesn't exist`);
    }
    const ip = q.Meta.source_ip!;
    // Go `net.ParseIP`: no CIDR, no zone, no legacy IPv4 forms.
    if (ip.includes("/") || parseIpOrRange(ip) === null) {
      throw new Error(`scope is ${scope} but '${ip}' isn't a valid ip`);
    }
    const src = emptySource(scope);
    src.IP = ip;
    if (has(q.Enriched, "ASNumber")) src.AsNumber = q.Enriched.ASNumber!;
    else if (has(q.Enriched, "ASNNumber")) src.AsNumber = q.Enriched.ASNNumber!;
    if (has(q.Enriched, "IsoCode")) src.Cn = q.Enriched.IsoCode!;
    if (has(q.Enriched, "ASNOrg")) src.AsName = q.Enriched.ASNOrg!;
    for (const [field, key] of [
      ["Latitude", "Latitude"],
      ["Longitude", "Longitude"],
    ] as const) {
      if (!has(q.Enriched, key)) continue;
      const value = Number(q.Enriched[key]);
      if (!Number.isFinite(value)) throw new Error(`bad ${key} '${q.Enriched[key]}'`);
      src[field] = Math.fround(value);
    }
    const declared = q.Meta.SourceRange ?? "";
    if (declared !== "") {
      const range = parseIpOrRange(declared);
      if (!declared.includes("/") || range === null) {
        throw new Error(`Declared range ${declared} of ${ip} can't be parsed`);
      }
      src.Range = canonicalCidr(declared);
    }
    src.Value = scope === "Ip" ? src.IP : src.Range;
    if (scope === "Range" && scenario.scopeExpr) src.Value = runScope(scenario, q);
    out[src.Value] = src;
    return out;
  }
  if (!scenario.scopeExpr) throw new Error("empty scope information");
  const src = emptySource(scope);
  src.Value = runScope(scenario, q);
  out[src.Value] = src;
  return out;
}

/** `ipNet.String()` of a parsed CIDR: the network address, host bits cleared. */
function canonicalCidr(cidr: string): string {
  const range = parseIpOrRange(cidr)!;
  return `${formatAddress(range.start)}/${range.prefix}`;
}

/** 1.4.6 `EventsFromQueue`: meta sorted by key, MarshaledTime or `evt.Time` as timestamp. */
function eventsFromQueue(queue: readonly QueuedEvent[]): AlertBody["events"] {
  return queue.map((q) => {
    const meta = Object.keys(q.Meta)
      .sort()
      .map((key) => ({ key, value: q.Meta[key]! }));
    // No MarshaledTime: the runtime `evt.Time`, as Go's MarshalText prints it (no trailing zeros).
    const timestamp = q.MarshaledTime !== "" ? q.MarshaledTime : q.Time.replace(/\.?0*Z$/, "Z");
    return { meta, timestamp };
  });
}

function sourceBody(src: AlertSource): AlertSourceBody {
  return wireSource({
    as_name: src.AsName,
    as_number: src.AsNumber,
    cn: src.Cn,
    ip: src.IP,
    latitude: src.Latitude,
    longitude: src.Longitude,
    range: src.Range,
    scope: src.Scope,
    value: src.Value,
  });
}

/**
 * 1.4.6 `NewAlert`: collects the sources of every queued event (one scope for all, else an error),
 * writes the message `<scope> <source|N sources|UNKNOWN> performed '<name>' (<n> events over
 * <stop−start>) at <Last_ts>` and one API alert per source. Throws where 1.4.6 fails to create
 * the alert (invalid `source_ip`, mixed scopes): no alert is emitted then.
 */
export function buildAlert(scenario: CompiledScenario, input: AlertInput): BuiltAlert {
  const sources: Record<string, AlertSource> = {};
  let sourceType = "";
  for (const q of input.queue) {
    let found: Record<string, AlertSource>;
    try {
      found = sourcesOfEvent(scenario, q);
    } catch (error) {
      throw new Error(
        `unable to collect sources from bucket: while extracting scope from bucket ${scenario.name}: ${(error as Error).message}`,
      );
    }
    for (const [key, src] of Object.entries(found)) {
      if (sourceType === "") sourceType = src.Scope;
      if (src.Scope !== sourceType) {
        throw new Error(`event has multiple source types : ${src.Scope} != ${sourceType}`);
      }
      sources[key] = src;
    }
  }
  const keys = Object.keys(sources);
  const sourceText = keys.length > 1 ? `${keys.length} sources` : (keys[0] ?? "UNKNOWN");
  const first = parseMarshaledTime(input.firstTs);
  const stop = parseMarshaledTime(input.ovflwTs);
  const span = first && stop ? (stop.us - first.us) / 1000 : 0;
  const message = `${sourceType} ${sourceText} performed '${scenario.name}' (${input.totalCount} events over ${goDurationString(span)}) at ${goTimeString(input.lastTs)}`;
  const events = eventsFromQueue(input.queue);
  const alerts = keys.map(
    (key): AlertBody => ({
      capacity: scenario.capacity,
      events,
      events_count: input.totalCount,
      leakspeed: scenario.leakspeedText,
      message,
      remediation: scenario.remediation,
      scenario: scenario.name,
      scenario_hash: scenario.hash,
      scenario_version: scenario.version,
      simulated: scenario.simulated,
      source: sourceBody(sources[key]!),
      start_at: input.firstTs,
      stop_at: input.ovflwTs,
    }),
  );
  return { sources, alerts };
}

/** The alert as expressions on the overflow event see it (`evt.Overflow.Alert.Source.IP`). */
export function expressionAlert(
  scenario: CompiledScenario,
  built: BuiltAlert,
): OverflowAlert | null {
  const first = built.alerts[0];
  if (!first) return null;
  const source = built.sources[first.source.value] ?? null;
  return {
    Scenario: first.scenario,
    ScenarioHash: first.scenario_hash,
    ScenarioVersion: first.scenario_version,
    Capacity: first.capacity,
    EventsCount: first.events_count,
    Leakspeed: first.leakspeed,
    Message: first.message,
    StartAt: first.start_at,
    StopAt: first.stop_at,
    Simulated: first.simulated,
    Remediation: scenario.remediation,
    Source: source,
    Events: first.events.map((e) => ({
      Timestamp: e.timestamp,
      Meta: e.meta.map((m) => ({ Key: m.key, Value: m.value })),
    })),
  };
}

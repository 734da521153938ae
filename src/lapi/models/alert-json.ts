import type { AlertRecord } from "../../db/alerts";
import { formatGoDuration } from "../../shared/duration";
import { wireSource } from "../../shared/wire/alert";
import { goTimeString, rfc3339Seconds } from "./alert-time";

/**
 * An alert as CrowdSec's `FormatOneAlert` (pkg/apiserver/controllers/v1/alerts.go) + gin's `c.JSON`
 * print it (types from pkg/models): keys in the Go struct's (alphabetical) order,
 * `decisions`/`events`/`labels` as `null` when empty, empty optional fields omitted, each decision
 * carrying the alert's `simulated` flag (1.4.6 cscli dereferences it), durations as the remaining
 * time rounded to seconds (1.6.3+).
 *
 * `start_at`/`stop_at` are RFC3339 like CrowdSec 1.7+ (1.4.6 printed Go `Time.String()`): both
 * cscli generations print the string verbatim, and RFC3339 is what other tools can parse.
 * Event timestamps stay in Go `Time.String()` form, as every CrowdSec release prints them.
 */
export function alertJson(r: AlertRecord, now: number): Record<string, unknown> {
  const a = r.alert;
  const { simulated } = a;
  const decisions =
    r.decisions && r.decisions.length > 0
      ? r.decisions.map((d) => ({
          duration: formatGoDuration(d.until - now),
          id: d.id,
          origin: d.origin,
          scenario: d.scenario,
          scope: d.scope,
          simulated,
          type: d.type,
          value: d.value,
        }))
      : null;
  const events =
    r.events.length > 0
      ? r.events.map((e) => ({ meta: JSON.parse(e.serialized), timestamp: goTimeString(e.time) }))
      : null;
  const source = wireSource({
    as_name: a.sourceAsName,
    as_number: a.sourceAsNumber,
    cn: a.sourceCountry,
    ip: a.sourceIp,
    latitude: a.sourceLatitude,
    longitude: a.sourceLongitude,
    range: a.sourceRange,
    scope: a.sourceScope,
    value: a.sourceValue,
  });
  const out: Record<string, unknown> = {
    capacity: a.capacity,
    created_at: rfc3339Seconds(a.createdAt),
    decisions,
    events,
    events_count: a.eventsCount,
    id: a.id,
  };
  if (a.kind) out.kind = a.kind;
  out.labels = null;
  out.leakspeed = a.leakspeed;
  out.machine_id = a.machineId;
  out.message = a.message;
  if (r.meta.length > 0) {
    out.meta = r.meta.map((m) => ({
      ...(m.key ? { key: m.key } : {}),
      ...(m.value ? { value: m.value } : {}),
    }));
  }
  if (a.remediation) out.remediation = true;
  out.scenario = a.scenario;
  out.scenario_hash = a.scenarioHash;
  out.scenario_version = a.scenarioVersion;
  out.simulated = simulated;
  out.source = source;
  out.start_at = rfc3339Seconds(a.startAtMs);
  out.stop_at = rfc3339Seconds(a.stopAtMs);
  if (a.uuid) out.uuid = a.uuid;
  return out;
}

/**
 * One line per alert for the differential tests of the bucket engine: the fields both sides must
 * agree on beyond the (scenario, source) pair. Read from the reference's `-dump-data`
 * `bucket-dump.yaml` (CrowdSec 1.4.6) or from Rampart's alert bodies.
 */
import type { AlertBody } from "../../src/engine/buckets/alert.js";

/** The compared fields of one alert. */
export interface AlertProjection {
  scenario: string;
  source: string;
  events_count: number;
  events: number;
  start_at: string;
  stop_at: string;
  capacity: number;
  leakspeed: string;
  remediation: boolean;
  scenario_hash: string;
  scenario_version: string;
  message: string;
}

/** `scenario source`, the unit of the set comparison. */
export const pairOf = (p: { scenario: string; source: string }) => `${p.scenario} ${p.source}`;

/** Projects a Rampart alert body (`POST /v1/alerts` element). */
export function projectAlert(alert: AlertBody): AlertProjection {
  return {
    scenario: alert.scenario,
    source: alert.source.value,
    events_count: alert.events_count,
    events: alert.events.length,
    start_at: alert.start_at,
    stop_at: alert.stop_at,
    capacity: alert.capacity,
    leakspeed: alert.leakspeed,
    remediation: alert.remediation,
    scenario_hash: alert.scenario_hash,
    scenario_version: alert.scenario_version,
    message: alert.message,
  };
}

/**
 * The reference side: 1.4.6 `-dump-data` writes every overflow event to `bucket-dump.yaml`
 * (`Overflow.Alert` is null for a blackholed one; go-yaml lowercases the field names); one alert
 * per source.
 */
export function referenceAlerts(dump: unknown): AlertProjection[] {
  const out: AlertProjection[] = [];
  for (const evt of Array.isArray(dump) ? dump : []) {
    const overflow = (evt as { Overflow?: { Alert?: Record<string, unknown>; Sources?: object } })
      .Overflow;
    const alert = overflow?.Alert;
    if (!alert?.scenario) continue;
    for (const source of Object.keys(overflow?.Sources ?? {})) {
      out.push({
        scenario: String(alert.scenario),
        source,
        events_count: Number(alert.eventscount),
        events: (alert.events as unknown[]).length,
        start_at: String(alert.startat),
        stop_at: String(alert.stopat),
        capacity: Number(alert.capacity),
        leakspeed: String(alert.leakspeed),
        remediation: alert.remediation === true,
        scenario_hash: String(alert.scenariohash),
        scenario_version: String(alert.scenarioversion),
        message: String(alert.message),
      });
    }
  }
  return out;
}

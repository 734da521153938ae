/**
 * The alert as CrowdSec 1.4.6 hands it to notification plugins: `models.Alert` marshalled by
 * Go (`{{.|toJson}}`), i.e. keys in the model's (alphabetical) field order, `omitempty` fields
 * dropped when empty, `labels` always `null`, no `id`/`uuid`/`created_at` (the alert is not
 * stored yet). Checked field by field against the real http plugin's request body.
 */
import type { GeneratedDecision, ProfileAlertInput } from "../../engine/profiles";
import { float32Value } from "../models/alert-input";

type Json = Record<string, unknown>;

/** Copies `entries` dropping `undefined` and, for omitempty keys, empty values. */
function pick(entries: [string, unknown, "omitempty"?][]): Json {
  const out: Json = {};
  for (const [k, v, omit] of entries) {
    if (v === undefined) continue;
    if (omit && (v === "" || v === 0 || v === false || v === null)) continue;
    out[k] = v;
  }
  return out;
}

const metaJson = (m: { key?: string; value?: string }) =>
  pick([
    ["key", m.key, "omitempty"],
    ["value", m.value, "omitempty"],
  ]);

/** A posted or generated decision as `models.Decision` JSON. */
function decisionJson(d: Partial<GeneratedDecision>): Json {
  return pick([
    ["duration", d.duration ?? ""],
    ["origin", d.origin ?? ""],
    ["scenario", d.scenario ?? ""],
    ["scope", d.scope ?? ""],
    ["simulated", d.simulated ? true : undefined],
    ["type", d.type ?? ""],
    ["value", d.value ?? ""],
  ]);
}

/** `models.Alert` JSON of `alert` as notified, with `decisions` (generated or posted). */
export function alertModelJson(
  alert: ProfileAlertInput,
  machineId: string,
  decisions: readonly Partial<GeneratedDecision>[],
): Json {
  const s = alert.source ?? {};
  const meta = (alert.meta ?? []).filter((m) => m !== undefined);
  return pick([
    ["capacity", alert.capacity ?? 0],
    ["decisions", decisions.length > 0 ? decisions.map(decisionJson) : null],
    [
      "events",
      (alert.events ?? [])
        .filter((e) => e !== undefined)
        .map((e) => ({
          meta: (e.meta ?? []).filter((m) => m !== undefined).map(metaJson),
          timestamp: e.timestamp ?? "",
        })),
    ],
    ["events_count", alert.events_count ?? 0],
    ["labels", null],
    ["leakspeed", alert.leakspeed ?? ""],
    ["machine_id", machineId, "omitempty"],
    ["message", alert.message ?? ""],
    ["meta", meta.length > 0 ? meta.map(metaJson) : undefined],
    ["remediation", alert.remediation, "omitempty"],
    ["scenario", alert.scenario ?? ""],
    ["scenario_hash", alert.scenario_hash ?? ""],
    ["scenario_version", alert.scenario_version ?? ""],
    ["simulated", alert.simulated ?? false],
    [
      "source",
      pick([
        ["as_name", s.as_name, "omitempty"],
        ["as_number", s.as_number, "omitempty"],
        ["cn", s.cn, "omitempty"],
        ["ip", s.ip, "omitempty"],
        ["latitude", float32Value(s.latitude), "omitempty"],
        ["longitude", float32Value(s.longitude), "omitempty"],
        ["range", s.range, "omitempty"],
        ["scope", s.scope ?? ""],
        ["value", s.value ?? ""],
      ]),
    ],
    ["start_at", alert.start_at ?? ""],
    ["stop_at", alert.stop_at ?? ""],
  ]);
}

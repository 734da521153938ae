/**
 * cscli 1.4.6 decodes LAPI answers into its go-swagger models and prints them re-encoded, so its
 * `-o json` output holds only the fields those models know, in struct order (alphabetical):
 * a newer LAPI's `uuid` (1.5+) disappears, for example. These tables are the 1.4.6 field lists
 * (pkg/models/{alert,decision,source,event,meta}.go); `asCscliAlert` applies them.
 */
import type { Alert } from "./lapi-types.js";

/** Field lists of the 1.4.6 models, in their JSON order. */
export const CSCLI_146_FIELDS = {
  alert: [
    "capacity",
    "created_at",
    "decisions",
    "events",
    "events_count",
    "id",
    "labels",
    "leakspeed",
    "machine_id",
    "message",
    "meta",
    "remediation",
    "scenario",
    "scenario_hash",
    "scenario_version",
    "simulated",
    "source",
    "start_at",
    "stop_at",
  ],
  decision: [
    "duration",
    "id",
    "origin",
    "scenario",
    "scope",
    "simulated",
    "type",
    "until",
    "value",
  ],
  source: ["as_name", "as_number", "cn", "ip", "latitude", "longitude", "range", "scope", "value"],
  event: ["meta", "timestamp"],
  meta: ["key", "value"],
} as const;

function pick(value: unknown, fields: readonly string[]): unknown {
  if (value === null || typeof value !== "object") return value;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in src) out[f] = src[f];
  return out;
}

const list = (value: unknown, f: (v: unknown) => unknown) =>
  Array.isArray(value) ? value.map(f) : value;

/** An alert as cscli 1.4.6 would print it. */
export function asCscliAlert(alert: Alert): Alert {
  const a = pick(alert, CSCLI_146_FIELDS.alert) as Record<string, unknown>;
  if ("decisions" in a) a.decisions = list(a.decisions, (d) => pick(d, CSCLI_146_FIELDS.decision));
  if ("source" in a) a.source = pick(a.source, CSCLI_146_FIELDS.source);
  if ("meta" in a) a.meta = list(a.meta, (m) => pick(m, CSCLI_146_FIELDS.meta));
  if ("events" in a) {
    a.events = list(a.events, (e) => {
      const ev = pick(e, CSCLI_146_FIELDS.event) as Record<string, unknown>;
      if ("meta" in ev) ev.meta = list(ev.meta, (m) => pick(m, CSCLI_146_FIELDS.meta));
      return ev;
    });
  }
  return a as unknown as Alert;
}

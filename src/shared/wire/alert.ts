import { type GoType, type GoValue, t } from "../go-json";

/**
 * CrowdSec's `models.Alert` and its parts (pkg/models, generated from localapi_swagger.yaml) as
 * Go decoding specs, and the TypeScript shapes inferred from them ({@link GoValue}). The one
 * declaration of these wire models: the LAPI decodes and validates with it, the bucket engine and
 * the profiles build and read alerts of these shapes, the CLI reads the LAPI's answers as them.
 *
 * Fields are listed in alphabetical order because go-swagger validates (and reports) them in
 * that order. `required` is deliberately *not* set on the specs: go-swagger nests the failures of
 * each sub-object in its own "validation failure list" and stops at the first failing array item,
 * which the LAPI's `validateAlerts` reproduces; the flat list of the generic decoder cannot.
 */

const metaItem = {
  kind: "struct",
  name: "MetaItems0",
  goName: "models.MetaItems0",
  fields: { key: { type: t.string }, value: { type: t.string } },
} as const satisfies GoType;

const meta = { kind: "array", of: metaItem, goName: "models.Meta" } as const satisfies GoType;

const source = {
  kind: "struct",
  name: "Source",
  goName: "models.Source",
  fields: {
    as_name: { type: t.string },
    as_number: { type: t.string },
    cn: { type: t.string },
    ip: { type: t.string },
    latitude: { type: t.float32 },
    longitude: { type: t.float32 },
    range: { type: t.string },
    scope: { type: t.string },
    value: { type: t.string },
  },
} as const satisfies GoType;

const event = {
  kind: "struct",
  name: "Event",
  goName: "models.Event",
  fields: { meta: { type: meta }, timestamp: { type: t.string } },
} as const satisfies GoType;

const decision = {
  kind: "struct",
  name: "Decision",
  goName: "models.Decision",
  fields: {
    duration: { type: t.string },
    id: { type: t.int64 },
    origin: { type: t.string },
    scenario: { type: t.string },
    scope: { type: t.string },
    simulated: { type: t.bool },
    type: { type: t.string },
    until: { type: t.string },
    uuid: { type: t.string },
    value: { type: t.string },
  },
} as const satisfies GoType;

const alert = {
  kind: "struct",
  name: "Alert",
  goName: "models.Alert",
  fields: {
    capacity: { type: t.int32 },
    created_at: { type: t.string },
    decisions: { type: { kind: "array", of: decision, goName: "[]*models.Decision" } },
    events: { type: { kind: "array", of: event, goName: "[]*models.Event" } },
    events_count: { type: t.int32 },
    id: { type: t.int64 },
    kind: { type: t.string },
    labels: { type: t.array(t.string) },
    leakspeed: { type: t.string },
    machine_id: { type: t.string },
    message: { type: t.string },
    meta: { type: meta },
    remediation: { type: t.bool },
    scenario: { type: t.string },
    scenario_hash: { type: t.string },
    scenario_version: { type: t.string },
    simulated: { type: t.bool },
    source: { type: source },
    start_at: { type: t.string },
    stop_at: { type: t.string },
    uuid: { type: t.string },
  },
} as const satisfies GoType;

/** `models.AddAlertsRequest`: the body of POST /v1/alerts. */
export const addAlertsRequest = { kind: "array", of: alert } as const satisfies GoType;

export const ADD_ALERTS_GO_NAME = "models.AddAlertsRequest";

/** `models.MetaItems0`: one key/value of an alert's or an event's meta. */
export type WireMetaItem = GoValue<typeof metaItem>;
/** `models.Source`. */
export type WireSource = GoValue<typeof source>;
/** `models.Event`. */
export type WireEvent = GoValue<typeof event>;
/** `models.Decision`. */
export type WireDecision = GoValue<typeof decision>;
/** `models.Alert` as decoded: every field optional, `null` items as `undefined`. */
export type WireAlert = GoValue<typeof alert>;

/** The scalar alert fields go-swagger requires of a posted alert (besides `events` and `source`). */
export type RequiredAlertScalar =
  | "capacity"
  | "events_count"
  | "leakspeed"
  | "message"
  | "scenario"
  | "scenario_hash"
  | "scenario_version"
  | "simulated"
  | "start_at"
  | "stop_at";

/** `T` with the fields `K` present (not optional, not `undefined`). */
export type WithRequired<T, K extends keyof T> = T & Required<Pick<T, K>>;

/** A source with its `scope` and `value` (the fields go-swagger requires). */
export type WireSourceWithScope = WithRequired<WireSource, "scope" | "value">;

/**
 * A source as `models.Source` marshals it: the optional fields carry `omitempty`, so a zero value
 * (empty string, 0) is left out; fields in the struct's declaration order, as Go writes them.
 */
export function wireSource(fields: WireSourceWithScope): WireSourceWithScope {
  const out: Partial<WireSourceWithScope> = {};
  for (const key of [
    "as_name",
    "as_number",
    "cn",
    "ip",
    "latitude",
    "longitude",
    "range",
  ] as const) {
    const value = fields[key];
    if (value) (out as Record<string, unknown>)[key] = value;
  }
  return { ...out, scope: fields.scope, value: fields.value };
}

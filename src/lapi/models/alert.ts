import { type GoType, t } from "../../shared/go-json";

/**
 * CrowdSec's `models.Alert` and its parts (pkg/models, generated from localapi_swagger.yaml) as Go
 * decoding specs, the decoded TypeScript shapes, and go-swagger's validation of them.
 *
 * Fields are listed in alphabetical order because go-swagger validates (and reports) them in
 * that order. `required` is deliberately *not* set on the specs: go-swagger nests the failures of
 * each sub-object in its own "validation failure list" and stops at the first failing array item,
 * which {@link validateAlerts} reproduces; the flat list of the generic decoder cannot.
 */

const metaItem: GoType = {
  kind: "struct",
  name: "MetaItems0",
  goName: "models.MetaItems0",
  fields: { key: { type: t.string }, value: { type: t.string } },
};

const meta: GoType = { kind: "array", of: metaItem, goName: "models.Meta" };

const source: GoType = {
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
};

const event: GoType = {
  kind: "struct",
  name: "Event",
  goName: "models.Event",
  fields: { meta: { type: meta }, timestamp: { type: t.string } },
};

const decision: GoType = {
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
};

const alert: GoType = {
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
};

/** `models.AddAlertsRequest`: the body of POST /v1/alerts. */
export const addAlertsRequest: GoType = { kind: "array", of: alert };

export const ADD_ALERTS_GO_NAME = "models.AddAlertsRequest";

export interface MetaItem {
  key?: string;
  value?: string;
}

export interface SourceIn {
  as_name?: string;
  as_number?: string;
  cn?: string;
  ip?: string;
  latitude?: number;
  longitude?: number;
  range?: string;
  scope?: string;
  value?: string;
}

export interface EventIn {
  meta?: MetaItem[];
  timestamp?: string;
}

export interface DecisionIn {
  duration?: string;
  origin?: string;
  scenario?: string;
  scope?: string;
  type?: string;
  value?: string;
}

/** An alert as decoded (every field optional until {@link validateAlerts} passed). */
export interface AlertIn {
  capacity?: number;
  decisions?: (DecisionIn | undefined)[];
  events?: (EventIn | undefined)[];
  events_count?: number;
  kind?: string;
  leakspeed?: string;
  message?: string;
  meta?: (MetaItem | undefined)[];
  remediation?: boolean;
  scenario?: string;
  scenario_hash?: string;
  scenario_version?: string;
  simulated?: boolean;
  source?: SourceIn;
  start_at?: string;
  stop_at?: string;
}

/** One go-swagger error: a line, or a nested composite with its own header. */
type SwaggerError = string | SwaggerError[];

/** Alert fields go-swagger validates, in its order; `true` marks the required ones. */
const ALERT_VALIDATION: readonly [keyof AlertIn, boolean][] = [
  ["capacity", true],
  ["decisions", false],
  ["events", true],
  ["events_count", true],
  ["leakspeed", true],
  ["message", true],
  ["meta", false],
  ["scenario", true],
  ["scenario_hash", true],
  ["scenario_version", true],
  ["simulated", true],
  ["source", true],
  ["start_at", true],
  ["stop_at", true],
];
const DECISION_REQUIRED = ["duration", "origin", "scenario", "scope", "type", "value"] as const;

function required(prefix: string, obj: object, names: readonly string[]): string[] {
  const record = obj as Record<string, unknown>;
  return names
    .filter((n) => record[n] === undefined)
    .map((n) => `${prefix}${n} in body is required`);
}

/** First failing item of an array, go-swagger style (generated slice validators stop there). */
function firstFailure<T>(
  items: (T | undefined)[] | undefined,
  check: (item: T, i: number) => SwaggerError[],
): SwaggerError[] | null {
  for (let i = 0; i < (items?.length ?? 0); i++) {
    const item = items![i];
    if (item === undefined) continue;
    const errs = check(item, i);
    if (errs.length > 0) return errs;
  }
  return null;
}

function validateAlert(a: AlertIn, p: string): SwaggerError[] {
  const errs: SwaggerError[] = [];
  for (const [field, isRequired] of ALERT_VALIDATION) {
    if (field === "decisions") {
      const failed = firstFailure(a.decisions, (d, i) =>
        required(`${p}decisions.${i}.`, d, DECISION_REQUIRED),
      );
      if (failed) errs.push(failed);
    } else if (field === "events") {
      if (a.events === undefined) errs.push(`${p}events in body is required`);
      const failed = firstFailure(a.events, (e, i) =>
        required(`${p}events.${i}.`, e, ["meta", "timestamp"]),
      );
      if (failed) errs.push(failed);
    } else if (field === "source") {
      if (a.source === undefined) errs.push(`${p}source in body is required`);
      else {
        const failed = required(`${p}source.`, a.source, ["scope", "value"]);
        if (failed.length > 0) errs.push(failed);
      }
    } else if (isRequired && a[field] === undefined) {
      errs.push(`${p}${field} in body is required`);
    }
  }
  return errs;
}

function render(errs: SwaggerError[]): string {
  const lines = errs.map((e) => (typeof e === "string" ? e : render(e)));
  return ["validation failure list:", ...lines].join("\n");
}

/**
 * go-swagger's `AddAlertsRequest.Validate`: the first invalid alert only, its failures in field
 * order, each nested object (source, the first invalid event, the first invalid decision) as its
 * own "validation failure list" block, exactly as CrowdSec 1.4.6 prints it. `null` items pass,
 * as in go-swagger (the caller drops them; CrowdSec then panics on them). Returns null when valid.
 */
export function validateAlerts(alerts: (AlertIn | undefined)[]): string | null {
  for (let i = 0; i < alerts.length; i++) {
    const a = alerts[i];
    if (a === undefined) continue;
    const errs = validateAlert(a, `${i}.`);
    if (errs.length > 0) return render(errs);
  }
  return null;
}

/** A validated alert: the required fields are present. */
export type ValidAlert = AlertIn &
  Required<
    Pick<
      AlertIn,
      | "capacity"
      | "events"
      | "events_count"
      | "leakspeed"
      | "message"
      | "scenario"
      | "scenario_hash"
      | "scenario_version"
      | "simulated"
      | "source"
      | "start_at"
      | "stop_at"
    >
  > & { decisions?: Required<DecisionIn>[]; source: Required<Pick<SourceIn, "scope" | "value">> };

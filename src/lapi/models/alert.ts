import type {
  RequiredAlertScalar,
  WireAlert,
  WireDecision,
  WireSource,
} from "../../shared/wire/alert";

/**
 * go-swagger's validation of CrowdSec's `models.Alert` (the body of POST /v1/alerts). The Go
 * decoding specs and the decoded shapes are the shared wire model (`src/shared/wire/alert.ts`).
 */

export { ADD_ALERTS_GO_NAME, addAlertsRequest } from "../../shared/wire/alert";

/** An alert as decoded (every field optional until {@link validateAlerts} passed). */
export type AlertIn = WireAlert;

/** The decision fields go-swagger requires of a posted decision. */
export type DecisionIn = Pick<
  WireDecision,
  "duration" | "origin" | "scenario" | "scope" | "type" | "value"
>;

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
  Required<Pick<AlertIn, RequiredAlertScalar | "events" | "source">> & {
    decisions?: Required<DecisionIn>[];
    source: Required<Pick<WireSource, "scope" | "value">>;
  };

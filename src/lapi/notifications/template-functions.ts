/**
 * The functions and field names Rampart's Go-template subset knows (see go-template.ts): Go's
 * builtins and the sprig functions CrowdSec's notification examples use, as a table.
 */
import { formatValue, goSprintf } from "../../engine/expr/go-sprintf";
import { goHtmlEscape } from "../../shared/go-json-escape";

/** Go field name → JSON key of the `models.Alert` family (Alert, Source, Decision, Event, Meta). */
export const GO_FIELDS: Record<string, string> = {
  Capacity: "capacity",
  CreatedAt: "created_at",
  Decisions: "decisions",
  Events: "events",
  EventsCount: "events_count",
  ID: "id",
  Kind: "kind",
  Labels: "labels",
  Leakspeed: "leakspeed",
  MachineID: "machine_id",
  Message: "message",
  Meta: "meta",
  Remediation: "remediation",
  Scenario: "scenario",
  ScenarioHash: "scenario_hash",
  ScenarioVersion: "scenario_version",
  Simulated: "simulated",
  Source: "source",
  StartAt: "start_at",
  StopAt: "stop_at",
  UUID: "uuid",
  AsName: "as_name",
  AsNumber: "as_number",
  Cn: "cn",
  IP: "ip",
  Latitude: "latitude",
  Longitude: "longitude",
  Range: "range",
  Scope: "scope",
  Value: "value",
  Duration: "duration",
  Origin: "origin",
  Type: "type",
  Until: "until",
  Timestamp: "timestamp",
  Key: "key",
};

export type TemplateFn = (...args: unknown[]) => unknown;

/** Go template truth: false, 0, nil, "" and empty collections are false. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** Go's encoding/json: HTML-sensitive characters escaped. */
function goJson(v: unknown, indent?: string): string {
  return goHtmlEscape(JSON.stringify(v ?? null, null, indent));
}

/** How a value prints (`{{.}}`): strings as is, the rest as Go `%v`. */
export const str = (v: unknown) => (typeof v === "string" ? v : formatValue(v));

function compare(op: string, a: unknown, b: unknown): boolean {
  if (op === "eq") return a === b || (a == null && b == null);
  if (op === "ne") return !(a === b || (a == null && b == null));
  if (typeof a !== typeof b || (typeof a !== "number" && typeof a !== "string")) {
    throw new Error(`incompatible types for comparison`);
  }
  const x = a as number | string;
  const y = b as number | string;
  return op === "lt" ? x < y : op === "le" ? x <= y : op === "gt" ? x > y : x >= y;
}

/** The function table (Go builtins and the sprig subset). */
export const TEMPLATE_FUNCTIONS: Record<string, TemplateFn> = {
  and: (...a) => a.find((v) => !truthy(v)) ?? a[a.length - 1],
  or: (...a) => a.find((v) => truthy(v)) ?? a[a.length - 1],
  not: (v) => !truthy(v),
  len: (v) => {
    if (typeof v === "string") return new TextEncoder().encode(v).length;
    if (Array.isArray(v)) return v.length;
    if (v && typeof v === "object") return Object.keys(v).length;
    throw new Error(`len of ${formatValue(v)}`);
  },
  index: (v, ...keys) =>
    keys.reduce((acc: unknown, k) => {
      if (Array.isArray(acc) && typeof k === "number") {
        if (k < 0 || k >= acc.length) throw new Error(`index out of range: ${k}`);
        return acc[k];
      }
      if (acc && typeof acc === "object" && typeof k === "string") {
        return (acc as Record<string, unknown>)[k] ?? null;
      }
      throw new Error(`can't index item of type ${typeof acc}`);
    }, v),
  print: (...a) => a.map(str).join(""),
  println: (...a) => `${a.map(str).join(" ")}\n`,
  printf: (f, ...a) => goSprintf(String(f), a),
  eq: (a, ...bs) => bs.some((b) => compare("eq", a, b)),
  ne: (a, b) => compare("ne", a, b),
  lt: (a, b) => compare("lt", a, b),
  le: (a, b) => compare("le", a, b),
  gt: (a, b) => compare("gt", a, b),
  ge: (a, b) => compare("ge", a, b),
  toJson: (v) => goJson(v),
  toPrettyJson: (v) => goJson(v, "  "),
  quote: (...a) => a.map((v) => JSON.stringify(str(v))).join(" "),
  squote: (...a) => a.map((v) => `'${str(v)}'`).join(" "),
  upper: (v) => str(v).toUpperCase(),
  lower: (v) => str(v).toLowerCase(),
  trim: (v) => str(v).trim(),
  join: (sep, list) => (Array.isArray(list) ? list.map(str).join(str(sep)) : str(list)),
  default: (d, v) => (truthy(v) ? v : d),
  replace: (from, to, s) => str(s).split(str(from)).join(str(to)),
  contains: (sub, s) => str(s).includes(str(sub)),
  hasPrefix: (p, s) => str(s).startsWith(str(p)),
  hasSuffix: (p, s) => str(s).endsWith(str(p)),
  first: (list) => (Array.isArray(list) ? (list[0] ?? null) : null),
  last: (list) => (Array.isArray(list) ? (list[list.length - 1] ?? null) : null),
};

import type { Enricher } from "../enrich/enrichers.js";
import type { PipelineEvent } from "../event.js";
import { GoFloat } from "../expr/go-value.js";
import type { StaticConfig } from "./config.js";
import type { CompileScope, ExprEnv, RunnableExpr } from "./scope.js";

/** Where a static writes. */
export type StaticTarget =
  | { kind: "meta" | "parsed" | "enriched"; key: string }
  | { kind: "target"; path: string[] }
  | { kind: "method"; name: string; enricher: Enricher | undefined };

/** A static with its expression compiled once. */
export interface CompiledStatic {
  target: StaticTarget;
  value: string;
  expression: RunnableExpr | null;
}

/** An expression result CrowdSec 1.4.6 refuses (`unexpected return type`): aborts the event. */
export class StaticTypeError extends Error {}

/**
 * Compiles a `statics` list. The target precedence is 1.4.6 `ProcessStatics`: method, parsed,
 * meta, enriched, target. A static without any target is a load error here (1.4.6 aborts with
 * `unable to process static : unknown target` at run time).
 */
export function compileStatics(
  statics: readonly StaticConfig[],
  scope: CompileScope,
  where: string,
): CompiledStatic[] {
  return statics.map((config, index) => {
    const at = `${where}.statics[${index}]`;
    let target: StaticTarget;
    if (config.method) {
      target = {
        kind: "method",
        name: config.method,
        enricher: scope.enrichers.get(config.method),
      };
    } else if (config.parsed) target = { kind: "parsed", key: config.parsed };
    else if (config.meta) target = { kind: "meta", key: config.meta };
    else if (config.enriched) target = { kind: "enriched", key: config.enriched };
    else if (config.target) target = { kind: "target", path: targetPath(config.target) };
    else throw new Error(`${at}: static has no target (meta, parsed, enriched, target or method)`);
    const expression =
      config.value === "" && config.expression !== ""
        ? scope.compileExpr(config.expression, `${at}.expression`)
        : null;
    return { target, value: config.value, expression };
  });
}

/** `evt.StrTime` → ["StrTime"]: the optional `evt.` prefix is dropped (SetTargetByName). */
function targetPath(target: string): string[] {
  return (target.startsWith("evt.") ? target.slice(4) : target).split(".");
}

/**
 * Applies statics in order (1.4.6 `ProcessStatics`): `value` wins over `expression`; an expression
 * error skips that static; int results become decimal strings, non-integral floats `%f` strings
 * (CrowdSec 1.7 `ProcessStatics`; 1.4.6 refused them); nil, map and array results are skipped
 * (nil as in 1.7, where `UnmarshalJSON`/`ParseKV` statics return nil; 1.4.6 aborted);
 * other result types throw `StaticTypeError`. An empty value skips the static, except for the
 * `ParseDate` method, which accepts empty input.
 */
export function applyStatics(
  statics: readonly CompiledStatic[],
  evt: PipelineEvent,
  env: ExprEnv,
): void {
  for (const item of statics) {
    let value = item.value;
    if (value === "" && item.expression) {
      let output: unknown;
      try {
        output = item.expression.runGo ? item.expression.runGo(env) : item.expression.run(env);
      } catch {
        continue;
      }
      // A float64 result, even integral (`float("401")`), is `%f` in CrowdSec 1.7.
      if (output instanceof GoFloat) output = output.value.toFixed(6);
      if (typeof output === "string") value = output;
      else if (typeof output === "number" && Number.isInteger(output)) value = String(output);
      // CrowdSec 1.7 formats float64 results with `%f` (`float(evt.Parsed.spam_score)`).
      else if (typeof output === "number") value = output.toFixed(6);
      // nil: skipped by the current engine (1.4.6 aborted), e.g. `ParseKV(...)` statics.
      else if (output === null) continue;
      else if (typeof output === "object" && isCollection(output)) continue;
      else throw new StaticTypeError(`unexpected return type for RunTimeValue : ${goType(output)}`);
    }
    const target = item.target;
    if (value === "" && !(target.kind === "method" && target.name === "ParseDate")) continue;
    switch (target.kind) {
      case "method": {
        // An unregistered method (e.g. GeoIpCity without its .mmdb) is silently skipped.
        const result = target.enricher?.(value, evt);
        if (result) for (const [k, v] of Object.entries(result)) evt.Enriched[k] = v;
        break;
      }
      case "parsed":
        evt.Parsed[target.key] = value;
        break;
      case "meta":
        evt.Meta[target.key] = value;
        break;
      case "enriched":
        evt.Enriched[target.key] = value;
        break;
      case "target":
        setTargetByName(evt, target.path, value);
        break;
    }
  }
}

function isCollection(value: object): boolean {
  return (
    Array.isArray(value) ||
    value instanceof Map ||
    Object.getPrototypeOf(value) === Object.prototype ||
    Object.getPrototypeOf(value) === null
  );
}

function goType(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "number") return "float64";
  if (typeof value === "boolean") return "bool";
  return typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
}

/** Fields of the event (and of structs below it) that are Go maps: the next segment is a key. */
const MAP_FIELDS = new Set(["Parsed", "Meta", "Enriched", "Labels", "Unmarshaled", "Sources"]);

/**
 * 1.4.6 `SetTargetByName`: walks Go field names through structs; the first map met takes the next
 * segment as its key and is assigned there; otherwise the final field must be a string. Returns
 * false (CrowdSec logs an error) when a segment is not a field, a pointer is nil, or the final
 * field is not a string.
 */
export function setTargetByName(
  evt: PipelineEvent,
  path: readonly string[],
  value: string,
): boolean {
  let holder: Record<string, unknown> = evt as unknown as Record<string, unknown>;
  for (let i = 0; i < path.length; i++) {
    const field = path[i]!;
    const last = i === path.length - 1;
    if (!Object.hasOwn(holder, field) || typeof holder[field] === "function") return false;
    if (last) {
      if (typeof holder[field] !== "string") return false;
      holder[field] = value;
      return true;
    }
    const next = holder[field];
    if (next === null || typeof next !== "object") return false;
    if (MAP_FIELDS.has(field)) {
      (next as Record<string, unknown>)[path[i + 1]!] = value;
      return true;
    }
    holder = next as Record<string, unknown>;
  }
  return false;
}

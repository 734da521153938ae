/** profiles.yaml → compiled profiles (filters and duration_expr compiled once). */
import { type CompiledExpr, compileExpr, ExprError } from "../expr/index.js";
import {
  type ConfigIssue,
  type ConfigResult,
  type ProfileConfig,
  parseProfiles,
} from "./profile-config.js";
import { type HelperSlot, helperFunctions } from "./profile-helpers.js";

export interface CompiledProfile {
  config: ProfileConfig;
  /** 1-based document number in the source file. */
  document: number;
  filters: CompiledExpr[];
  durationExpr: CompiledExpr | null;
}

/** A profile set ready to evaluate; `slot` is where its helper calls find their session. */
export interface CompiledProfiles {
  profiles: CompiledProfile[];
  slot: HelperSlot;
  /** Notifier names referenced by any profile. */
  notifiers: Set<string>;
}

function exprIssue(document: number, key: string, error: unknown): ConfigIssue {
  const reason = error instanceof ExprError ? error.render() : (error as Error).message;
  return { document, key, reason };
}

/** Compiles parsed profiles; an expression that does not compile names its document and key. */
export function compileProfileConfigs(
  configs: readonly { document: number; config: ProfileConfig }[],
): ConfigResult<CompiledProfiles> {
  const slot: HelperSlot = { current: null };
  const functions = helperFunctions(slot);
  const profiles: CompiledProfile[] = [];
  const notifiers = new Set<string>();
  for (const { document, config } of configs) {
    const filters: CompiledExpr[] = [];
    for (const [i, source] of config.filters.entries()) {
      try {
        filters.push(compileExpr(source, { functions }));
      } catch (e) {
        return { ok: false, issue: exprIssue(document, `filters.${i}`, e) };
      }
    }
    let durationExpr: CompiledExpr | null = null;
    if (config.duration_expr !== undefined) {
      try {
        durationExpr = compileExpr(config.duration_expr, { functions });
      } catch (e) {
        return { ok: false, issue: exprIssue(document, "duration_expr", e) };
      }
    }
    for (const n of config.notifications ?? []) notifiers.add(n);
    profiles.push({ config, document, filters, durationExpr });
  }
  return { ok: true, value: { profiles, slot, notifiers } };
}

/** Parses and compiles a profiles.yaml text. */
export function compileProfiles(text: string): ConfigResult<CompiledProfiles> {
  const parsed = parseProfiles(text);
  if (!parsed.ok) return parsed;
  return compileProfileConfigs(parsed.value);
}

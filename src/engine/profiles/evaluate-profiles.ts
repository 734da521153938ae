/**
 * Alert → decisions and notifications, as CrowdSec 1.4.6's `CreateAlert` does with its profiles
 * (pkg/apiserver/controllers/v1/alerts.go, pkg/csprofiles), checked against the 1.4.6 binary:
 *
 * - Profiles run in file order; a profile matches when any filter returns true, and every true
 *   filter generates the profile's whole decision list (two true filters → decisions twice).
 * - Decisions are attached only while the alert has none, so the first matching profile wins;
 *   every matching profile notifies; `on_success: break` stops the loop. `on_failure` is
 *   accepted and has no effect (its `break` only leaves a Go `switch`).
 * - No remediation gate: a profile without `Alert.Remediation == true` gives decisions to
 *   `remediation: false` alerts too (the default profile checks it in its filter).
 * - A filter that fails at run time, or returns a non-boolean, fails the whole request (500),
 *   for alerts with decisions as well (1.4.6 has no `on_error`; it is accepted and ignored).
 * - Alerts that arrive with decisions keep them; profiles only pick their notifications.
 * - Generated decision: profile type; profile scope if set, else the alert's source scope (as
 *   posted, not normalised); value = source value (also for a `Range` override); origin
 *   `crowdsec` or `crowdsec/<origin>`; scenario = alert scenario; duration = `duration_expr`'s
 *   result (Go `%v`) when it runs and parses as a Go duration, else the profile duration.
 */

import { parseGoDuration } from "../../shared/duration.js";
import { goSprintf } from "../expr/go-sprintf.js";
import { ExprRuntimeError } from "../expr/index.js";
import { ExprAlert } from "./alert-env.js";
import type { GeneratedDecision, ProfileAlertInput } from "./alert-input.js";
import type { CompiledProfile, CompiledProfiles } from "./compile-profiles.js";
import type { HelperCall, HelperFetcher, HelperSession } from "./profile-helpers.js";

/** CrowdSec's fallback when a decision has no usable duration. */
const DEFAULT_DURATION = "4h";
/** Rounds of helper fetching before giving up (each round resolves one level of dependency). */
const MAX_HELPER_ROUNDS = 8;

/** A matched profile's notifiers for one alert. */
export interface ProfileNotification {
  /** Index of the profile in the set. */
  profile: number;
  notifiers: string[];
}

export type ProfileOutcome =
  | {
      ok: true;
      /** Decisions to attach (empty when the alert had its own or nothing matched). */
      decisions: GeneratedDecision[];
      notifications: ProfileNotification[];
    }
  | { ok: false; message: string };

/** One alert to evaluate; `machineId` fills `Alert.MachineID`. */
export interface ProfileSubject {
  alert: ProfileAlertInput;
  machineId: string;
}

function generate(
  profile: CompiledProfile,
  alert: ProfileAlertInput,
  env: Record<string, unknown>,
): GeneratedDecision[] {
  const source = alert.source ?? {};
  return (profile.config.decisions ?? []).map((ref) => {
    let duration = ref.duration ?? DEFAULT_DURATION;
    if (profile.durationExpr) {
      try {
        const text = goSprintf("%v", [profile.durationExpr.runGo(env)]);
        if (parseGoDuration(text).ok) duration = text;
      } catch (e) {
        // 1.4.6 logs "Failed to run duration_expr" and keeps the profile duration.
        if (!(e instanceof ExprRuntimeError)) throw e;
      }
    }
    return {
      type: ref.type,
      duration,
      scope: ref.scope ? ref.scope : (source.scope ?? ""),
      value: source.value ?? "",
      origin: ref.origin !== undefined ? `crowdsec/${ref.origin}` : "crowdsec",
      scenario: alert.scenario ?? "",
      simulated: ref.simulated === true || alert.simulated === true,
    };
  });
}

/** One synchronous pass over the profiles for one alert. */
function evaluateOnce(
  compiled: CompiledProfiles,
  alert: ProfileAlertInput,
  env: Record<string, unknown>,
): ProfileOutcome {
  const hadDecisions = (alert.decisions ?? []).some((d) => d !== undefined);
  const decisions: GeneratedDecision[] = [];
  const notifications: ProfileNotification[] = [];
  for (const [index, profile] of compiled.profiles.entries()) {
    let matched = false;
    const profileDecisions: GeneratedDecision[] = [];
    for (const [i, filter] of profile.filters.entries()) {
      let out: unknown;
      try {
        out = filter.runGo(env);
      } catch (e) {
        if (!(e instanceof ExprRuntimeError)) throw e;
        const source = profile.config.filters[i]!;
        return { ok: false, message: `while running expression ${source}: ${e.render()}` };
      }
      if (typeof out !== "boolean") {
        const source = profile.config.filters[i]!;
        return {
          ok: false,
          message: goSprintf("unexpected type %t (%v) while running '%s'", [out, out, source]),
        };
      }
      if (out) {
        matched = true;
        profileDecisions.push(...generate(profile, alert, env));
      }
    }
    if (!matched) continue;
    if (!hadDecisions && decisions.length === 0) decisions.push(...profileDecisions);
    const names = profile.config.notifications ?? [];
    if (names.length > 0) notifications.push({ profile: index, notifiers: [...names] });
    if (profile.config.on_success === "break") break;
  }
  return { ok: true, decisions, notifications };
}

/**
 * Evaluates the profiles for each alert. All alerts of a batch see the database as it was
 * before the batch (1.4.6 evaluates every alert of a request, then inserts them together), so
 * helper answers are shared between them; missing answers of every alert are fetched together,
 * one `fetch` call per round.
 */
export async function evaluateProfiles(
  compiled: CompiledProfiles,
  subjects: readonly ProfileSubject[],
  fetch: HelperFetcher,
): Promise<ProfileOutcome[]> {
  const answers = new Map<string, unknown>();
  const envs = subjects.map((s) => ({ Alert: new ExprAlert(s.alert, s.machineId) }));
  const outcomes: (ProfileOutcome | null)[] = subjects.map(() => null);
  for (let round = 0; ; round++) {
    const missing = new Map<string, HelperCall>();
    for (const [i, subject] of subjects.entries()) {
      if (outcomes[i]) continue;
      const session: HelperSession = { answers, missing: new Map() };
      compiled.slot.current = session;
      let outcome: ProfileOutcome;
      try {
        outcome = evaluateOnce(compiled, subject.alert, envs[i]!);
      } finally {
        compiled.slot.current = null;
      }
      if (session.missing.size === 0) outcomes[i] = outcome;
      else for (const [k, call] of session.missing) missing.set(k, call);
    }
    if (missing.size === 0) break;
    if (round === MAX_HELPER_ROUNDS) {
      const message = "profile expressions need too many dependent database helper calls";
      return outcomes.map((o) => o ?? { ok: false, message });
    }
    const calls = [...missing.values()];
    const values = await fetch(calls);
    for (const [k, call] of calls.entries()) answers.set(call.key, values[k]);
  }
  return outcomes as ProfileOutcome[];
}

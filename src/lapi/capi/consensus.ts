/**
 * The consensus rule of Rampart's Central API server: when do reported signals become a
 * community decision? Pure, so the rule can be tested on its own (see ../../../docs/central-api.md).
 *
 * - Only signals received within `windowMs` before `now` count (reception time on the server,
 *   never the reporter's own timestamps, so nobody backdates a signal into the window).
 * - A value is banned when at least `minReporters` **distinct** reporters signalled it; a reporter
 *   counts once however many signals it sends, and `minReporters` is at least 2, so one reporter
 *   alone never bans.
 * - Allow-listed values are never published (the caller passes the allow-list verdicts).
 * - The decision's scenario is the one the most distinct reporters named (ties: the
 *   lexicographically smallest), the name CrowdSec gives it (`crowdsecurity/ssh-bf`).
 */

/** The rule's parameters (`CAPI_CONSENSUS_*` variables). */
export interface ConsensusRule {
  /** Distinct reporters needed, ≥ 2. */
  minReporters: number;
  /** How far back signals count, ms. */
  windowMs: number;
}

/** One stored signal. */
export interface SignalFact {
  reporter: number;
  scenario: string;
  scope: string;
  value: string;
  receivedAt: number;
}

/** A value that reached consensus. */
export interface ConsensusVerdict {
  scope: string;
  value: string;
  scenario: string;
  reporters: number;
}

/** Why a rule cannot be used. */
export type RuleProblem = { kind: "tooFewReporters"; minReporters: number } | { kind: "noWindow" };

/** Validates a rule: fewer than two reporters or an empty window is refused. */
export function checkRule(rule: ConsensusRule): RuleProblem | null {
  if (!Number.isInteger(rule.minReporters) || rule.minReporters < 2) {
    return { kind: "tooFewReporters", minReporters: rule.minReporters };
  }
  if (!(rule.windowMs > 0)) return { kind: "noWindow" };
  return null;
}

const keyOf = (scope: string, value: string) => `${scope}\u0000${value}`;

/**
 * The verdicts for the values present in `signals`, in first-seen order. `allowlisted(scope,
 * value)` says whether an allow-list covers the value; such values never get a verdict.
 */
export function evaluateConsensus(
  rule: ConsensusRule,
  signals: readonly SignalFact[],
  now: number,
  allowlisted: (scope: string, value: string) => boolean,
): ConsensusVerdict[] {
  const problem = checkRule(rule);
  if (problem) throw new Error(`invalid consensus rule: ${problem.kind}`);
  const since = now - rule.windowMs;
  const byValue = new Map<
    string,
    { scope: string; value: string; reporters: Set<number>; scenarios: Map<string, Set<number>> }
  >();
  for (const s of signals) {
    if (s.receivedAt <= since || s.receivedAt > now) continue;
    const key = keyOf(s.scope, s.value);
    let entry = byValue.get(key);
    if (!entry) {
      entry = { scope: s.scope, value: s.value, reporters: new Set(), scenarios: new Map() };
      byValue.set(key, entry);
    }
    entry.reporters.add(s.reporter);
    const named = entry.scenarios.get(s.scenario) ?? new Set<number>();
    named.add(s.reporter);
    entry.scenarios.set(s.scenario, named);
  }
  const verdicts: ConsensusVerdict[] = [];
  for (const e of byValue.values()) {
    if (e.reporters.size < rule.minReporters) continue;
    if (allowlisted(e.scope, e.value)) continue;
    let best = "";
    let bestCount = -1;
    for (const [scenario, who] of e.scenarios) {
      if (who.size > bestCount || (who.size === bestCount && scenario < best)) {
        best = scenario;
        bestCount = who.size;
      }
    }
    verdicts.push({ scope: e.scope, value: e.value, scenario: best, reporters: e.reporters.size });
  }
  return verdicts;
}

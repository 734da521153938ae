/**
 * The database-backed helpers profile expressions may call (CrowdSec pkg/exprhelpers, wired to
 * the LAPI database): `GetDecisionsCount(value)`, `GetDecisionsSinceCount(value, since)` (1.4.6)
 * and the later `GetActiveDecisionsCount(value)`, `GetActiveDecisionsTimeLeft(value)`.
 *
 * expr runs synchronously but the database answers asynchronously (D1). A compiled profile set
 * therefore calls these helpers through a *session*: a call whose answer is known returns it; an
 * unknown call is recorded as missing and returns a placeholder. The evaluator runs every
 * expression, fetches the missing answers in one round trip and runs again, until a run needs
 * nothing new (evaluate-profiles.ts). Expressions are pure, so the final run is exactly the run
 * that would have happened with a synchronous database.
 */

/** Helper names, as data: what a reviewer diffs against CrowdSec's helper table. */
export const PROFILE_HELPERS = {
  /** All decisions ever stored whose IP range contains the value (expired ones included). */
  GetDecisionsCount: { params: ["value"] },
  /** Same, created within the last `since` (a Go duration). */
  GetDecisionsSinceCount: { params: ["value", "since"] },
  /** Decisions containing the value that have not expired. */
  GetActiveDecisionsCount: { params: ["value"] },
  /** Longest remaining time of those decisions, in Go nanoseconds (0 when none). */
  GetActiveDecisionsTimeLeft: { params: ["value"] },
} as const;

export type ProfileHelperName = keyof typeof PROFILE_HELPERS;

/** One helper call an expression made; `key` identifies equal calls. */
export interface HelperCall {
  name: ProfileHelperName;
  args: unknown[];
  key: string;
}

/** Answers known so far and calls still unanswered, for one evaluation round. */
export interface HelperSession {
  answers: Map<string, unknown>;
  missing: Map<string, HelperCall>;
}

/** Where compiled helper functions find the current session (owned by one compiled set). */
export interface HelperSlot {
  current: HelperSession | null;
}

/** Answers helper calls (the LAPI queries its database); one answer per call, same order. */
export type HelperFetcher = (calls: readonly HelperCall[]) => Promise<unknown[]>;

/** The expr `functions` option bound to `slot`. */
export function helperFunctions(slot: HelperSlot): Record<string, (...args: unknown[]) => unknown> {
  const fns: Record<string, (...args: unknown[]) => unknown> = {};
  for (const name of Object.keys(PROFILE_HELPERS) as ProfileHelperName[]) {
    fns[name] = (...args: unknown[]) => {
      const session = slot.current;
      if (!session) throw new Error(`${name} called outside a profile evaluation`);
      const key = JSON.stringify([name, args]);
      if (session.answers.has(key)) return session.answers.get(key);
      session.missing.set(key, { name, args, key });
      return 0;
    };
  }
  return fns;
}

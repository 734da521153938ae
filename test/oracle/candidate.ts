/**
 * The LAPI under test in differential e2e files: Rampart under `wrangler dev`, or — with
 * `E2E_COMPARE_WITH=crowdsec` — a second real CrowdSec LAPI, a self-check that a test's
 * comparison and masking make two identical servers compare equal.
 */
import type { LapiTarget } from "./lapi-target.js";
import { type RampartDev, startRampartDev } from "./rampart-dev.js";
import { type RealLapi, startRealLapi } from "./real-lapi.js";

/** Starts the candidate LAPI (see module comment). */
export function startCandidateLapi(): Promise<RampartDev | RealLapi> {
  return process.env.E2E_COMPARE_WITH === "crowdsec" ? startRealLapi() : startRampartDev();
}

/** Whether a target is Rampart (admin API available). */
export function isRampart(target: LapiTarget): target is RampartDev {
  return target.kind === "rampart";
}

/**
 * Starts the real LAPI and the candidate side by side; if either fails, the other is stopped
 * before the error is rethrown, so no server outlives a failed `beforeAll`.
 */
export async function startRealAndCandidate(): Promise<[RealLapi, RampartDev | RealLapi]> {
  const [real, candidate] = await Promise.allSettled([startRealLapi(), startCandidateLapi()]);
  if (real.status === "fulfilled" && candidate.status === "fulfilled") {
    return [real.value, candidate.value];
  }
  await Promise.all(
    [real, candidate].flatMap((r) => (r.status === "fulfilled" ? [r.value.stop()] : [])),
  );
  throw real.status === "rejected" ? real.reason : (candidate as PromiseRejectedResult).reason;
}

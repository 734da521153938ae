import { type BouncerFilter, matchesFilter } from "../db/decisions-read";
import type { CachedDecision } from "./decision-cache";

/**
 * The stream's `new` list computed from an isolate's snapshot of active Ip/Range decisions,
 * with the same rules as the SQL path (src/db/decisions-read.ts `queryStreamPage`): filters,
 * `created_at > createdAfter` for deltas, and dedup — a decision is dropped when another active
 * decision with the same value/type/scope lasts strictly longer (simulated ones only count when
 * simulated decisions are requested), then ties keep the lowest id (CrowdSec 1.4.6).
 *
 * Only valid when the requested scopes are Ip/Range ones (the snapshot holds nothing else) and
 * every hider of an active decision is itself active, which holds since it lasts longer.
 */
export function streamNewFromSnapshot(
  snapshot: readonly CachedDecision[],
  filter: BouncerFilter,
  t0: number,
  createdAfter: number | undefined,
  dedup: boolean,
): CachedDecision[] {
  const longest = new Map<string, number>();
  const key = (d: CachedDecision) => `${d.value}\u0000${d.type}\u0000${d.scope}`;
  if (dedup) {
    for (const d of snapshot) {
      if (d.simulated && !filter.includeSimulated) continue;
      const k = key(d);
      const best = longest.get(k);
      if (best === undefined || d.until > best) longest.set(k, d.until);
    }
  }
  const picked = snapshot
    .filter(
      (d) =>
        d.until > t0 &&
        (createdAfter === undefined || d.createdAt > createdAfter) &&
        matchesFilter(d, filter, t0) &&
        (!dedup || d.until >= (longest.get(key(d)) ?? d.until)),
    )
    .sort((a, b) => a.id - b.id);
  if (!dedup) return picked;
  const seen = new Set<string>();
  return picked.filter((d) => {
    const k = key(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** True when a stream request can be answered from the Ip/Range snapshot. */
export function snapshotCanServe(filter: BouncerFilter): boolean {
  return (
    filter.ip === undefined &&
    filter.scopes !== null &&
    filter.scopes.length > 0 &&
    filter.scopes.every((s) => s === "Ip" || s === "Range")
  );
}

import type { CommunityDecision } from "../../db/capi-server";
import { formatGoDuration } from "../../shared/duration";

/** What one pull hands a watcher: decisions to add and decisions to remove. */
export interface CommunityDelta {
  new: CommunityDecision[];
  deleted: CommunityDecision[];
}

const remaining = (d: CommunityDecision, now: number) => formatGoDuration(d.until - now);

/** A decision as CrowdSec's models.Decision (v2 stream), origin `CAPI`. */
function v2Decision(d: CommunityDecision, now: number) {
  return {
    duration: remaining(d, now),
    id: d.id,
    origin: "CAPI",
    scenario: d.scenario,
    scope: d.scope,
    simulated: false,
    type: d.type,
    uuid: d.uuid,
    value: d.value,
  };
}

/** `GET /v2/decisions/stream`: models.DecisionsStreamResponse (what CrowdSec 1.4.6 pulls). */
export function v2StreamBody(delta: CommunityDelta, now: number) {
  return {
    new: delta.new.map((d) => v2Decision(d, now)),
    deleted: delta.deleted.map((d) => v2Decision(d, now)),
  };
}

/**
 * `GET /v3/decisions/stream`: modelscapi.GetDecisionsStreamResponse (CrowdSec 1.5+): new
 * decisions grouped by (scenario, scope) as `{value, duration}`, deleted ones by scope as bare
 * values, and `links.blocklists` (none are served by this deployment's central API yet).
 */
export function v3StreamBody(delta: CommunityDelta, now: number) {
  const groups = new Map<string, { scenario: string; scope: string; decisions: unknown[] }>();
  for (const d of delta.new) {
    const key = `${d.scenario}\u0000${d.scope}`;
    let g = groups.get(key);
    if (!g) {
      g = { scenario: d.scenario, scope: d.scope, decisions: [] };
      groups.set(key, g);
    }
    g.decisions.push({ duration: remaining(d, now), value: d.value });
  }
  const deleted = new Map<string, string[]>();
  for (const d of delta.deleted) {
    const list = deleted.get(d.scope) ?? [];
    list.push(d.value);
    deleted.set(d.scope, list);
  }
  return {
    new: [...groups.values()],
    deleted: [...deleted].map(([scope, decisions]) => ({ scope, decisions })),
    links: { blocklists: [] },
  };
}

import { allowlistReasonsMany } from "../../db/allowlists";
import {
  activeCommunityDecisions,
  type CommunityDecision,
  endedCommunityDecisions,
  retractCommunityDecisions,
  signalsAbout,
  upsertCommunityDecisions,
} from "../../db/capi-server";
import type { Db } from "../../db/client";
import { parseIpOrRange } from "../../shared/ip-range";
import type { CapiServerConfig } from "../config";
import type { CommunityDelta } from "./community-stream";
import { evaluateConsensus } from "./consensus";

/** Which of `values` (single IPs) a live allow-list covers. */
async function allowlistedValues(db: Db, values: readonly string[], now: number) {
  const ranges = values.map((v) => parseIpOrRange(v));
  const parsed = ranges.flatMap((r, i) => (r ? [{ value: values[i]!, range: r }] : []));
  if (parsed.length === 0) return new Set<string>();
  const reasons = await allowlistReasonsMany(
    db,
    parsed.map((p) => p.range),
    now,
  );
  return new Set(parsed.filter((_, i) => reasons[i]!.length > 0).map((p) => p.value));
}

/**
 * Re-evaluates the consensus for the values a push just signalled: values that reach it are
 * published (or re-confirmed for another `decisionMs`), allow-listed ones retracted.
 */
export async function applyConsensus(
  db: Db,
  config: CapiServerConfig,
  values: readonly string[],
  now: number,
): Promise<{ published: number; retracted: number }> {
  const distinct = [...new Set(values)];
  if (distinct.length === 0) return { published: 0, retracted: 0 };
  const signals = await signalsAbout(db, distinct, now - config.consensus.windowMs);
  const reached = evaluateConsensus(config.consensus, signals, now, () => false);
  const allowed = await allowlistedValues(
    db,
    reached.map((v) => v.value),
    now,
  );
  const publish = reached.filter((v) => !allowed.has(v.value));
  await upsertCommunityDecisions(
    db,
    publish.map((v) => ({ ...v, until: now + config.decisionMs })),
    now,
  );
  await retractCommunityDecisions(db, "Ip", [...allowed], now);
  return { published: publish.length, retracted: allowed.size };
}

/**
 * One watcher's pull: every live decision at startup (or on its first pull), else what was
 * published, re-confirmed, retracted or expired since its last pull. Allow-lists win at serve
 * time too: every live decision an allow-list now covers (served before or not) is retracted and
 * sent as deleted.
 */
export async function communityDelta(
  db: Db,
  now: number,
  since: number | null,
): Promise<CommunityDelta> {
  const live = await activeCommunityDecisions(db, now, since);
  const ended = since === null ? [] : await endedCommunityDecisions(db, now, since);
  const everyLive = since === null ? live : await activeCommunityDecisions(db, now, null);
  const allowed = await allowlistedValues(
    db,
    everyLive.map((d) => d.value),
    now,
  );
  if (allowed.size === 0) return { new: live, deleted: ended };
  await retractCommunityDecisions(db, "Ip", [...allowed], now);
  const retracted: CommunityDecision[] = everyLive
    .filter((d) => allowed.has(d.value))
    .map((d) => ({ ...d, deletedAt: now }));
  return { new: live.filter((d) => !allowed.has(d.value)), deleted: [...ended, ...retracted] };
}

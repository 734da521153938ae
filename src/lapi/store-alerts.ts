/**
 * The one path by which alerts enter the database: `POST /v1/alerts` and the bucket overflows of
 * the ingestion endpoint (and Durable Object alarms) all end here, so allow-lists, profiles and
 * notifications treat an alert the same way whoever produced it.
 */
import { insertAlerts } from "../db/alerts";
import { allowlistReasonsMany } from "../db/allowlists";
import { parseIpOrRange } from "../shared/ip-range";
import type { ValidAlert } from "./models/alert";
import { prepareAlert } from "./models/alert-input";

/** What storing alerts needs from its caller (a request context, a Durable Object, a cron). */
export interface AlertStoreDeps {
  db: D1Database;
  /** Keeps background work (notifications) alive after the response. */
  waitUntil(promise: Promise<unknown>): void;
}

function ipSource(a: { sourceScope: string; sourceValue: string }) {
  if (a.sourceScope !== "Ip" && a.sourceScope !== "Range") return null;
  return parseIpOrRange(a.sourceValue);
}

/**
 * Stores validated alerts for `machineId` at `now` (ms); returns the new ids in input order,
 * without the alerts that were dropped.
 */
export async function storeAlerts(
  deps: AlertStoreDeps,
  alerts: readonly ValidAlert[],
  machineId: string,
  now: number,
): Promise<number[]> {
  const prepared = alerts.map((a) => prepareAlert(a, now));

  // CrowdSec 1.6.6+: a decision-less alert about an allowlisted Ip/Range is dropped silently.
  const candidates = prepared
    .map((a, i) => ({ i, range: a.decisions.length === 0 ? ipSource(a) : null }))
    .filter((x): x is { i: number; range: NonNullable<ReturnType<typeof ipSource>> } => !!x.range);
  const reasons =
    candidates.length === 0
      ? []
      : await allowlistReasonsMany(
          deps.db,
          candidates.map((x) => x.range),
          now,
        );
  const skip = new Set(candidates.filter((_, k) => reasons[k]!.length > 0).map((x) => x.i));
  const kept = prepared.filter((_, i) => !skip.has(i));

  return insertAlerts(deps.db, kept, machineId, now);
}

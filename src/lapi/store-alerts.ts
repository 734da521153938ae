/**
 * The one path by which alerts enter the database: `POST /v1/alerts` and the bucket overflows of
 * the ingestion endpoint (and Durable Object alarms) all end here, so allow-lists, profiles and
 * notifications treat an alert the same way whoever produced it.
 */
import { insertAlerts } from "../db/alerts";
import { allowlistReasonsMany } from "../db/allowlists";
import type { Db, Statement } from "../db/client";
import { evaluateProfiles, type ProfileOutcome } from "../engine/profiles";
import { parseIpOrRange } from "../shared/ip-range";
import {
  DEFAULT_MIN_PREFIX,
  type MinPrefix,
  parseMinPrefix,
  widerThan,
} from "../shared/min-prefix";
import { ApiError } from "./errors";
import type { DecisionIn, ValidAlert } from "./models/alert";
import { prepareAlert } from "./models/alert-input";
import { alertModelJson } from "./notifications/alert-model-json";
import { type NotificationBatch, sendNotifications } from "./notifications/send-notifications";
import { d1HelperFetcher } from "./profiles/d1-helpers";
import { ProfileCache } from "./profiles/profile-cache";

/** What storing alerts needs from its caller (a request context, a Durable Object, a cron). */
export interface AlertStoreDeps {
  db: Db;
  /** Keeps background work (notifications) alive after the response. */
  waitUntil(promise: Promise<unknown>): void;
  /** The isolate's compiled profiles (app caches); without it they are loaded for this call. */
  profiles?: ProfileCache;
  /** Outbound fetch for notifications (default: the global fetch). */
  fetch?: typeof fetch;
  /**
   * Statements written in the same D1 transaction as the alerts (alone when no alert is kept),
   * e.g. the ingestion's delivery marker that makes an overflow's alerts exactly-once.
   */
  sameTransaction?: readonly Statement[];
  /**
   * The narrowest Ip/Range decision a profile may create (`MIN_DECISION_PREFIX`, default /8 and
   * /32): a wider one is not stored (logged, and counted in `skipped`).
   */
  minDecisionPrefix?: MinPrefix;
  /** Tally the caller reads after the call: profile decisions not stored for being too wide. */
  skipped?: { wideDecisions: number };
}

const DEFAULT_MIN_DECISION_PREFIX = parseMinPrefix(DEFAULT_MIN_PREFIX)!;

function ipSource(a: { sourceScope: string; sourceValue: string }) {
  if (a.sourceScope !== "Ip" && a.sourceScope !== "Range") return null;
  return parseIpOrRange(a.sourceValue);
}

/**
 * Stores validated alerts for `machineId` at `now` (ms); returns the new ids in input order,
 * without the alerts that were dropped.
 *
 * Order, as CrowdSec: allow-listed decision-less alerts are dropped (1.6.6+); profiles run on
 * the remaining alerts as posted (every alert of the call sees the database as it was before
 * it), decision-less alerts get the first matching profile's decisions; everything is written
 * in one transaction; notifications go out afterwards in the background. A profile expression
 * that fails makes the whole call fail with CrowdSec's 500 message, nothing written.
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
  const keptIndexes = alerts.map((_, i) => i).filter((i) => !skip.has(i));
  if (keptIndexes.length === 0)
    return insertAlerts(deps.db, [], machineId, now, deps.sameTransaction);

  const active = await (deps.profiles ?? new ProfileCache()).load(deps.db);
  const outcomes = await evaluateProfiles(
    active.profiles,
    keptIndexes.map((i) => ({ alert: alerts[i]!, machineId })),
    d1HelperFetcher(deps.db, now),
  );
  const failed = outcomes.find((o): o is Extract<ProfileOutcome, { ok: false }> => !o.ok);
  if (failed) throw new ApiError("serverError", failed.message);

  const batch: NotificationBatch = new Map();
  const min = deps.minDecisionPrefix ?? DEFAULT_MIN_DECISION_PREFIX;
  const kept = keptIndexes.map((i, k) => {
    const outcome = outcomes[k] as Extract<ProfileOutcome, { ok: true }>;
    let alert = alerts[i]!;
    let row = prepared[i]!;
    // A profile turning a `Range` alert (or `scope: Range`) into a ban of 0.0.0.0/0 would ban
    // every visitor: the rule `POST /v1/alerts` applies to posted decisions (issue 12).
    const allowed = outcome.decisions.filter((d) => {
      const wide = widerThan(d.scope, d.value, min);
      if (!wide) return true;
      if (deps.skipped) deps.skipped.wideDecisions++;
      console.warn(
        `lapi: not storing profile decision ${d.type} on ${d.scope} ${d.value} (alert ${alert.scenario ?? ""} from ${machineId}): wider than /${wide.size === 4 ? min.v4 : min.v6} (MIN_DECISION_PREFIX)`,
      );
      return false;
    });
    if (allowed.length > 0) {
      const decisions: Required<DecisionIn>[] = allowed.map((d) => ({
        duration: d.duration,
        origin: d.origin,
        scenario: d.scenario,
        scope: d.scope,
        type: d.type,
        value: d.value,
      }));
      alert = { ...alert, decisions };
      row = prepareAlert(alert, now);
    }
    if (outcome.notifications.length > 0) {
      const notified = allowed.length > 0 ? allowed : (alert.decisions ?? []);
      const payload = alertModelJson(alert, machineId, notified);
      for (const name of outcome.notifications.flatMap((n) => n.notifiers)) {
        const list = batch.get(name);
        if (list) list.push(payload);
        else batch.set(name, [payload]);
      }
    }
    return row;
  });

  const ids = await insertAlerts(deps.db, kept, machineId, now, deps.sameTransaction);
  if (batch.size > 0) {
    deps.waitUntil(sendNotifications(active.notifiers, batch, { fetch: deps.fetch }));
  }
  return ids;
}

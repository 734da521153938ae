import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "./client";
import { alerts, capiClientState, decisions, machines } from "./schema";

/** Storage of the Central API client (src/lapi/capi-client). */

export type CapiClientState = typeof capiClientState.$inferSelect;

export function findClientState(db: Db, url: string): Promise<CapiClientState | undefined> {
  return db.select().from(capiClientState).where(eq(capiClientState.url, url)).get();
}

export async function saveClientRegistration(
  db: Db,
  state: { url: string; machineId: string; password: string },
): Promise<void> {
  await db.insert(capiClientState).values(state);
}

export async function recordClientProgress(
  db: Db,
  url: string,
  progress: { pushedUpTo?: number; lastPull?: number },
): Promise<void> {
  await db.update(capiClientState).set(progress).where(eq(capiClientState.url, url));
}

/** The scenarios of this deployment's machines (what CrowdSec sends at CAPI login). */
export async function localScenarios(db: Db): Promise<string[]> {
  const rows = await db.select({ s: machines.scenarios }).from(machines).all();
  return [...new Set(rows.flatMap((r) => r.s.split(",")).filter((s) => s !== ""))].sort();
}

/** Local alerts after `afterId`, oldest first, with the origins of their decisions. */
export function alertsToShare(db: Db, afterId: number, limit: number) {
  return db
    .select({
      id: alerts.id,
      uuid: alerts.uuid,
      machineId: alerts.machineId,
      scenario: alerts.scenario,
      scenarioHash: alerts.scenarioHash,
      scenarioVersion: alerts.scenarioVersion,
      message: alerts.message,
      startAt: alerts.startAt,
      stopAt: alerts.stopAt,
      createdAt: alerts.createdAt,
      simulated: alerts.simulated,
      sourceScope: alerts.sourceScope,
      sourceValue: alerts.sourceValue,
      sourceIp: alerts.sourceIp,
      sourceRange: alerts.sourceRange,
      sourceAsNumber: alerts.sourceAsNumber,
      sourceAsName: alerts.sourceAsName,
      sourceCountry: alerts.sourceCountry,
      origins: sql<string | null>`(SELECT group_concat(DISTINCT d.origin) FROM ${decisions} d
        WHERE d.alert_id = ${alerts}.id)`,
    })
    .from(alerts)
    .where(and(gt(alerts.id, afterId)))
    .orderBy(asc(alerts.id))
    .limit(limit)
    .all();
}

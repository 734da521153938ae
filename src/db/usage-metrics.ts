import { and, desc, eq } from "drizzle-orm";
import type { Db } from "./client";
import { bouncers, machines, usageMetrics } from "./schema";

/**
 * Usage metrics (POST /v1/usage-metrics, CrowdSec 1.6.3+): the payload is kept 7 days (flush.ts)
 * and the sender's row gets its OS, version and feature flags, as CrowdSec's
 * BouncerUpdateBaseMetrics / MachineUpdateBaseMetrics do. Row update and payload insert are one
 * batch, so a failure leaves neither.
 */

/** CrowdSec's `metric.GeneratedType`: remediation component (bouncer) or log processor. */
export type GeneratedType = "RC" | "LP";

/** What every metrics sender reports about itself (models.BaseMetrics). */
export interface BaseMetricsUpdate {
  /** Absent leaves the stored version alone (ent SetNillableVersion). */
  version?: string;
  osName: string;
  osVersion: string;
  /** Comma-joined feature flags. */
  featureflags: string;
}

export interface MachineMetricsUpdate extends BaseMetricsUpdate {
  /** JSON of `{type: [{name, status, version}]}` from the hub items. */
  hubstate: string;
  /** JSON of `{datasource type: count}`. */
  datasources: string;
  /** Time of the first metrics window (or receipt time): metrics count as a heartbeat. */
  lastHeartbeat: number;
}

export type MetricsSender =
  | { kind: "RC"; bouncerId: number; name: string; update: BaseMetricsUpdate }
  | { kind: "LP"; machineId: string; update: MachineMetricsUpdate };

/** Stores one metrics payload and refreshes the sender's row, atomically. */
export async function storeUsageMetrics(
  db: Db,
  sender: MetricsSender,
  receivedAt: number,
  payload: string,
): Promise<void> {
  const u = sender.update;
  const base = {
    ...(u.version !== undefined ? { version: u.version } : {}),
    osName: u.osName,
    osVersion: u.osVersion,
    featureflags: u.featureflags,
    updatedAt: receivedAt,
  };
  const rowUpdate =
    sender.kind === "RC"
      ? db.update(bouncers).set(base).where(eq(bouncers.id, sender.bouncerId))
      : db
          .update(machines)
          .set({
            ...base,
            hubstate: sender.update.hubstate,
            datasources: sender.update.datasources,
            lastHeartbeat: sender.update.lastHeartbeat,
          })
          .where(eq(machines.machineId, sender.machineId));
  const generatedBy = sender.kind === "RC" ? sender.name : sender.machineId;
  await db.batch([
    rowUpdate,
    db
      .insert(usageMetrics)
      .values({ generatedType: sender.kind, generatedBy, receivedAt, payload }),
  ]);
}

export type StoredMetrics = Omit<typeof usageMetrics.$inferSelect, "id"> & {
  generatedType: GeneratedType;
};

export interface MetricsQuery {
  generatedBy?: string;
  generatedType?: GeneratedType;
  limit: number;
}

/** Stored payloads, newest first (what `cscli metrics` reads from CrowdSec's database). */
export async function listUsageMetrics(db: Db, q: MetricsQuery): Promise<StoredMetrics[]> {
  const rows = await db
    .select({
      generatedType: usageMetrics.generatedType,
      generatedBy: usageMetrics.generatedBy,
      receivedAt: usageMetrics.receivedAt,
      payload: usageMetrics.payload,
    })
    .from(usageMetrics)
    .where(
      and(
        q.generatedBy === undefined ? undefined : eq(usageMetrics.generatedBy, q.generatedBy),
        q.generatedType === undefined ? undefined : eq(usageMetrics.generatedType, q.generatedType),
      ),
    )
    .orderBy(desc(usageMetrics.id))
    .limit(q.limit);
  return rows as StoredMetrics[];
}

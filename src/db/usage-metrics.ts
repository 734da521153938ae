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
  db: D1Database,
  sender: MetricsSender,
  receivedAt: number,
  payload: string,
): Promise<void> {
  const u = sender.update;
  const rowUpdate =
    sender.kind === "RC"
      ? db
          .prepare(
            "UPDATE bouncers SET version = COALESCE(?, version), os_name = ?, os_version = ?, featureflags = ?, updated_at = ? WHERE id = ?",
          )
          .bind(
            u.version ?? null,
            u.osName,
            u.osVersion,
            u.featureflags,
            receivedAt,
            sender.bouncerId,
          )
      : db
          .prepare(
            "UPDATE machines SET version = COALESCE(?, version), os_name = ?, os_version = ?, featureflags = ?, hubstate = ?, datasources = ?, last_heartbeat = ?, updated_at = ? WHERE machine_id = ?",
          )
          .bind(
            u.version ?? null,
            u.osName,
            u.osVersion,
            u.featureflags,
            sender.update.hubstate,
            sender.update.datasources,
            sender.update.lastHeartbeat,
            receivedAt,
            sender.machineId,
          );
  const generatedBy = sender.kind === "RC" ? sender.name : sender.machineId;
  await db.batch([
    rowUpdate,
    db
      .prepare(
        "INSERT INTO usage_metrics (generated_type, generated_by, received_at, payload) VALUES (?, ?, ?, ?)",
      )
      .bind(sender.kind, generatedBy, receivedAt, payload),
  ]);
}

export interface StoredMetrics {
  generatedType: GeneratedType;
  generatedBy: string;
  receivedAt: number;
  payload: string;
}

export interface MetricsQuery {
  generatedBy?: string;
  generatedType?: GeneratedType;
  limit: number;
}

/** Stored payloads, newest first (what `cscli metrics` reads from CrowdSec's database). */
export async function listUsageMetrics(
  db: D1Database | D1DatabaseSession,
  q: MetricsQuery,
): Promise<StoredMetrics[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.generatedBy !== undefined) {
    where.push("generated_by = ?");
    params.push(q.generatedBy);
  }
  if (q.generatedType !== undefined) {
    where.push("generated_type = ?");
    params.push(q.generatedType);
  }
  const r = await db
    .prepare(
      `SELECT generated_type AS generatedType, generated_by AS generatedBy, received_at AS receivedAt, payload FROM usage_metrics ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`,
    )
    .bind(...params, q.limit)
    .all<StoredMetrics>();
  return r.results;
}

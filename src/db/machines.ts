import { and, eq, isNull, lt, notInArray, or, sql } from "drizzle-orm";
import { type Db, isUniqueViolation } from "./client";
import { alerts, machines } from "./schema";

export type Machine = typeof machines.$inferSelect;

export function findMachine(db: Db, machineId: string): Promise<Machine | undefined> {
  return db.select().from(machines).where(eq(machines.machineId, machineId)).get();
}

export interface NewMachine {
  machineId: string;
  passwordHash: string;
  ipAddress: string;
  isValidated: boolean;
  authType: "password" | "tls";
}

/** Inserts a machine; `duplicate` when the id is taken. */
export async function createMachine(db: Db, m: NewMachine): Promise<"created" | "duplicate"> {
  try {
    await db.insert(machines).values({
      machineId: m.machineId,
      password: m.passwordHash,
      ipAddress: m.ipAddress,
      isValidated: m.isValidated,
      authType: m.authType,
    });
    return "created";
  } catch (e) {
    if (isUniqueViolation(e)) return "duplicate";
    throw e;
  }
}

/** What a successful login refreshes on the row (CrowdSec machines.go). */
export async function recordLogin(
  db: Db,
  id: number,
  update: { scenarios?: string; ipAddress?: string; version?: string },
): Promise<void> {
  const set: Partial<Machine> = { updatedAt: Date.now() };
  if (update.scenarios !== undefined) set.scenarios = update.scenarios;
  if (update.ipAddress !== undefined) set.ipAddress = update.ipAddress;
  if (update.version !== undefined) set.version = update.version;
  await db.update(machines).set(set).where(eq(machines.id, id));
}

export async function recordHeartbeat(db: Db, machineId: string, now: number): Promise<boolean> {
  const r = await db
    .update(machines)
    .set({ lastHeartbeat: now, updatedAt: now })
    .where(eq(machines.machineId, machineId))
    .returning({ id: machines.id });
  return r.length > 0;
}

export async function recordPush(db: Db, machineId: string, now: number): Promise<void> {
  await db
    .update(machines)
    .set({ lastPush: now, updatedAt: now })
    .where(eq(machines.machineId, machineId));
}

export async function setValidated(db: Db, machineId: string): Promise<boolean> {
  const r = await db
    .update(machines)
    .set({ isValidated: true, updatedAt: Date.now() })
    .where(eq(machines.machineId, machineId))
    .returning({ id: machines.id });
  return r.length > 0;
}

export async function deleteMachine(db: Db, machineId: string): Promise<boolean> {
  const r = await db
    .delete(machines)
    .where(eq(machines.machineId, machineId))
    .returning({ id: machines.id });
  return r.length > 0;
}

export function listMachines(db: Db): Promise<Machine[]> {
  return db.select().from(machines).orderBy(machines.id).all();
}

export async function updateMachineMetrics(
  db: Db,
  machineId: string,
  fields: { osName?: string; osVersion?: string; featureflags?: string; version?: string },
): Promise<void> {
  await db
    .update(machines)
    .set({ ...fields, updatedAt: Date.now() })
    .where(eq(machines.machineId, machineId));
}

/**
 * CrowdSec agents_autodelete: machines of an auth type whose last heartbeat (or creation, when
 * they never sent one) is older than the cutoff, that own no alert and are not local.
 */
export async function deleteStaleMachines(
  db: Db,
  authType: string,
  cutoff: number,
): Promise<number> {
  const owners = db.selectDistinct({ m: alerts.machineId }).from(alerts);
  const r = await db
    .delete(machines)
    .where(
      and(
        eq(machines.authType, authType),
        or(
          lt(machines.lastHeartbeat, cutoff),
          and(isNull(machines.lastHeartbeat), lt(machines.createdAt, cutoff)),
        ),
        notInArray(machines.ipAddress, ["127.0.0.1", "::1"]),
        sql`${machines.machineId} NOT IN ${owners}`,
      ),
    )
    .returning({ id: machines.id });
  return r.length;
}

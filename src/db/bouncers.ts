import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import { type Db, isUniqueViolation } from "./client";
import { bouncers } from "./schema";

export type Bouncer = typeof bouncers.$inferSelect;

export function findBouncersByHash(db: Db, hash: string): Promise<Bouncer[]> {
  return db.select().from(bouncers).where(eq(bouncers.apiKeyHash, hash)).orderBy(bouncers.id).all();
}

export function findBouncerByName(db: Db, name: string): Promise<Bouncer | undefined> {
  return db.select().from(bouncers).where(eq(bouncers.name, name)).get();
}

export interface NewBouncer {
  name: string;
  apiKeyHash: string;
  authType: "api-key" | "tls";
  ipAddress?: string;
  autoCreated?: boolean;
}

export async function createBouncer(db: Db, b: NewBouncer): Promise<Bouncer | "duplicate"> {
  try {
    const [row] = await db
      .insert(bouncers)
      .values({
        name: b.name,
        apiKeyHash: b.apiKeyHash,
        authType: b.authType,
        ipAddress: b.ipAddress ?? "",
        autoCreated: b.autoCreated ?? false,
      })
      .returning();
    return row!;
  } catch (e) {
    if (isUniqueViolation(e)) return "duplicate";
    throw e;
  }
}

export async function updateBouncer(
  db: Db,
  id: number,
  fields: Partial<
    Pick<
      Bouncer,
      "ipAddress" | "type" | "version" | "lastPull" | "osName" | "osVersion" | "featureflags"
    >
  >,
): Promise<void> {
  await db
    .update(bouncers)
    .set({ ...fields, updatedAt: Date.now() })
    .where(eq(bouncers.id, id));
}

export function listBouncers(db: Db): Promise<Bouncer[]> {
  return db.select().from(bouncers).orderBy(bouncers.id).all();
}

/** Deletes a bouncer and the `<name>@<ip>` rows auto-created for its key (CrowdSec 1.6.4+). */
export async function deleteBouncer(db: Db, name: string): Promise<number> {
  const prefix = `${name}@`;
  const r = await db
    .delete(bouncers)
    .where(
      or(
        eq(bouncers.name, name),
        // An exact prefix, not LIKE: `%`, `_` and ASCII case in an admin-given name are text.
        and(
          sql`substr(${bouncers.name}, 1, length(${prefix})) = ${prefix}`,
          eq(bouncers.autoCreated, true),
        ),
      ),
    )
    .returning({ id: bouncers.id });
  return r.length;
}

/** CrowdSec bouncers_autodelete: rows of an auth type not pulled since the cutoff. */
export async function deleteStaleBouncers(
  db: Db,
  authType: string,
  cutoff: number,
): Promise<number> {
  const r = await db
    .delete(bouncers)
    .where(
      and(
        eq(bouncers.authType, authType),
        or(
          lt(bouncers.lastPull, cutoff),
          and(isNull(bouncers.lastPull), lt(bouncers.createdAt, cutoff)),
        ),
      ),
    )
    .returning({ id: bouncers.id });
  return r.length;
}

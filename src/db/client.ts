import type { BatchItem } from "drizzle-orm/batch";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = DrizzleD1Database<typeof schema>;

/** One statement of a D1 batch (drizzle query builder). */
export type Statement = BatchItem<"sqlite">;

/** Opens drizzle over a D1 database or a D1 read-replication session (same prepare/batch API). */
export function openDb(d1: D1Database | D1DatabaseSession): Db {
  return drizzle(d1 as D1Database, { schema });
}

/**
 * Runs statements as one D1 batch (one transaction) when the list is only known at run time;
 * drizzle's `batch` types want a non-empty tuple, which a built-up array cannot prove.
 */
export function batchAll(db: Db, statements: readonly Statement[]): Promise<unknown[]> {
  return db.batch(statements as [Statement, ...Statement[]]);
}

/** True for SQLite's UNIQUE constraint failure, which D1 reports as an Error message. */
export function isUniqueViolation(err: unknown): boolean {
  // drizzle wraps the driver error ("Failed query: …") and keeps D1's in `cause`.
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed/.test(e.message)) return true;
  }
  return false;
}

import { eq, sql } from "drizzle-orm";
import type { Db } from "./client";
import { configDocuments } from "./schema";

/**
 * Configuration documents stored in D1 (`config_documents`, one row per kind): the LAPI's
 * `profiles.yaml` and its notifier configurations, editable through the admin API without a
 * redeploy. Rows hold the YAML text exactly as uploaded; `updated_at` (ms) versions them.
 */

/** The kinds of stored configuration. */
export type ConfigDocumentKind = "profiles" | "notifications";

export type ConfigDocument = typeof configDocuments.$inferSelect & { kind: ConfigDocumentKind };

/** One document, or null when none is stored (the built-in default applies). */
export async function getConfigDocument(
  db: Db,
  kind: ConfigDocumentKind,
): Promise<ConfigDocument | null> {
  const row = await db.select().from(configDocuments).where(eq(configDocuments.kind, kind)).get();
  return (row as ConfigDocument | undefined) ?? null;
}

/** `updated_at` of every stored kind: a cheap check before re-reading and recompiling. */
export async function configDocumentVersions(
  db: Db,
): Promise<Partial<Record<ConfigDocumentKind, number>>> {
  const rows = await db
    .select({ kind: configDocuments.kind, updatedAt: configDocuments.updatedAt })
    .from(configDocuments);
  return Object.fromEntries(rows.map((row) => [row.kind, row.updatedAt]));
}

/**
 * Stores (or replaces) a document. `updated_at` always moves forward, even for two writes in the
 * same millisecond, so caches keyed by it never keep an old compiled form.
 */
export async function putConfigDocument(
  db: Db,
  kind: ConfigDocumentKind,
  content: string,
  updatedBy: string,
  now: number,
): Promise<ConfigDocument> {
  const [row] = await db
    .insert(configDocuments)
    .values({ kind, content, updatedAt: now, updatedBy })
    .onConflictDoUpdate({
      target: configDocuments.kind,
      set: {
        content,
        // MAX(a, b) is SQLite's scalar max, which the builder does not have.
        updatedAt: sql`MAX(${now}, ${configDocuments.updatedAt} + 1)`,
        updatedBy,
      },
    })
    .returning();
  return row as ConfigDocument;
}

/** Removes a document (back to the built-in default); false when none was stored. */
export async function deleteConfigDocument(db: Db, kind: ConfigDocumentKind): Promise<boolean> {
  const r = await db
    .delete(configDocuments)
    .where(eq(configDocuments.kind, kind))
    .returning({ kind: configDocuments.kind });
  return r.length > 0;
}

/**
 * Configuration documents stored in D1 (`config_documents`, one row per kind): the LAPI's
 * `profiles.yaml` and its notifier configurations, editable through the admin API without a
 * redeploy. Rows hold the YAML text exactly as uploaded; `updated_at` (ms) versions them.
 */

/** The kinds of stored configuration. */
export type ConfigDocumentKind = "profiles" | "notifications";

export interface ConfigDocument {
  kind: ConfigDocumentKind;
  content: string;
  updatedAt: number;
  updatedBy: string;
}

type D1 = D1Database | D1DatabaseSession;

/** One document, or null when none is stored (the built-in default applies). */
export async function getConfigDocument(
  db: D1,
  kind: ConfigDocumentKind,
): Promise<ConfigDocument | null> {
  return db
    .prepare(
      "SELECT kind, content, updated_at AS updatedAt, updated_by AS updatedBy FROM config_documents WHERE kind = ?",
    )
    .bind(kind)
    .first<ConfigDocument>();
}

/** `updated_at` of every stored kind: a cheap check before re-reading and recompiling. */
export async function configDocumentVersions(
  db: D1,
): Promise<Partial<Record<ConfigDocumentKind, number>>> {
  const r = await db
    .prepare("SELECT kind, updated_at AS updatedAt FROM config_documents")
    .all<{ kind: ConfigDocumentKind; updatedAt: number }>();
  return Object.fromEntries(r.results.map((row) => [row.kind, row.updatedAt]));
}

/**
 * Stores (or replaces) a document. `updated_at` always moves forward, even for two writes in the
 * same millisecond, so caches keyed by it never keep an old compiled form.
 */
export async function putConfigDocument(
  db: D1Database,
  kind: ConfigDocumentKind,
  content: string,
  updatedBy: string,
  now: number,
): Promise<ConfigDocument> {
  const row = await db
    .prepare(
      `INSERT INTO config_documents (kind, content, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (kind) DO UPDATE SET content = excluded.content,
         updated_at = MAX(excluded.updated_at, config_documents.updated_at + 1),
         updated_by = excluded.updated_by
       RETURNING kind, content, updated_at AS updatedAt, updated_by AS updatedBy`,
    )
    .bind(kind, content, now, updatedBy)
    .first<ConfigDocument>();
  return row!;
}

/** Removes a document (back to the built-in default); false when none was stored. */
export async function deleteConfigDocument(
  db: D1Database,
  kind: ConfigDocumentKind,
): Promise<boolean> {
  const r = await db
    .prepare("DELETE FROM config_documents WHERE kind = ? RETURNING kind")
    .bind(kind)
    .all();
  return r.results.length > 0;
}

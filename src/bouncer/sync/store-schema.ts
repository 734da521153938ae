/**
 * SQLite schema of the DecisionStore Durable Object, as data: one statement per table, created
 * idempotently when the object starts.
 */

/** Columns of the decision set (and of the table a startup pull is loaded into). */
export const DECISION_COLUMNS = `id INTEGER PRIMARY KEY, scope TEXT NOT NULL, value TEXT NOT NULL,
  type TEXT NOT NULL, origin TEXT NOT NULL, scenario TEXT NOT NULL, until_ms INTEGER NOT NULL`;

/** Lookup of held decisions by value, for `deleted` entries whose id is not held. */
export const DECISIONS_INDEX =
  "CREATE INDEX IF NOT EXISTS decisions_key ON decisions (scope, value, type)";

export const STORE_TABLES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS decisions (${DECISION_COLUMNS})`,
  DECISIONS_INDEX,
  // Changes since the current snapshot, in order; `body` holds an added decision as JSON.
  `CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL, id INTEGER NOT NULL,
    base_idx INTEGER, body TEXT)`,
  // Entries of the delta pull in progress, staged as they stream in, applied in one transaction.
  `CREATE TABLE IF NOT EXISTS incoming (
    list TEXT NOT NULL, id INTEGER NOT NULL, scope TEXT NOT NULL, value TEXT NOT NULL,
    type TEXT NOT NULL, origin TEXT NOT NULL, scenario TEXT NOT NULL, until_ms INTEGER NOT NULL)`,
  // The current snapshot in 1 MiB rows (SQLite rows cap at 2 MB in a Durable Object).
  "CREATE TABLE IF NOT EXISTS snapshot_chunks (idx INTEGER PRIMARY KEY, data BLOB NOT NULL)",
  // Where each decision of the current snapshot sits in it (ids ascending), in 64k-entry rows.
  "CREATE TABLE IF NOT EXISTS base_map (idx INTEGER PRIMARY KEY, ids BLOB NOT NULL, pos BLOB NOT NULL)",
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  // Request counters handed over by isolates, summed per usage-metrics window.
  `CREATE TABLE IF NOT EXISTS usage (
    name TEXT NOT NULL, origin TEXT NOT NULL, remediation TEXT NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (name, origin, remediation))`,
];

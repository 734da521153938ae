/** The DecisionStore's `meta` key/value table (versions, cursors, timestamps, counters). */
export function readMeta(sql: SqlStorage, key: string): string | null {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
  return row ? row.value : null;
}

export function writeMeta(sql: SqlStorage, key: string, value: string | number): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, String(value));
}

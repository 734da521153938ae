import { getTableColumns, is, SQL, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * Size of one JSON parameter. D1 caps a bound value at 2 MB; a 10,000-decision import is about
 * 1.3 MB of JSON, so rows are split into several statements of the same batch.
 */
const JSON_CHUNK_BYTES = 512 * 1024;

/** Rows as JSON arrays for `json_each(?)`, split so each bound value stays under D1's cap. */
export function chunkJsonRows(rows: readonly unknown[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const row of rows) {
    const json = JSON.stringify(row);
    if (size + json.length > JSON_CHUNK_BYTES && current.length > 0) {
      chunks.push(`[${current.join(",")}]`);
      current = [];
      size = 0;
    }
    current.push(json);
    size += json.length + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(",")}]`);
  return chunks;
}

/** Field `i` of the current `json_each` row (`j`), a JSON array. */
export const jsonField = (i: number): SQL => sql.raw(`j.value ->> ${i}`);

/**
 * The `SELECT` of `db.insert(table).select(…)` reading one chunk of positional rows: column
 * `keys[i]` takes field i of each row, `computed` columns their expression, the others their
 * default (or NULL: an AUTOINCREMENT id). drizzle inserts into every column in table order, so
 * the list follows the table. Raw SQL because the builder has no table-valued `json_each`; it
 * is what keeps a bulk insert at one bound parameter per statement (D1 allows 100).
 */
export function selectJsonRows<T extends SQLiteTable>(
  table: T,
  keys: readonly (keyof T["$inferInsert"] & string)[],
  chunk: string,
  computed: Partial<Record<keyof T["$inferInsert"] & string, SQL>> = {},
): SQL {
  const list = Object.entries(getTableColumns(table)).map(([key, column]) => {
    const k = key as keyof T["$inferInsert"] & string;
    const field = keys.indexOf(k);
    if (field >= 0) return jsonField(field);
    const expr = computed[k];
    if (expr) return expr;
    if (is(column.default, SQL)) return column.default;
    return column.default === undefined ? sql`NULL` : sql.param(column.default, column);
  });
  // `WHERE true` lets an ON CONFLICT clause follow (SQLite's upsert parsing rule).
  return sql`SELECT ${sql.join(list, sql`, `)} FROM json_each(${chunk}) j WHERE true ORDER BY j.key`;
}

/**
 * `column IN (the values)` with one bound parameter however many values: drizzle's `inArray`
 * binds one per value and D1 allows 100 per statement. Raw SQL for the table-valued `json_each`.
 */
export function inJson(column: SQLiteColumn, values: readonly unknown[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
}

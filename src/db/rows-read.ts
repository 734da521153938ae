import { type Db, openDb } from "./client";

/** Sums D1's `meta.rows_read` over the statements a request ran (the billed figure). */
export interface RowsRead {
  readonly total: number;
}

type Meta = { meta?: { rows_read?: number } };

/**
 * drizzle over `d1`, counting the rows every `all`/`run`/`batch` read. Statements stay D1's own
 * objects (only their methods are wrapped), so `batch` still accepts them. Only for queries
 * without duplicate column names (see `raw` below).
 */
export function countingDb(d1: D1Database): { db: Db; rowsRead: RowsRead } {
  const counter = { total: 0 };
  const add = (r: Meta) => {
    counter.total += r.meta?.rows_read ?? 0;
  };
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const bind = stmt.bind.bind(stmt);
    const all = stmt.all.bind(stmt);
    const run = stmt.run.bind(stmt);
    return Object.assign(stmt, {
      bind: (...values: unknown[]) => wrap(bind(...values)),
      all: async <T>() => {
        const r = await all<T>();
        add(r);
        return r;
      },
      // drizzle reads selected fields through raw(), which drops D1's meta: the rows come from
      // all() instead (same values in column order; the console selects no duplicate names).
      raw: async (options?: { columnNames?: boolean }) => {
        const r = await all<Record<string, unknown>>();
        add(r);
        const rows = r.results.map((row) => Object.values(row));
        if (!options?.columnNames) return rows;
        return [Object.keys(r.results[0] ?? {}), ...rows];
      },
      run: async <T>() => {
        const r = await run<T>();
        add(r);
        return r;
      },
    });
  };
  const counted = new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => wrap(target.prepare(query));
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements);
          for (const r of results) add(r);
          return results;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: openDb(counted), rowsRead: counter };
}

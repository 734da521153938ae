/**
 * The drizzle schema (`src/db/schema.ts`) and the migrations wrangler applies (`migrations/*.sql`)
 * describe the same database: every table, column (SQL type, NOT NULL, primary key) and index of
 * the schema exists after applying the migrations in order, and the migrations create no table or
 * index the schema does not declare.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema.js";
import { repoRoot } from "../oracle/crowdsec-config.js";
import { hasCommand, skipUnlessPresent } from "../oracle/prerequisites.js";

const MIGRATIONS = join(repoRoot(), "migrations");
const skip = skipUnlessPresent(
  "schema vs migrations",
  hasCommand("sqlite3") ? [] : ["sqlite3"],
  "apt-get install sqlite3 (.ci/run does)",
);

interface Column {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

/** Runs `sql` in a database built by applying every migration in order; rows as JSON. */
function migratedQuery<T>(sql: string): T[] {
  const files = readdirSync(MIGRATIONS)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  const script = [...files.map((f) => `.read ${join(MIGRATIONS, f)}`), ".mode json", sql].join(
    "\n",
  );
  const out = execFileSync("sqlite3", [":memory:"], { input: script, encoding: "utf8" });
  return out.trim() === "" ? [] : (JSON.parse(out) as T[]);
}

const tables = Object.values(schema as Record<string, unknown>)
  .filter((value) => is(value, SQLiteTable))
  .map((table) => getTableConfig(table as SQLiteTable));

describe.skipIf(skip)("the drizzle schema and the migrations", () => {
  it("declare the same tables", () => {
    const migrated = migratedQuery<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;",
    ).map((r) => r.name);
    expect(migrated).toEqual(tables.map((t) => t.name).sort());
  });

  it.each(tables.map((t) => [t.name, t] as const))(
    "declare the same columns for %s",
    (name, table) => {
      const migrated = migratedQuery<Column>(
        `SELECT name, type, "notnull", pk FROM pragma_table_info('${name}') ORDER BY name;`,
      ).map((c) => ({ name: c.name, type: c.type, notNull: c.notnull === 1, pk: c.pk > 0 }));
      const compositeKey = new Set(table.primaryKeys.flatMap((k) => k.columns.map((c) => c.name)));
      const declared = table.columns
        .map((c) => ({
          name: c.name,
          type: c.getSQLType().toUpperCase(),
          notNull: c.notNull || c.primary,
          pk: c.primary || compositeKey.has(c.name),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
      // SQLite reports NOT NULL only where declared; an INTEGER PRIMARY KEY is implicitly so.
      expect(migrated.map((c) => ({ ...c, notNull: c.notNull || c.pk }))).toEqual(
        declared.map((c) => ({ ...c, notNull: c.notNull || c.pk })),
      );
    },
  );

  it("declare the same indexes", () => {
    const migrated = migratedQuery<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%' ORDER BY name;",
    ).map((r) => r.name);
    const declared = tables.flatMap((t) => t.indexes.map((i) => i.config.name)).sort();
    expect(migrated).toEqual(declared);
  });
});

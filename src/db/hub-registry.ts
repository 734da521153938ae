/**
 * The hub registry: scenarios and postoverflows (YAML text) that agents register, the data files
 * they reference, and the per-scenario bucket setting admins choose. Bucket objects and the
 * ingestion endpoint compile from here, so adding a scenario needs no redeploy.
 */

import { chunkJsonRows } from "./json-chunks";

export type HubItemKind = "scenario" | "postoverflow";

/** One registered file. `name` is the hub item name (a file may hold several scenarios). */
export interface HubItemRow {
  kind: HubItemKind;
  name: string;
  hash: string;
  version: string;
  content: string;
  stage: string;
}

/** Bucket partitioning of a scenario: one deployment-wide bucket, or one per machine. */
export type BucketsMode = "deployment" | "machine";

export interface ScenarioSettingRow {
  name: string;
  buckets: BucketsMode;
  updatedAt: number;
}

const UPSERT_ITEMS = `INSERT INTO hub_items (kind, name, hash, version, content, stage, updated_at, updated_by)
SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, ?2, ?3
FROM json_each(?1) j WHERE true
ON CONFLICT (kind, name) DO UPDATE SET hash = excluded.hash, version = excluded.version,
  content = excluded.content, stage = excluded.stage, updated_at = excluded.updated_at,
  updated_by = excluded.updated_by`;

const UPSERT_DATA = `INSERT INTO hub_data (name, hash, content, updated_at)
SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, ?2 FROM json_each(?1) j WHERE true
ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, content = excluded.content,
  updated_at = excluded.updated_at`;

/**
 * Stores registered items and data files in one batch (one transaction): items replace the stored
 * ones of the same kind and name, data files those of the same name. Returns how many rows changed
 * content (a re-registration of the same hub changes nothing).
 */
export async function upsertHubRegistration(
  db: D1Database,
  items: readonly HubItemRow[],
  data: readonly { name: string; hash: string; content: string }[],
  machineId: string,
  now: number,
): Promise<{ itemsChanged: number; dataChanged: number }> {
  const known = await db
    .prepare("SELECT kind, name, hash, stage FROM hub_items")
    .all<{ kind: string; name: string; hash: string; stage: string }>();
  const knownItems = new Map(known.results.map((r) => [`${r.kind}\u0000${r.name}`, r]));
  const changedItems = items.filter((i) => {
    const old = knownItems.get(`${i.kind}\u0000${i.name}`);
    return !old || old.hash !== i.hash || old.stage !== i.stage;
  });
  const knownData = await db
    .prepare("SELECT name, hash FROM hub_data")
    .all<{ name: string; hash: string }>();
  const dataHashes = new Map(knownData.results.map((r) => [r.name, r.hash]));
  const changedData = data.filter((d) => dataHashes.get(d.name) !== d.hash);
  const statements: D1PreparedStatement[] = [];
  for (const chunk of chunkJsonRows(
    changedItems.map((i) => [i.kind, i.name, i.hash, i.version, i.content, i.stage]),
  )) {
    statements.push(db.prepare(UPSERT_ITEMS).bind(chunk, now, machineId));
  }
  for (const chunk of chunkJsonRows(changedData.map((d) => [d.name, d.hash, d.content]))) {
    statements.push(db.prepare(UPSERT_DATA).bind(chunk, now));
  }
  if (statements.length > 0) await db.batch(statements);
  return { itemsChanged: changedItems.length, dataChanged: changedData.length };
}

/** Name and hash of every registered item (small: what the ingestion path checks targets with). */
export async function listHubItemHashes(
  db: D1Database | D1DatabaseSession,
): Promise<{ kind: HubItemKind; name: string; hash: string }[]> {
  const r = await db
    .prepare("SELECT kind, name, hash FROM hub_items ORDER BY kind, name")
    .all<{ kind: HubItemKind; name: string; hash: string }>();
  return r.results;
}

/**
 * A fingerprint of the registered items of `kind` and of every data file (name, hash, stage):
 * equal fingerprints mean an already compiled pipeline is still current. Null when no item of
 * `kind` is registered.
 */
export async function hubRegistryFingerprint(
  db: D1Database | D1DatabaseSession,
  kind: HubItemKind,
): Promise<string | null> {
  const r = await db
    .prepare(
      `SELECT 'i' AS t, name, hash, stage FROM hub_items WHERE kind = ?1
       UNION ALL SELECT 'd', name, hash, '' FROM hub_data ORDER BY 1, 2`,
    )
    .bind(kind)
    .all<{ t: string; name: string; hash: string; stage: string }>();
  if (!r.results.some((row) => row.t === "i")) return null;
  return r.results.map((row) => `${row.t}:${row.name}:${row.hash}:${row.stage}`).join("\n");
}

/** Full rows of the registered items of `kind` whose hash is in `hashes` (all when omitted). */
export async function getHubItems(
  db: D1Database | D1DatabaseSession,
  kind: HubItemKind,
  hashes?: readonly string[],
): Promise<HubItemRow[]> {
  const sql = `SELECT kind, name, hash, version, content, stage FROM hub_items WHERE kind = ?1${
    hashes ? " AND hash IN (SELECT value FROM json_each(?2))" : ""
  } ORDER BY name`;
  const stmt = hashes
    ? db.prepare(sql).bind(kind, JSON.stringify(hashes))
    : db.prepare(sql).bind(kind);
  return (await stmt.all<HubItemRow>()).results;
}

/** Data files by name; names not registered are absent from the map. */
export async function getHubData(
  db: D1Database | D1DatabaseSession,
  names: readonly string[],
): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const r = await db
    .prepare("SELECT name, content FROM hub_data WHERE name IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify([...new Set(names)]))
    .all<{ name: string; content: string }>();
  return new Map(r.results.map((row) => [row.name, row.content]));
}

/** Every scenario setting an admin chose (scenarios absent here use deployment-wide buckets). */
export async function listScenarioSettings(
  db: D1Database | D1DatabaseSession,
): Promise<ScenarioSettingRow[]> {
  const r = await db
    .prepare("SELECT name, buckets, updated_at AS updatedAt FROM scenario_settings ORDER BY name")
    .all<ScenarioSettingRow>();
  return r.results;
}

/** Sets the bucket partitioning of one scenario. */
export async function setScenarioSetting(
  db: D1Database,
  name: string,
  buckets: BucketsMode,
  now: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO scenario_settings (name, buckets, updated_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (name) DO UPDATE SET buckets = excluded.buckets, updated_at = excluded.updated_at`,
    )
    .bind(name, buckets, now)
    .run();
}

/**
 * The hub registry: scenarios and postoverflows (YAML text) that agents register, the data files
 * they reference, and the per-scenario bucket setting admins choose. Bucket objects and the
 * ingestion endpoint compile from here, so adding a scenario needs no redeploy.
 */

import { and, eq, sql } from "drizzle-orm";
import { batchAll, type Db, type Statement } from "./client";
import { chunkJsonRows, inJson, selectJsonRows } from "./json-chunks";
import { hubData, hubItems, scenarioSettings } from "./schema";

export type HubItemKind = "scenario" | "postoverflow";

/** One registered file. `name` is the hub item name (a file may hold several scenarios). */
export type HubItemRow = Omit<typeof hubItems.$inferSelect, "updatedAt" | "updatedBy"> & {
  kind: HubItemKind;
};

/** Bucket partitioning of a scenario: one deployment-wide bucket, or one per machine. */
export type BucketsMode = "deployment" | "machine";

export type ScenarioSettingRow = typeof scenarioSettings.$inferSelect & { buckets: BucketsMode };

const ITEM_KEYS = ["kind", "name", "hash", "version", "content", "stage"] as const;
const DATA_KEYS = ["name", "hash", "content"] as const;

const ITEM_FIELDS = {
  kind: hubItems.kind,
  name: hubItems.name,
  hash: hubItems.hash,
  version: hubItems.version,
  content: hubItems.content,
  stage: hubItems.stage,
};

/**
 * Stores registered items and data files in one batch (one transaction): items replace the stored
 * ones of the same kind and name, data files those of the same name. Returns how many rows changed
 * content (a re-registration of the same hub changes nothing).
 */
export async function upsertHubRegistration(
  db: Db,
  items: readonly HubItemRow[],
  data: readonly { name: string; hash: string; content: string }[],
  machineId: string,
  now: number,
): Promise<{ itemsChanged: number; dataChanged: number }> {
  const known = await db
    .select({
      kind: hubItems.kind,
      name: hubItems.name,
      hash: hubItems.hash,
      stage: hubItems.stage,
    })
    .from(hubItems);
  const knownItems = new Map(known.map((r) => [`${r.kind}\u0000${r.name}`, r]));
  const changedItems = items.filter((i) => {
    const old = knownItems.get(`${i.kind}\u0000${i.name}`);
    return !old || old.hash !== i.hash || old.stage !== i.stage;
  });
  const knownData = await db.select({ name: hubData.name, hash: hubData.hash }).from(hubData);
  const dataHashes = new Map(knownData.map((r) => [r.name, r.hash]));
  const changedData = data.filter((d) => dataHashes.get(d.name) !== d.hash);
  const statements: Statement[] = [];
  for (const chunk of chunkJsonRows(changedItems.map((i) => ITEM_KEYS.map((k) => i[k])))) {
    const select = selectJsonRows(hubItems, ITEM_KEYS, chunk, {
      updatedAt: sql`${now}`,
      updatedBy: sql`${machineId}`,
    });
    statements.push(
      db
        .insert(hubItems)
        .select(select)
        .onConflictDoUpdate({
          target: [hubItems.kind, hubItems.name],
          set: {
            hash: sql`excluded.hash`,
            version: sql`excluded.version`,
            content: sql`excluded.content`,
            stage: sql`excluded.stage`,
            updatedAt: sql`excluded.updated_at`,
            updatedBy: sql`excluded.updated_by`,
          },
        }),
    );
  }
  for (const chunk of chunkJsonRows(changedData.map((d) => DATA_KEYS.map((k) => d[k])))) {
    const select = selectJsonRows(hubData, DATA_KEYS, chunk, { updatedAt: sql`${now}` });
    statements.push(
      db
        .insert(hubData)
        .select(select)
        .onConflictDoUpdate({
          target: hubData.name,
          set: {
            hash: sql`excluded.hash`,
            content: sql`excluded.content`,
            updatedAt: sql`excluded.updated_at`,
          },
        }),
    );
  }
  if (statements.length > 0) await batchAll(db, statements);
  return { itemsChanged: changedItems.length, dataChanged: changedData.length };
}

/** Name and hash of every registered item (small: what the ingestion path checks targets with). */
export async function listHubItemHashes(
  db: Db,
): Promise<{ kind: HubItemKind; name: string; hash: string }[]> {
  const rows = await db
    .select({ kind: hubItems.kind, name: hubItems.name, hash: hubItems.hash })
    .from(hubItems)
    .orderBy(hubItems.kind, hubItems.name);
  return rows as { kind: HubItemKind; name: string; hash: string }[];
}

/**
 * A fingerprint of the registered items of `kind` and of every data file (name, hash, stage):
 * equal fingerprints mean an already compiled pipeline is still current. Null when no item of
 * `kind` is registered.
 */
export async function hubRegistryFingerprint(db: Db, kind: HubItemKind): Promise<string | null> {
  const rows = await db
    .select({
      t: sql<string>`'i'`,
      name: hubItems.name,
      hash: hubItems.hash,
      stage: hubItems.stage,
    })
    .from(hubItems)
    .where(eq(hubItems.kind, kind))
    .unionAll(
      db
        .select({
          t: sql<string>`'d'`,
          name: hubData.name,
          hash: hubData.hash,
          stage: sql<string>`''`,
        })
        .from(hubData),
    )
    // A compound select orders by result column position.
    .orderBy(sql`1`, sql`2`);
  if (!rows.some((row) => row.t === "i")) return null;
  return rows.map((row) => `${row.t}:${row.name}:${row.hash}:${row.stage}`).join("\n");
}

/** Full rows of the registered items of `kind` whose hash is in `hashes` (all when omitted). */
export async function getHubItems(
  db: Db,
  kind: HubItemKind,
  hashes?: readonly string[],
): Promise<HubItemRow[]> {
  const rows = await db
    .select(ITEM_FIELDS)
    .from(hubItems)
    .where(and(eq(hubItems.kind, kind), hashes ? inJson(hubItems.hash, hashes) : undefined))
    .orderBy(hubItems.name);
  return rows as HubItemRow[];
}

/** Data files by name; names not registered are absent from the map. */
export async function getHubData(db: Db, names: readonly string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .select({ name: hubData.name, content: hubData.content })
    .from(hubData)
    .where(inJson(hubData.name, [...new Set(names)]));
  return new Map(rows.map((row) => [row.name, row.content]));
}

/** Every scenario setting an admin chose (scenarios absent here use deployment-wide buckets). */
export async function listScenarioSettings(db: Db): Promise<ScenarioSettingRow[]> {
  const rows = await db.select().from(scenarioSettings).orderBy(scenarioSettings.name);
  return rows as ScenarioSettingRow[];
}

/** Sets the bucket partitioning of one scenario. */
export async function setScenarioSetting(
  db: Db,
  name: string,
  buckets: BucketsMode,
  now: number,
): Promise<void> {
  await db
    .insert(scenarioSettings)
    .values({ name, buckets, updatedAt: now })
    .onConflictDoUpdate({ target: scenarioSettings.name, set: { buckets, updatedAt: now } });
}

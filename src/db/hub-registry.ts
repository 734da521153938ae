/**
 * The hub registry: scenarios and postoverflows (YAML text) that agents register, the data files
 * they reference, and the per-scenario bucket setting admins choose. Contents are stored once by
 * content key (`hub_contents`, `hub_data_contents`, never overwritten); each machine's own list
 * of items (`machine_hub_items`) says which contents its events go through, so one machine's
 * registration never changes another's (issue 12, hole 3). Bucket objects and the ingestion
 * endpoint compile from here, so adding a scenario needs no redeploy.
 */

import { and, eq, sql } from "drizzle-orm";
import { batchAll, type Db, type Statement } from "./client";
import { chunkJsonRows, inJson, selectJsonRows } from "./json-chunks";
import { hubContents, hubDataContents, machineHubItems, scenarioSettings } from "./schema";

export type HubItemKind = "scenario" | "postoverflow";

/** One stored content: a registered file with the data file hashes it was registered with. */
export interface HubContentRow {
  key: string;
  kind: HubItemKind;
  name: string;
  hash: string;
  version: string;
  content: string;
  /** Data file name → sha256 of its content. */
  data: Record<string, string>;
}

/** One item of a machine's hub. */
export interface MachineHubItem {
  kind: HubItemKind;
  name: string;
  hash: string;
  contentKey: string;
  stage: string;
}

/** Bucket partitioning of a scenario: one deployment-wide bucket, or one per machine. */
export type BucketsMode = "deployment" | "machine";

export type ScenarioSettingRow = typeof scenarioSettings.$inferSelect & { buckets: BucketsMode };

const CONTENT_KEYS = ["key", "kind", "name", "hash", "version", "content", "data"] as const;
const ITEM_KEYS = ["kind", "name", "hash", "contentKey", "stage"] as const;

/**
 * Stores a machine's registration in one batch (one transaction): contents and data files not
 * stored yet are added, and each of `items` replaces the machine's item of the same kind and
 * name (its other items stay, as with the deployment-wide registry before; other machines' lists
 * are untouched). Returns how many of the machine's items and data files changed (a
 * re-registration of the same hub changes nothing).
 */
export async function storeHubRegistration(
  db: Db,
  machineId: string,
  contents: readonly HubContentRow[],
  data: readonly { hash: string; content: string }[],
  items: readonly MachineHubItem[],
  now: number,
): Promise<{ itemsChanged: number; dataChanged: number }> {
  const before = await db
    .select({
      kind: machineHubItems.kind,
      name: machineHubItems.name,
      contentKey: machineHubItems.contentKey,
      stage: machineHubItems.stage,
      data: hubContents.data,
    })
    .from(machineHubItems)
    .innerJoin(hubContents, eq(hubContents.key, machineHubItems.contentKey))
    .where(eq(machineHubItems.machineId, machineId));
  const old = new Map(before.map((r) => [`${r.kind}\u0000${r.name}`, r]));
  const changed = items.filter((i) => {
    const o = old.get(`${i.kind}\u0000${i.name}`);
    return !o || o.contentKey !== i.contentKey || o.stage !== i.stage;
  });
  const changedItems = changed.length;
  const oldData = new Set(
    before.flatMap((r) =>
      Object.entries(JSON.parse(r.data) as Record<string, string>).map(([n, h]) => `${n}:${h}`),
    ),
  );
  const newData = new Set(
    contents.flatMap((c) => Object.entries(c.data).map(([n, h]) => `${n}:${h}`)),
  );
  const changedData = [...newData].filter((d) => !oldData.has(d)).length;
  if (changedItems === 0 && changedData === 0) return { itemsChanged: 0, dataChanged: 0 };

  const statements: Statement[] = [];
  const contentRows = contents.map((c) =>
    CONTENT_KEYS.map((k) => (k === "data" ? JSON.stringify(c.data) : c[k])),
  );
  for (const chunk of chunkJsonRows(contentRows)) {
    const select = selectJsonRows(hubContents, CONTENT_KEYS, chunk, { createdAt: sql`${now}` });
    statements.push(db.insert(hubContents).select(select).onConflictDoNothing());
  }
  for (const chunk of chunkJsonRows(data.map((d) => [d.hash, d.content]))) {
    const select = selectJsonRows(hubDataContents, ["hash", "content"], chunk, {
      createdAt: sql`${now}`,
    });
    statements.push(db.insert(hubDataContents).select(select).onConflictDoNothing());
  }
  for (const chunk of chunkJsonRows(changed.map((i) => ITEM_KEYS.map((k) => i[k])))) {
    const select = selectJsonRows(machineHubItems, ITEM_KEYS, chunk, {
      machineId: sql`${machineId}`,
      updatedAt: sql`${now}`,
    });
    statements.push(
      db
        .insert(machineHubItems)
        .select(select)
        .onConflictDoUpdate({
          target: [machineHubItems.machineId, machineHubItems.kind, machineHubItems.name],
          set: {
            hash: sql`excluded.hash`,
            contentKey: sql`excluded.content_key`,
            stage: sql`excluded.stage`,
            updatedAt: sql`excluded.updated_at`,
          },
        }),
    );
  }
  await batchAll(db, statements);
  return { itemsChanged: changedItems, dataChanged: changedData };
}

/** The items of one machine's hub (small: what the ingestion path checks targets with). */
export async function listMachineHubItems(
  db: Db,
  machineId: string,
  kind?: HubItemKind,
): Promise<MachineHubItem[]> {
  const rows = await db
    .select({
      kind: machineHubItems.kind,
      name: machineHubItems.name,
      hash: machineHubItems.hash,
      contentKey: machineHubItems.contentKey,
      stage: machineHubItems.stage,
    })
    .from(machineHubItems)
    .where(
      and(
        eq(machineHubItems.machineId, machineId),
        kind ? eq(machineHubItems.kind, kind) : undefined,
      ),
    )
    .orderBy(machineHubItems.kind, machineHubItems.name);
  return rows as MachineHubItem[];
}

/** Stored contents by key; keys not stored are absent from the result. */
export async function getHubContents(db: Db, keys: readonly string[]): Promise<HubContentRow[]> {
  if (keys.length === 0) return [];
  const rows = await db
    .select()
    .from(hubContents)
    .where(inJson(hubContents.key, [...new Set(keys)]))
    .orderBy(hubContents.name);
  return rows.map((r) => ({
    key: r.key,
    kind: r.kind as HubItemKind,
    name: r.name,
    hash: r.hash,
    version: r.version,
    content: r.content,
    data: JSON.parse(r.data) as Record<string, string>,
  }));
}

/** Data file contents by hash; hashes not stored are absent from the map. */
export async function getHubDataContents(
  db: Db,
  hashes: readonly string[],
): Promise<Map<string, string>> {
  if (hashes.length === 0) return new Map();
  const rows = await db
    .select({ hash: hubDataContents.hash, content: hubDataContents.content })
    .from(hubDataContents)
    .where(inJson(hubDataContents.hash, [...new Set(hashes)]));
  return new Map(rows.map((row) => [row.hash, row.content]));
}

/** Every distinct registered scenario file (any machine), with how many machines use it. */
export async function listRegisteredScenarioFiles(
  db: Db,
): Promise<{ name: string; hash: string; version: string; content: string; machines: number }[]> {
  return db
    .select({
      name: hubContents.name,
      hash: hubContents.hash,
      version: hubContents.version,
      content: hubContents.content,
      machines: sql<number>`count(DISTINCT ${machineHubItems.machineId})`,
    })
    .from(machineHubItems)
    .innerJoin(hubContents, eq(hubContents.key, machineHubItems.contentKey))
    .where(eq(machineHubItems.kind, "scenario"))
    .groupBy(hubContents.key)
    .orderBy(hubContents.name, hubContents.hash);
}

/**
 * Removes the hub items of machines that no longer exist, then contents and data files no
 * machine uses and stored before `before` (bucket instances keep a content key for their
 * lifetime, so contents are kept a while after their last user left). Returns rows removed.
 */
export async function purgeUnusedHubContents(db: Db, before: number): Promise<number> {
  const results = await batchAll(db, [
    db
      .delete(machineHubItems)
      .where(sql`${machineHubItems.machineId} NOT IN (SELECT machine_id FROM machines)`),
    db.delete(hubContents).where(
      sql`${hubContents.createdAt} < ${before}
          AND ${hubContents.key} NOT IN (SELECT content_key FROM machine_hub_items)`,
    ),
    db.delete(hubDataContents).where(
      sql`${hubDataContents.createdAt} < ${before}
          AND ${hubDataContents.hash} NOT IN (SELECT j.value FROM hub_contents c, json_each(c.data) j)`,
    ),
  ]);
  return results.reduce<number>(
    (n, r) => n + ((r as { meta?: { changes?: number } }).meta?.changes ?? 0),
    0,
  );
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

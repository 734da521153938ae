import { and, count, eq, gt, gte, inArray, isNull, or, sql } from "drizzle-orm";
import { type IpRange, parseIpOrRange, toHex } from "../shared/ip-range";
import { batchAll, type Db, isUniqueViolation, type Statement } from "./client";
import { ipCondition } from "./ip-match";
import { inJson } from "./json-chunks";
import { allowlistItems, allowlists, decisions } from "./schema";

/**
 * Allowlists (CrowdSec 1.6.6+, pkg/database/allowlists.go): named lists of IPs and CIDR blocks
 * that LAPI consults before storing a decision-less alert, and that clients query through
 * `/v1/allowlists/check`. Items carry the same IP columns as decisions, so a check is an index
 * lookup (src/db/ip-match.ts).
 */

export type AllowlistRow = typeof allowlists.$inferSelect;

export type AllowlistItemRow = Pick<
  typeof allowlistItems.$inferSelect,
  "id" | "allowlistId" | "value" | "comment" | "expiresAt" | "createdAt"
>;

export interface AllowlistWithItems extends AllowlistRow {
  /** Non-expired items, in insertion order (only when content was asked for). */
  items: AllowlistItemRow[];
}

/** CrowdSec keeps an item while `expires_at >= now` (ExpiresAtGTE) or when it has none. */
const itemActive = (now: number) =>
  or(isNull(allowlistItems.expiresAt), gte(allowlistItems.expiresAt, now));

/** Creates a list; `duplicate` when the name is taken (names are unique, like CrowdSec's). */
export async function createAllowlist(
  db: Db,
  list: { name: string; description: string },
): Promise<AllowlistRow | "duplicate"> {
  try {
    const [row] = await db
      .insert(allowlists)
      .values({ allowlistId: "", name: list.name, description: list.description })
      .returning();
    return row!;
  } catch (e) {
    if (isUniqueViolation(e)) return "duplicate";
    throw e;
  }
}

async function itemsOf(db: Db, listIds: number[], now: number): Promise<AllowlistItemRow[]> {
  if (listIds.length === 0) return [];
  return db
    .select({
      id: allowlistItems.id,
      allowlistId: allowlistItems.allowlistId,
      value: allowlistItems.value,
      comment: allowlistItems.comment,
      expiresAt: allowlistItems.expiresAt,
      createdAt: allowlistItems.createdAt,
    })
    .from(allowlistItems)
    .where(and(inJson(allowlistItems.allowlistId, listIds), itemActive(now)))
    .orderBy(allowlistItems.id);
}

async function withItems(
  db: Db,
  lists: AllowlistRow[],
  withContent: boolean,
  now: number,
): Promise<AllowlistWithItems[]> {
  const items = withContent
    ? await itemsOf(
        db,
        lists.map((l) => l.id),
        now,
      )
    : [];
  return lists.map((l) => ({ ...l, items: items.filter((i) => i.allowlistId === l.id) }));
}

/** All lists in creation order, with their live items when `withContent`. */
export async function listAllowlists(
  db: Db,
  withContent: boolean,
  now: number,
): Promise<AllowlistWithItems[]> {
  const lists = await db.select().from(allowlists).orderBy(allowlists.id);
  return withItems(db, lists, withContent, now);
}

/** One list by name (undefined when absent), with its live items when `withContent`. */
export async function getAllowlist(
  db: Db,
  name: string,
  withContent: boolean,
  now: number,
): Promise<AllowlistWithItems | undefined> {
  const row = await db.select().from(allowlists).where(eq(allowlists.name, name)).get();
  if (!row) return undefined;
  const [list] = await withItems(db, [row], withContent, now);
  return list;
}

/** Deletes a list and its items in one batch; false when no list has that name. */
export async function deleteAllowlist(db: Db, name: string): Promise<boolean> {
  const named = db.select({ id: allowlists.id }).from(allowlists).where(eq(allowlists.name, name));
  const [, deleted] = await db.batch([
    db.delete(allowlistItems).where(inArray(allowlistItems.allowlistId, named)),
    db.delete(allowlists).where(eq(allowlists.name, name)).returning({ id: allowlists.id }),
  ]);
  return deleted.length > 0;
}

const INSERT_ROWS = 14;
/** SQL text per decision-expiry statement; D1 refuses statements over 100 KB. */
const EXPIRE_SQL_BUDGET = 48_000;

export interface NewAllowlistItem {
  value: string;
  range: IpRange;
  comment: string;
  expiresAt: number | null;
}

export interface AddItemsResult {
  added: number;
  /** Active decisions on an allowlisted value that were expired (CrowdSec 1.7 does the same). */
  decisionsExpired: number;
}

/** `(a OR b OR …)` nested as a balanced tree: D1 caps SQL expression depth at 100. */
function balancedOr(conds: string[]): string {
  if (conds.length === 1) return `(${conds[0]})`;
  const half = conds.length >> 1;
  return `(${balancedOr(conds.slice(0, half))} OR ${balancedOr(conds.slice(half))})`;
}

/**
 * Adds items to a list in one atomic batch: the rows (a trigger records their prefix lengths for
 * the lookups of ip-match.ts) and, like CrowdSec's ApplyAllowlistsToExistingDecisions, the
 * expiry of active decisions that overlap a new item, so bouncers drop them on their next poll.
 */
export async function addAllowlistItems(
  db: Db,
  listId: number,
  items: NewAllowlistItem[],
  now: number,
  expireDecisions: boolean,
): Promise<AddItemsResult> {
  const statements: Statement[] = [];
  // Multi-row inserts, 7 bound values a row, kept under D1's 100-parameter cap.
  type Blob = (typeof allowlistItems.$inferInsert)["startIp"];
  for (let i = 0; i < items.length; i += INSERT_ROWS) {
    const rows = items.slice(i, i + INSERT_ROWS).map((item) => ({
      allowlistId: listId,
      value: item.value,
      comment: item.comment,
      expiresAt: item.expiresAt,
      ipSize: item.range.size,
      // The column is typed Buffer (what drizzle reads back); D1 binds any Uint8Array as a BLOB.
      startIp: item.range.start as Blob,
      endIp: item.range.end as Blob,
    }));
    statements.push(db.insert(allowlistItems).values(rows));
  }
  const expireFrom = statements.length;
  if (expireDecisions) {
    // Overlap both ways, as CrowdSec's applyAllowlistBatch: a decision inside the item, or a
    // decision block that contains it. Conditions are SQL built from our own parsed bytes, grouped
    // under D1's statement-length limit (an IPv6 condition alone is several KiB).
    const groups: string[][] = [[]];
    let length = 0;
    for (const item of items) {
      const cond = `${ipCondition(item.range, true)} OR ${ipCondition(item.range, false)}`;
      if (length + cond.length > EXPIRE_SQL_BUDGET && groups.at(-1)!.length > 0) {
        groups.push([]);
        length = 0;
      }
      groups.at(-1)!.push(cond);
      length += cond.length;
    }
    // Each group is counted, then expired, in the same transaction: D1's meta.changes also
    // counts the rows the `decisions_touch` trigger writes, and RETURNING would ship every id
    // when a wide range is allowlisted. A decision expired by one group no longer counts for
    // the next (`until > now`).
    for (const group of groups) {
      const cond = and(gt(decisions.until, now), sql.raw(balancedOr(group)));
      statements.push(
        db.select({ n: count() }).from(decisions).where(cond),
        db.update(decisions).set({ until: now, updatedAt: now }).where(cond),
      );
    }
  }
  statements.push(touchList(db, listId, now));
  const results = await batchAll(db, statements);
  let decisionsExpired = 0;
  for (let k = expireFrom; k < results.length - 1; k += 2) {
    decisionsExpired += (results[k] as { n: number }[])[0]?.n ?? 0;
  }
  return { added: items.length, decisionsExpired };
}

/** Removes the items of a list whose value is one of `values`; returns how many went. */
export async function removeAllowlistItems(
  db: Db,
  listId: number,
  values: string[],
  now: number,
): Promise<number> {
  const [removed] = await db.batch([
    db
      .delete(allowlistItems)
      .where(and(eq(allowlistItems.allowlistId, listId), inJson(allowlistItems.value, values)))
      .returning({ id: allowlistItems.id }),
    touchList(db, listId, now),
  ]);
  return removed.length;
}

function touchList(db: Db, listId: number, now: number) {
  return db.update(allowlists).set({ updatedAt: now }).where(eq(allowlists.id, listId));
}

/** The reasons query for one value (two index lookups), `now` as the SQL text given. */
function reasonsSql(range: IpRange, now: string): string {
  const select = (cond: string) =>
    `SELECT i.id AS item_id, i.value AS value, i.comment AS comment, l.name AS name FROM allowlist_items i JOIN allowlists l ON l.id = i.allowlist_id WHERE ${cond} AND (i.expires_at IS NULL OR i.expires_at >= ${now})`;
  return `${select(ipCondition(range, true, "i"))} UNION ${select(ipCondition(range, false, "i"))} ORDER BY name, item_id`;
}

/** The reasons query with `now` bound twice, for the query-plan test. */
export function allowlistReasonsSql(range: IpRange): string {
  return reasonsSql(range, "?");
}

/**
 * Raw SQL: a UNION ordered by its result columns, over index-probe conditions that are SQL text
 * already (ip-match.ts). `now` is inlined (our own number) because drizzle batches raw
 * statements only when they bind nothing.
 */
function reasonsStatement(db: Db, range: IpRange, now: number) {
  return db.all<ReasonRow>(sql.raw(reasonsSql(range, String(Math.trunc(now)))));
}

type ReasonRow = { item_id: number; value: string; comment: string; name: string };

function reasonTexts(rows: ReasonRow[]): string[] {
  return rows.map(
    (row) => `${row.value} from ${row.name}${row.comment ? ` (${row.comment})` : ""}`,
  );
}

/**
 * CrowdSec's IsAllowlistedBy: one reason per live item of the same family that contains the
 * value or is contained in it, `"<item> from <list>[ (<comment>)]"`, sorted by list name (stable,
 * so items of one list keep their insertion order). Both halves are index lookups.
 */
export async function allowlistReasons(db: Db, range: IpRange, now: number): Promise<string[]> {
  return reasonTexts(await reasonsStatement(db, range, now));
}

/** Statements per D1 batch in bulk checks (cscli `decisions import` checks every line). */
const CHECK_BATCH = 200;
/** Bulk checks load the whole live table when it has at most this many items per target. */
const LOAD_ALL_PER_TARGET = 20;

interface LoadedItem {
  order: number;
  start: string;
  end: string;
  reason: string;
}

/**
 * In-memory overlap test for large bulk checks. CIDR blocks either nest or are disjoint, so
 * "contains or is contained in" is interval intersection: `item.start <= t.end` and
 * `item.end >= t.start`, on fixed-width hex (string order = numeric order). Items are sorted by
 * start with a running maximum of their ends, so each target costs a binary search plus its
 * matches.
 */
function overlapMatcher(items: LoadedItem[]): (t: IpRange) => number[] {
  const sorted = [...items].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const maxEnd: string[] = [];
  for (const [k, item] of sorted.entries()) {
    maxEnd.push(k > 0 && maxEnd[k - 1]! > item.end ? maxEnd[k - 1]! : item.end);
  }
  return (t) => {
    const start = toHex(t.start);
    const end = toHex(t.end);
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.start <= end) lo = mid + 1;
      else hi = mid;
    }
    const hits: number[] = [];
    for (let k = lo - 1; k >= 0 && maxEnd[k]! >= start; k--) {
      if (sorted[k]!.end >= start) hits.push(sorted[k]!.order);
    }
    return hits.sort((a, b) => a - b);
  };
}

async function loadAllItems(db: Db, now: number): Promise<LoadedItem[][]> {
  const rows = await db
    .select({
      size: allowlistItems.ipSize,
      // Fixed-width hex: string order is numeric order (overlapMatcher).
      start: sql<string>`lower(hex(${allowlistItems.startIp}))`,
      end: sql<string>`lower(hex(${allowlistItems.endIp}))`,
      item_id: allowlistItems.id,
      value: allowlistItems.value,
      comment: allowlistItems.comment,
      name: allowlists.name,
    })
    .from(allowlistItems)
    .innerJoin(allowlists, eq(allowlists.id, allowlistItems.allowlistId))
    .where(itemActive(now))
    .orderBy(allowlists.name, allowlistItems.id);
  const reasons = reasonTexts(rows);
  const v4: LoadedItem[] = [];
  const v6: LoadedItem[] = [];
  rows.forEach((row, order) => {
    (row.size === 4 ? v4 : v6).push({
      order,
      start: row.start,
      end: row.end,
      reason: reasons[order]!,
    });
  });
  return [v4, v6];
}

/**
 * allowlistReasons for many values (POST /v1/allowlists/check, which HEAD cscli sends for every
 * line of a `decisions import`): nothing to do when no list has items, the common case; the live
 * items loaded once and matched in memory when there are few of them per target; otherwise
 * batched index lookups, a round trip per 200 values.
 */
export async function allowlistReasonsMany(
  db: Db,
  ranges: IpRange[],
  now: number,
): Promise<string[][]> {
  const anyItem = (offset: number) =>
    db.select({ one: sql`1` }).from(allowlistItems).limit(1).offset(offset).get();
  if (!(await anyItem(0))) return ranges.map(() => []);
  const many = await anyItem(ranges.length * LOAD_ALL_PER_TARGET);
  if (!many) {
    const [v4, v6] = await loadAllItems(db, now);
    const reasonOf = new Map([...v4!, ...v6!].map((i) => [i.order, i.reason]));
    const match4 = overlapMatcher(v4!);
    const match6 = overlapMatcher(v6!);
    return ranges.map((t) => (t.size === 4 ? match4 : match6)(t).map((o) => reasonOf.get(o)!));
  }
  const out: string[][] = [];
  for (let i = 0; i < ranges.length; i += CHECK_BATCH) {
    const chunk = ranges.slice(i, i + CHECK_BATCH).map((r) => reasonsStatement(db, r, now));
    const results = (await batchAll(db, chunk)) as ReasonRow[][];
    for (const r of results) out.push(reasonTexts(r));
  }
  return out;
}

export interface AllowlistCheck {
  allowlisted: boolean;
  /** CrowdSec's reason text: every matching item, joined with ", ". */
  reason: string;
}

/**
 * Whether an IP or CIDR value is covered by a live allowlist item, for callers such as
 * `POST /v1/alerts` (CrowdSec 1.6.6+ drops decision-less alerts whose Ip/Range source is
 * allowlisted). Returns null when the value is not an IP or CIDR: CrowdSec logs that case and
 * keeps the alert.
 */
export async function isAllowlisted(
  db: Db,
  value: string,
  now: number,
): Promise<AllowlistCheck | null> {
  const range = parseIpOrRange(value);
  if (!range) return null;
  const reasons = await allowlistReasons(db, range, now);
  return { allowlisted: reasons.length > 0, reason: reasons.join(", ") };
}

import { type IpRange, parseIpOrRange, toHex } from "../shared/ip-range";
import { isUniqueViolation } from "./client";
import { ipCondition } from "./ip-match";

/**
 * Allowlists (CrowdSec 1.6.6+, pkg/database/allowlists.go): named lists of IPs and CIDR blocks
 * that LAPI consults before storing a decision-less alert, and that clients query through
 * `/v1/allowlists/check`. Items carry the same IP columns as decisions, so a check is an index
 * lookup (src/db/ip-match.ts).
 */

type D1 = D1Database | D1DatabaseSession;

export interface AllowlistRow {
  id: number;
  allowlistId: string;
  name: string;
  description: string;
  fromConsole: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface AllowlistItemRow {
  id: number;
  allowlistId: number;
  value: string;
  comment: string;
  /** ms; null = never expires. */
  expiresAt: number | null;
  createdAt: number;
}

export interface AllowlistWithItems extends AllowlistRow {
  /** Non-expired items, in insertion order (only when content was asked for). */
  items: AllowlistItemRow[];
}

const LIST_COLUMNS =
  "id, allowlist_id AS allowlistId, name, description, from_console AS fromConsole, created_at AS createdAt, updated_at AS updatedAt";
const ITEM_COLUMNS =
  "i.id, i.allowlist_id AS allowlistId, i.value, i.comment, i.expires_at AS expiresAt, i.created_at AS createdAt";
/** CrowdSec keeps an item while `expires_at >= now` (ExpiresAtGTE) or when it has none. */
const ITEM_ACTIVE = "(i.expires_at IS NULL OR i.expires_at >= ?)";

function toList(r: Record<string, unknown>): AllowlistRow {
  return { ...(r as unknown as AllowlistRow), fromConsole: Boolean(r.fromConsole) };
}

/** Creates a list; `duplicate` when the name is taken (names are unique, like CrowdSec's). */
export async function createAllowlist(
  db: D1Database,
  list: { name: string; description: string },
): Promise<AllowlistRow | "duplicate"> {
  try {
    const row = await db
      .prepare(
        `INSERT INTO allowlists (allowlist_id, name, description) VALUES ('', ?, ?) RETURNING ${LIST_COLUMNS}`,
      )
      .bind(list.name, list.description)
      .first<Record<string, unknown>>();
    return toList(row!);
  } catch (e) {
    if (isUniqueViolation(e)) return "duplicate";
    throw e;
  }
}

async function itemsOf(db: D1, listIds: number[], now: number): Promise<AllowlistItemRow[]> {
  if (listIds.length === 0) return [];
  const r = await db
    .prepare(
      `SELECT ${ITEM_COLUMNS} FROM allowlist_items i WHERE i.allowlist_id IN (SELECT value FROM json_each(?)) AND ${ITEM_ACTIVE} ORDER BY i.id`,
    )
    .bind(JSON.stringify(listIds), now)
    .all<AllowlistItemRow>();
  return r.results;
}

async function withItems(
  db: D1,
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
  db: D1,
  withContent: boolean,
  now: number,
): Promise<AllowlistWithItems[]> {
  const r = await db
    .prepare(`SELECT ${LIST_COLUMNS} FROM allowlists ORDER BY id`)
    .all<Record<string, unknown>>();
  return withItems(db, r.results.map(toList), withContent, now);
}

/** One list by name (undefined when absent), with its live items when `withContent`. */
export async function getAllowlist(
  db: D1,
  name: string,
  withContent: boolean,
  now: number,
): Promise<AllowlistWithItems | undefined> {
  const row = await db
    .prepare(`SELECT ${LIST_COLUMNS} FROM allowlists WHERE name = ?`)
    .bind(name)
    .first<Record<string, unknown>>();
  if (!row) return undefined;
  const [list] = await withItems(db, [toList(row)], withContent, now);
  return list;
}

/** Deletes a list and its items in one batch; false when no list has that name. */
export async function deleteAllowlist(db: D1Database, name: string): Promise<boolean> {
  const [, deleted] = await db.batch([
    db
      .prepare(
        "DELETE FROM allowlist_items WHERE allowlist_id IN (SELECT id FROM allowlists WHERE name = ?)",
      )
      .bind(name),
    db.prepare("DELETE FROM allowlists WHERE name = ? RETURNING id").bind(name),
  ]);
  return deleted!.results.length > 0;
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
  db: D1Database,
  listId: number,
  items: NewAllowlistItem[],
  now: number,
  expireDecisions: boolean,
): Promise<AddItemsResult> {
  const statements: D1PreparedStatement[] = [];
  // Multi-row inserts, 7 bound values a row, kept under D1's 100-parameter cap.
  for (let i = 0; i < items.length; i += INSERT_ROWS) {
    const chunk = items.slice(i, i + INSERT_ROWS);
    statements.push(
      db
        .prepare(
          `INSERT INTO allowlist_items (allowlist_id, value, comment, expires_at, ip_size, start_ip, end_ip) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
        )
        .bind(
          ...chunk.flatMap((item) => [
            listId,
            item.value,
            item.comment,
            item.expiresAt,
            item.range.size,
            item.range.start,
            item.range.end,
          ]),
        ),
    );
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
      const cond = `until > ? AND ${balancedOr(group)}`;
      statements.push(
        db.prepare(`SELECT COUNT(*) AS n FROM decisions WHERE ${cond}`).bind(now),
        db
          .prepare(`UPDATE decisions SET until = ?, updated_at = ? WHERE ${cond}`)
          .bind(now, now, now),
      );
    }
  }
  statements.push(
    db.prepare("UPDATE allowlists SET updated_at = ? WHERE id = ?").bind(now, listId),
  );
  const results = await db.batch<{ n?: number }>(statements);
  let decisionsExpired = 0;
  for (let k = expireFrom; k < results.length - 1; k += 2) {
    decisionsExpired += results[k]!.results[0]?.n ?? 0;
  }
  return { added: items.length, decisionsExpired };
}

/** Removes the items of a list whose value is one of `values`; returns how many went. */
export async function removeAllowlistItems(
  db: D1Database,
  listId: number,
  values: string[],
  now: number,
): Promise<number> {
  const [removed] = await db.batch([
    db
      .prepare(
        "DELETE FROM allowlist_items WHERE allowlist_id = ? AND value IN (SELECT value FROM json_each(?)) RETURNING id",
      )
      .bind(listId, JSON.stringify(values)),
    db.prepare("UPDATE allowlists SET updated_at = ? WHERE id = ?").bind(now, listId),
  ]);
  return removed!.results.length;
}

/** The reasons query for one value (two index lookups); binds `now` twice. Exported for plans. */
export function allowlistReasonsSql(range: IpRange): string {
  const select = (cond: string) =>
    `SELECT i.id AS item_id, i.value AS value, i.comment AS comment, l.name AS name FROM allowlist_items i JOIN allowlists l ON l.id = i.allowlist_id WHERE ${cond} AND ${ITEM_ACTIVE}`;
  return `${select(ipCondition(range, true, "i"))} UNION ${select(ipCondition(range, false, "i"))} ORDER BY name, item_id`;
}

function reasonsStatement(db: D1, range: IpRange, now: number): D1PreparedStatement {
  return db.prepare(allowlistReasonsSql(range)).bind(now, now);
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
export async function allowlistReasons(db: D1, range: IpRange, now: number): Promise<string[]> {
  const r = await reasonsStatement(db, range, now).all<ReasonRow>();
  return reasonTexts(r.results);
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

async function loadAllItems(db: D1, now: number): Promise<LoadedItem[][]> {
  const r = await db
    .prepare(
      `SELECT i.ip_size AS size, lower(hex(i.start_ip)) AS start, lower(hex(i.end_ip)) AS "end", i.id AS item_id, i.value, i.comment, l.name FROM allowlist_items i JOIN allowlists l ON l.id = i.allowlist_id WHERE ${ITEM_ACTIVE} ORDER BY l.name, i.id`,
    )
    .bind(now)
    .all<{ size: number; start: string; end: string } & ReasonRow>();
  const reasons = reasonTexts(r.results);
  const v4: LoadedItem[] = [];
  const v6: LoadedItem[] = [];
  r.results.forEach((row, order) => {
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
  db: D1,
  ranges: IpRange[],
  now: number,
): Promise<string[][]> {
  const any = await db.prepare("SELECT 1 FROM allowlist_items LIMIT 1").first();
  if (!any) return ranges.map(() => []);
  const many = await db
    .prepare("SELECT 1 FROM allowlist_items LIMIT 1 OFFSET ?")
    .bind(ranges.length * LOAD_ALL_PER_TARGET)
    .first();
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
    const results = await db.batch<ReasonRow>(chunk);
    for (const r of results) out.push(reasonTexts(r.results));
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
  db: D1,
  value: string,
  now: number,
): Promise<AllowlistCheck | null> {
  const range = parseIpOrRange(value);
  if (!range) return null;
  const reasons = await allowlistReasons(db, range, now);
  return { allowlisted: reasons.length > 0, reason: reasons.join(", ") };
}

import type { Db } from "../../db/client";
import {
  applyList,
  claimSync,
  clearStaged,
  countStaged,
  dueLists,
  ensureListAlert,
  finishSync,
  type ListRow,
  type StagedEntry,
  stageEntries,
} from "../../db/lists";
import type { MinPrefix } from "../../shared/min-prefix";
import {
  type BadLine,
  createListParser,
  forEachLine,
  ListFileError,
  type ListFormat,
  type ListScope,
} from "./list-format";

/** What a sync needs from its caller (an admin request, the cron trigger, a test). */
export interface ListSyncDeps {
  db: Db;
  fetch: typeof fetch;
  minPrefix: MinPrefix;
  /** Largest file accepted, bytes. */
  maxBytes: number;
  /** How long a fetch may take before it is abandoned, ms. */
  timeoutMs: number;
}

/** The outcome of one sync, as `POST /admin/v1/lists/:name/sync` answers it. */
export interface SyncResult {
  name: string;
  /**
   * `updated`: the file was applied; `not_modified`: 304, only renewals; `rejected`: the file was
   * read but refused (bad lines, over the cap), nothing changed; `failed`: no file (network, HTTP
   * status); `busy`: another sync of the list is running.
   */
  status: "updated" | "not_modified" | "rejected" | "failed" | "busy";
  http_status?: number;
  /** Active decisions of the list after the sync. */
  entries?: number;
  added?: number;
  removed?: number;
  renewed?: number;
  /** Entry lines of the file that repeated an earlier value. */
  duplicates?: number;
  bad_lines?: number;
  bad_examples?: BadLine[];
  error?: string;
}

/** Largest list file accepted (a million IPv4 CIDRs with comments is about 30 MB). */
export const MAX_LIST_BYTES = 64 * 1024 * 1024;
/** How long a list server may take to send the whole file. */
export const FETCH_TIMEOUT_MS = 120_000;
const STAGE_CHUNK = 5_000;
/** A claim older than this belongs to a Worker that died mid-sync. */
const STALE_SYNC_MS = 10 * 60_000;

/**
 * Fetches a list (conditional GET with the validators of its last applied answer), reads it
 * strictly, stages it in chunks and applies the diff in one transaction. A file with any bad line,
 * over the list's cap, larger than `maxBytes` or not UTF-8 changes nothing.
 */
export async function syncList(
  deps: ListSyncDeps,
  list: ListRow,
  now: number,
): Promise<SyncResult> {
  const { db } = deps;
  const base = { name: list.name };
  if (!(await claimSync(db, list.id, now, STALE_SYNC_MS))) return { ...base, status: "busy" };
  let outcome: Parameters<typeof finishSync>[2] = {};
  try {
    const result = await fetchAndApply(deps, list, now);
    outcome = {
      lastStatus: result.status,
      lastError: result.error ?? null,
      lastBadLines: result.bad_lines ?? 0,
    };
    return result;
  } catch (e) {
    outcome = { lastStatus: "failed", lastError: (e as Error).message };
    throw e;
  } finally {
    await finishSync(db, list.id, outcome, now);
  }
}

async function fetchAndApply(deps: ListSyncDeps, list: ListRow, now: number): Promise<SyncResult> {
  const { db } = deps;
  const base = { name: list.name };
  const headers = new Headers({ Accept: "text/plain, text/csv, application/json, */*" });
  // Validators only while every applied entry is still active: a list never synced, or last
  // synced more than half a duration ago (its entries may have expired meanwhile, and a 304
  // would not bring them back), gets the whole file.
  if (list.lastSyncAt !== null && list.lastSyncAt + list.durationMs / 2 > now) {
    if (list.etag) headers.set("If-None-Match", list.etag);
    if (list.lastModified) headers.set("If-Modified-Since", list.lastModified);
  }
  let res: Response;
  try {
    res = await deps.fetch(list.url, {
      headers,
      redirect: "follow",
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
  } catch (e) {
    return { ...base, status: "failed", error: `fetching ${list.url}: ${(e as Error).message}` };
  }
  if (res.status === 304) {
    await res.body?.cancel();
    const alertId = await ensureListAlert(db, list, now);
    const applied = await applyList(db, list, alertId, false, now);
    await finishSync(db, list.id, { lastSyncAt: now }, now);
    return { ...base, status: "not_modified", http_status: 304, ...applied };
  }
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel();
    return {
      ...base,
      status: "failed",
      http_status: res.status,
      error: `${list.url} answered HTTP ${res.status}`,
    };
  }

  await clearStaged(db, list.id);
  let pending: StagedEntry[] = [];
  let read = 0;
  const parser = createListParser(
    list.format as ListFormat,
    list.scope as ListScope,
    deps.minPrefix,
    (e) => {
      read++;
      if (read > list.maxEntries) {
        throw new ListFileError(`more than ${list.maxEntries} entries (the list's cap)`);
      }
      pending.push({ value: e.value, size: e.range.size, start: e.range.start, end: e.range.end });
    },
  );
  const rejected = async (extra: Partial<SyncResult>): Promise<SyncResult> => {
    await clearStaged(db, list.id);
    return { ...base, status: "rejected", http_status: 200, ...extra };
  };
  try {
    await forEachLine(
      res.body,
      async (line) => {
        parser.line(line);
        if (pending.length >= STAGE_CHUNK) {
          const chunk = pending;
          pending = [];
          await stageEntries(db, list.id, chunk);
        }
      },
      deps.maxBytes,
    );
  } catch (e) {
    if (e instanceof ListFileError) return rejected({ error: e.message });
    if (e instanceof TypeError && /decode|encoding/i.test(e.message)) {
      return rejected({ error: "not UTF-8 text" });
    }
    return rejected({ error: `reading ${list.url}: ${(e as Error).message}` });
  }
  const summary = parser.finish();
  if (summary.badLines > 0) {
    return rejected({
      bad_lines: summary.badLines,
      bad_examples: summary.examples,
      error: `${summary.badLines} bad line(s); nothing applied`,
    });
  }
  await stageEntries(db, list.id, pending);
  pending = [];
  const distinct = await countStaged(db, list.id);
  const alertId = await ensureListAlert(db, list, now);
  const applied = await applyList(db, list, alertId, true, now);
  await finishSync(
    db,
    list.id,
    {
      etag: res.headers.get("ETag"),
      lastModified: res.headers.get("Last-Modified"),
      lastSyncAt: now,
    },
    now,
  );
  return {
    ...base,
    status: "updated",
    http_status: 200,
    ...applied,
    duplicates: summary.entries - distinct,
    bad_lines: 0,
  };
}

/** The cron trigger's part: syncs every list whose refresh period has passed, one after another. */
export async function syncDueLists(deps: ListSyncDeps, now: number): Promise<SyncResult[]> {
  const out: SyncResult[] = [];
  for (const list of await dueLists(deps.db, now)) {
    try {
      out.push(await syncList(deps, list, now));
    } catch (e) {
      console.error(`list ${list.name}: sync failed:`, e);
      out.push({ name: list.name, status: "failed", error: "internal error" });
    }
  }
  return out;
}

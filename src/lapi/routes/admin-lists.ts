import { z } from "zod";
import { createList, deleteList, getList, type ListRow, listLists } from "../../db/lists";
import { formatGoDuration, parseGoDuration } from "../../shared/duration";
import { readAdminBody } from "../admin-body";
import type { AppContext } from "../context";
import { ApiError, jsonResponse } from "../errors";
import { LIST_FORMATS } from "../lists/list-format";
import { FETCH_TIMEOUT_MS, type ListSyncDeps, MAX_LIST_BYTES, syncList } from "../lists/list-sync";
import type { RouteDef } from "../route-def";

/**
 * Admin API for third-party lists (`/admin/v1/lists`, `rampart lists …`): subscribe to a
 * blocklist URL, list the subscriptions with their last outcome, remove one (its decisions
 * expire), sync one now. The cron trigger syncs each list once its refresh period has passed.
 */

/** Default and largest per-list cap on entries. */
export const DEFAULT_MAX_ENTRIES = 100_000;
export const MAX_ENTRIES_LIMIT = 2_000_000;
/** The cron trigger runs every minute: a shorter refresh could not be honoured. */
const MIN_REFRESH_MS = 60_000;

const goDuration = (what: string) =>
  z.string().transform((text, ctx) => {
    const d = parseGoDuration(text, { allowDays: true });
    if (!d.ok || d.ms <= 0) {
      ctx.addIssue({ code: "custom", message: `${what} '${text}' is not a positive duration` });
      return z.NEVER;
    }
    return d.ms;
  });

export const newListBody = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "name: letters, digits, '.', '_', '-' (≤ 64)"),
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), "url must be http(s)"),
    format: z.enum(LIST_FORMATS),
    scope: z.enum(["ip", "range"]),
    type: z.string().min(1).max(64).default("ban"),
    duration: goDuration("duration"),
    refresh: goDuration("refresh").default("1h"),
    max_entries: z.number().int().min(1).max(MAX_ENTRIES_LIMIT).default(DEFAULT_MAX_ENTRIES),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.refresh < MIN_REFRESH_MS) {
      ctx.addIssue({ code: "custom", path: ["refresh"], message: "refresh must be at least 1m" });
    }
    // Entries are renewed once past half their duration: a refresh must come before that.
    if (b.refresh * 2 > b.duration) {
      ctx.addIssue({
        code: "custom",
        path: ["duration"],
        message: "duration must be at least twice the refresh period",
      });
    }
  });

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A list as the admin API shows it. */
export function listJson(l: ListRow) {
  return {
    name: l.name,
    url: l.url,
    format: l.format,
    scope: l.scope.toLowerCase(),
    type: l.type,
    duration: formatGoDuration(l.durationMs),
    refresh: formatGoDuration(l.refreshMs),
    max_entries: l.maxEntries,
    entries: l.entries,
    etag: l.etag,
    last_modified: l.lastModified,
    last_fetch_at: iso(l.lastFetchAt),
    last_sync_at: iso(l.lastSyncAt),
    last_status: l.lastStatus,
    last_error: l.lastError,
    last_bad_lines: l.lastBadLines,
    created_at: iso(l.createdAt),
  };
}

/** What a sync started by this request uses. */
export function listSyncDeps(c: AppContext): ListSyncDeps {
  return {
    db: c.var.primaryDb,
    fetch: (input, init) => fetch(input, init),
    minPrefix: c.var.config.minDecisionPrefix,
    maxBytes: MAX_LIST_BYTES,
    timeoutMs: FETCH_TIMEOUT_MS,
  };
}

async function mustGet(c: AppContext): Promise<ListRow> {
  const name = c.req.param("name")!;
  const list = await getList(c.var.primaryDb, name);
  if (!list) throw new ApiError("notFound", `list '${name}' not found`);
  return list;
}

async function addList(c: AppContext): Promise<Response> {
  const b = await readAdminBody(c, newListBody);
  const created = await createList(c.var.primaryDb, {
    name: b.name,
    url: b.url,
    format: b.format,
    scope: b.scope === "ip" ? "Ip" : "Range",
    type: b.type,
    durationMs: b.duration,
    refreshMs: b.refresh,
    maxEntries: b.max_entries,
  });
  if (created === "duplicate") throw new ApiError("conflict", `list '${b.name}' already exists`);
  return jsonResponse(listJson(created), 201);
}

async function getLists(c: AppContext): Promise<Response> {
  return jsonResponse((await listLists(c.var.primaryDb)).map(listJson));
}

async function getOne(c: AppContext): Promise<Response> {
  return jsonResponse(listJson(await mustGet(c)));
}

/** A claim younger than this is a sync still running (list-sync.ts takes over older ones). */
const RUNNING_SYNC_MS = 10 * 60_000;

async function removeList(c: AppContext): Promise<Response> {
  const name = c.req.param("name")!;
  const list = await mustGet(c);
  // A sync finishing after the removal would leave decisions no list owns.
  if (list.syncingSince !== null && list.syncingSince > c.var.startedAt - RUNNING_SYNC_MS) {
    throw new ApiError("conflict", `list '${name}' is being synced; remove it once that ends`);
  }
  const expired = await deleteList(c.var.primaryDb, name, c.var.startedAt);
  if (expired === null) throw new ApiError("notFound", `list '${name}' not found`);
  c.var.caches.decisions.markStale();
  return jsonResponse({ deleted: name, decisions_expired: expired });
}

async function syncNow(c: AppContext): Promise<Response> {
  const list = await mustGet(c);
  const result = await syncList(listSyncDeps(c), list, c.var.startedAt);
  c.var.caches.decisions.markStale();
  return jsonResponse(result);
}

export const adminListRoutes: RouteDef[] = [
  {
    method: "POST",
    path: "/admin/v1/lists",
    auth: "admin",
    handler: addList,
    doc: {
      summary: "Subscribe to a third-party list (rampart lists add); fetched by the next cron run",
      body: newListBody,
      success: { status: 201, description: "the list; 409 when the name is taken" },
    },
  },
  {
    method: "GET",
    path: "/admin/v1/lists",
    auth: "admin",
    handler: getLists,
    doc: { summary: "Third-party lists with their last sync outcome (rampart lists list)" },
  },
  {
    method: "GET",
    path: "/admin/v1/lists/:name",
    auth: "admin",
    handler: getOne,
    doc: { summary: "One third-party list; 404 if absent" },
  },
  {
    method: "DELETE",
    path: "/admin/v1/lists/:name",
    auth: "admin",
    handler: removeList,
    doc: { summary: "Remove a list; its decisions expire now (rampart lists remove)" },
  },
  {
    method: "POST",
    path: "/admin/v1/lists/:name/sync",
    auth: "admin",
    handler: syncNow,
    doc: {
      summary: "Fetch and apply a list now (rampart lists sync), conditional GET",
      success: {
        status: 200,
        description:
          "{name, status: updated|not_modified|rejected|failed|busy, added, removed, renewed, entries, bad_lines, bad_examples, error}",
      },
    },
  },
];

import { z } from "zod";
import {
  addAllowlistItems,
  createAllowlist,
  deleteAllowlist,
  getAllowlist,
  listAllowlists,
  removeAllowlistItems,
} from "../../db/allowlists";
import { parseGoDuration } from "../../shared/duration";
import { type IpRange, parseIpOrRange } from "../../shared/ip-range";
import { readAdminBody } from "../admin-body";
import type { AppContext } from "../context";
import { ApiError, jsonResponse } from "../errors";
import type { RouteDef } from "../route-def";
import { allowlistJson } from "./allowlists";

/**
 * Admin API for allowlists (`/admin/v1/allowlists`): what `cscli allowlists create / add /
 * remove / delete / inspect` (1.6.6+) do straight in CrowdSec's database. Responses reuse the v1
 * allowlist shape so the two APIs never disagree on what a list looks like.
 */

/** Most values one request may add or remove (one D1 batch stays well under its limits). */
export const MAX_ITEMS_PER_REQUEST = 500;

export const newAllowlistBody = z
  .object({
    name: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^/]+$/, "name must not contain '/'"),
    description: z.string().max(4096).default(""),
  })
  .strict();

/** An expiration: a Go duration from now (`7d` allowed, like cscli) or an RFC3339 time. */
function parseExpiration(text: string, now: number): number | string {
  const d = parseGoDuration(text, { allowDays: true });
  if (d.ok) return d.ms > 0 ? now + d.ms : "expiration must be in the future";
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return at > now ? at : "expiration must be in the future";
  }
  return `expiration '${text}' is neither a duration (e.g. 7d, 12h) nor an RFC3339 time`;
}

export const addItemsBody = z
  .object({
    values: z
      .array(z.string().refine((v) => parseIpOrRange(v) !== null, "not an IP address or CIDR"))
      .min(1)
      .max(MAX_ITEMS_PER_REQUEST),
    expiration: z.string().min(1).optional(),
    comment: z.string().max(4096).default(""),
    /** Expire active decisions on the new values (cscli 1.7 does); default true. */
    expire_decisions: z.boolean().default(true),
  })
  .strict();

export const removeItemsBody = z
  .object({ values: z.array(z.string()).min(1).max(MAX_ITEMS_PER_REQUEST) })
  .strict();

async function listOrThrow(c: AppContext, name: string) {
  const list = await getAllowlist(c.var.db, name, true, Date.now());
  if (!list) throw new ApiError("notFound", `allowlist '${name}' not found`);
  return list;
}

async function create(c: AppContext): Promise<Response> {
  const body = await readAdminBody(c, newAllowlistBody);
  const created = await createAllowlist(c.var.db, body);
  if (created === "duplicate") {
    throw new ApiError("conflict", `allowlist '${body.name}' already exists`);
  }
  return jsonResponse(allowlistJson({ ...created, items: [] }), 201);
}

async function list(c: AppContext): Promise<Response> {
  const lists = await listAllowlists(c.var.db, true, Date.now());
  return jsonResponse(lists.map(allowlistJson));
}

async function inspect(c: AppContext): Promise<Response> {
  return jsonResponse(allowlistJson(await listOrThrow(c, c.req.param("name")!)));
}

async function remove(c: AppContext): Promise<Response> {
  const name = c.req.param("name")!;
  if (!(await deleteAllowlist(c.var.db, name))) {
    throw new ApiError("notFound", `allowlist '${name}' not found`);
  }
  return jsonResponse({ deleted: name });
}

async function addItems(c: AppContext): Promise<Response> {
  const now = Date.now();
  const body = await readAdminBody(c, addItemsBody);
  let expiresAt: number | null = null;
  if (body.expiration !== undefined) {
    const e = parseExpiration(body.expiration, now);
    if (typeof e === "string") throw new ApiError("badRequest", `expiration: ${e}`);
    expiresAt = e;
  }
  const target = await listOrThrow(c, c.req.param("name")!);
  // cscli skips values the list already holds (and duplicates within one call).
  const present = new Set(target.items.map((i) => i.value));
  const fresh: Array<{ value: string; range: IpRange }> = [];
  for (const value of body.values) {
    if (present.has(value)) continue;
    present.add(value);
    fresh.push({ value, range: parseIpOrRange(value)! });
  }
  const r =
    fresh.length === 0
      ? { added: 0, decisionsExpired: 0 }
      : await addAllowlistItems(
          c.var.db,
          target.id,
          fresh.map((f) => ({ ...f, comment: body.comment, expiresAt })),
          now,
          body.expire_decisions,
        );
  return jsonResponse(
    {
      added: r.added,
      skipped: body.values.length - r.added,
      decisions_expired: r.decisionsExpired,
    },
    201,
  );
}

async function removeItems(c: AppContext): Promise<Response> {
  const body = await readAdminBody(c, removeItemsBody);
  const target = await listOrThrow(c, c.req.param("name")!);
  const removed = await removeAllowlistItems(c.var.db, target.id, body.values, Date.now());
  return jsonResponse({ removed });
}

export const adminAllowlistRoutes: RouteDef[] = [
  {
    method: "POST",
    path: "/admin/v1/allowlists",
    auth: "admin",
    handler: create,
    doc: {
      summary: "Create an allowlist (cscli allowlists create)",
      body: newAllowlistBody,
      success: { status: 201, description: "The new list; 409 when the name is taken" },
    },
  },
  {
    method: "GET",
    path: "/admin/v1/allowlists",
    auth: "admin",
    handler: list,
    doc: { summary: "List allowlists with their live items (cscli allowlists list)" },
  },
  {
    method: "GET",
    path: "/admin/v1/allowlists/:name",
    auth: "admin",
    handler: inspect,
    doc: { summary: "One allowlist with its live items (cscli allowlists inspect); 404 if absent" },
  },
  {
    method: "DELETE",
    path: "/admin/v1/allowlists/:name",
    auth: "admin",
    handler: remove,
    doc: { summary: "Delete an allowlist and its items (cscli allowlists delete); 404 if absent" },
  },
  {
    method: "POST",
    path: "/admin/v1/allowlists/:name/items",
    auth: "admin",
    handler: addItems,
    doc: {
      summary:
        "Add IPs/CIDRs (cscli allowlists add); values already present are skipped, and active " +
        "decisions they cover are expired unless expire_decisions is false",
      body: addItemsBody,
      success: { status: 201, description: "{added, skipped, decisions_expired}" },
    },
  },
  {
    method: "DELETE",
    path: "/admin/v1/allowlists/:name/items",
    auth: "admin",
    handler: removeItems,
    doc: {
      summary: "Remove values from an allowlist (cscli allowlists remove)",
      body: removeItemsBody,
      success: { status: 200, description: "{removed}" },
    },
  },
];

import {
  type AllowlistItemRow,
  type AllowlistWithItems,
  allowlistReasons,
  allowlistReasonsMany,
  getAllowlist,
  listAllowlists,
} from "../../db/allowlists";
import { t } from "../../shared/go-json";
import { type IpRange, parseIpOrRange } from "../../shared/ip-range";
import { AUTHENTICATED_BODY_LIMIT, readJson } from "../body";
import type { AppContext } from "../context";
import { ApiError, emptyResponse, jsonResponse } from "../errors";
import type { RouteDef } from "../route-def";

/**
 * Allowlist reads of LAPI v1 (CrowdSec 1.6.6+ pkg/apiserver/controllers/v1/allowlist.go).
 * Writes go through the admin API (routes/admin-allowlists.ts), as cscli writes to the database.
 */

/** go-openapi `strfmt.DateTime` marshalling: RFC3339 with milliseconds, UTC. */
function dateTime(ms: number | null): string {
  // A never-expiring item has Go's zero time, which strfmt still prints.
  return ms === null ? "0001-01-01T00:00:00.000Z" : new Date(ms).toISOString();
}

/** models.AllowlistItem: `omitempty` drops empty strings, never the dates (structs). */
function itemJson(i: AllowlistItemRow): Record<string, unknown> {
  const out: Record<string, unknown> = { created_at: dateTime(i.createdAt) };
  if (i.comment) out.description = i.comment;
  out.expiration = dateTime(i.expiresAt);
  if (i.value) out.value = i.value;
  return out;
}

/** models.GetAllowlistResponse, fields in Go struct order; `items` has no omitempty. */
export function allowlistJson(l: AllowlistWithItems): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (l.allowlistId) out.allowlist_id = l.allowlistId;
  if (l.fromConsole) out.console_managed = true;
  out.created_at = dateTime(l.createdAt);
  if (l.description) out.description = l.description;
  out.items = l.items.map(itemJson);
  if (l.name) out.name = l.name;
  out.updated_at = dateTime(l.updatedAt);
  return out;
}

/**
 * CrowdSec HEAD's error for a value that is neither an IP nor a CIDR
 * (pkg/apiserver/controllers/v1/allowlist.go).
 */
export function parseAllowlistValue(value: string): IpRange {
  const range = parseIpOrRange(value);
  if (range) return range;
  if (!value.includes("/")) throw new ApiError("serverError", `invalid ip address '${value}'`);
  // Go's net.ParseCIDR error, wrapped as CrowdSec's alert filters wrap it.
  throw new ApiError("serverError", `invalid ip range '${value}': invalid CIDR address: ${value}`);
}

function withContent(c: AppContext): boolean {
  return c.req.query("with_content") === "true";
}

/** GET /v1/allowlists[?with_content=true] → `[]` when there are none. */
async function getAllowlists(c: AppContext): Promise<Response> {
  const lists = await listAllowlists(c.var.db, withContent(c), c.var.startedAt);
  return jsonResponse(lists.map(allowlistJson));
}

/** GET /v1/allowlists/:allowlist_name; unknown → 500 like CrowdSec's HandleDBErrors default. */
async function getOneAllowlist(c: AppContext): Promise<Response> {
  const name = c.req.param("allowlist_name")!;
  const list = await getAllowlist(c.var.db, name, withContent(c), c.var.startedAt);
  if (!list) throw new ApiError("serverError", `allowlist '${name}' not found`);
  return jsonResponse(allowlistJson(list));
}

/**
 * GET|HEAD /v1/allowlists/check/:ip_or_range (`/` sent as `%2F`). GET answers
 * models.CheckAllowlistResponse, whose fields are `omitempty`: a miss is `{}`. HEAD answers 200 on
 * a hit and 204 otherwise.
 */
async function checkOne(c: AppContext): Promise<Response> {
  const value = c.req.param("ip_or_range") ?? "";
  if (value === "") throw new ApiError("badRequest", "value is required");
  const reasons = await allowlistReasons(c.var.db, parseAllowlistValue(value), c.var.startedAt);
  if (c.req.method === "HEAD") return emptyResponse(reasons.length > 0 ? 200 : 204);
  if (reasons.length === 0) return jsonResponse({});
  return jsonResponse({ allowlisted: true, reason: reasons.join(", ") });
}

const bulkCheckRequest = t.struct("models.BulkCheckAllowlistRequest", {
  targets: { type: t.array(t.string) },
});

/** POST /v1/allowlists/check (1.7+): only the targets that matched, each with its reasons. */
async function checkBulk(c: AppContext): Promise<Response> {
  const body = await readJson<{ targets?: Array<string | undefined> }>(c, bulkCheckRequest, {
    goName: "models.BulkCheckAllowlistRequest",
    limit: AUTHENTICATED_BODY_LIMIT,
    validationCode: "badRequest",
  });
  const targets = body?.targets ?? [];
  if (targets.length === 0) throw new ApiError("badRequest", "targets list cannot be empty");
  // A JSON null inside the list decodes to Go's "" and fails the address parse.
  const ranges = targets.map((target) => ({
    target: target ?? "",
    range: parseAllowlistValue(target ?? ""),
  }));
  const reasons = await allowlistReasonsMany(
    c.var.db,
    ranges.map((r) => r.range),
    c.var.startedAt,
  );
  const results = ranges
    .map(({ target }, i) => ({ allowlists: reasons[i]!, target }))
    .filter((r) => r.allowlists.length > 0);
  return jsonResponse({ results });
}

export const allowlistRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/v1/allowlists",
    auth: "jwt",
    handler: getAllowlists,
    doc: { summary: "List allowlists; items only with ?with_content=true (1.6.6+)" },
  },
  {
    method: "POST",
    path: "/v1/allowlists/check",
    auth: "jwt",
    handler: checkBulk,
    doc: {
      summary: "Which targets are allowlisted, and by what (1.7+)",
      goBody: bulkCheckRequest,
    },
  },
  {
    method: "GET",
    path: "/v1/allowlists/check/:ip_or_range",
    auth: "jwt",
    handler: checkOne,
    doc: { summary: "Is this IP or range (slash as %2F) allowlisted? (1.6.6+)" },
  },
  {
    method: "HEAD",
    path: "/v1/allowlists/check/:ip_or_range",
    auth: "jwt",
    handler: checkOne,
    doc: {
      summary: "200 when the IP or range is allowlisted, 204 otherwise (1.6.6+)",
    },
  },
  {
    method: "GET",
    path: "/v1/allowlists/:allowlist_name",
    auth: "jwt",
    handler: getOneAllowlist,
    doc: { summary: "One allowlist; items only with ?with_content=true (1.6.6+)" },
  },
];

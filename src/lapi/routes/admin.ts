import bcrypt from "bcryptjs";
import { z } from "zod";
import { createBouncer, deleteBouncer, listBouncers } from "../../db/bouncers";
import { createMachine, deleteMachine, listMachines, setValidated } from "../../db/machines";
import { readAdminBody } from "../admin-body";
import { generateApiKey, hashApiKey } from "../auth/api-key";
import type { AppContext } from "../context";
import { ApiError, jsonResponse } from "../errors";
import type { RouteDef } from "../route-def";

/**
 * Admin API (`/admin/v1`): what cscli does straight in CrowdSec's database (machines add /
 * validate / delete, bouncers add / delete), which a D1-backed LAPI must offer over HTTP.
 */

const newMachine = z
  .object({
    machine_id: z.string().min(1).max(255),
    password: z
      .string()
      .min(1)
      .refine((p) => new TextEncoder().encode(p).length <= 72, "password too long (max 72 bytes)"),
    validated: z.boolean().default(true),
  })
  .strict();

const newBouncer = z
  .object({
    name: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^@]+$/, "name must not contain '@'"),
    key: z.string().min(1).max(1024).optional(),
  })
  .strict();

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

async function addMachine(c: AppContext): Promise<Response> {
  const body = await readAdminBody(c, newMachine);
  const created = await createMachine(c.var.db, {
    machineId: body.machine_id,
    passwordHash: await bcrypt.hash(body.password, 10),
    ipAddress: "",
    isValidated: body.validated,
    authType: "password",
  });
  if (created === "duplicate") {
    throw new ApiError("conflict", `user '${body.machine_id}': user already exist`);
  }
  return jsonResponse({ machine_id: body.machine_id, validated: body.validated }, 201);
}

async function validateMachine(c: AppContext): Promise<Response> {
  const id = c.req.param("machine_id")!;
  if (!(await setValidated(c.var.db, id))) {
    throw new ApiError("notFound", `machine '${id}' not found`);
  }
  return jsonResponse({ machine_id: id, validated: true });
}

async function getMachines(c: AppContext): Promise<Response> {
  const rows = await listMachines(c.var.db);
  return jsonResponse(
    rows.map((m) => ({
      machineId: m.machineId,
      ipAddress: m.ipAddress,
      isValidated: m.isValidated,
      auth_type: m.authType,
      version: m.version,
      scenarios: m.scenarios,
      os: m.osName ? `${m.osName}/${m.osVersion ?? ""}` : "",
      created_at: iso(m.createdAt),
      updated_at: iso(m.updatedAt),
      last_heartbeat: iso(m.lastHeartbeat),
      last_push: iso(m.lastPush),
    })),
  );
}

async function removeMachine(c: AppContext): Promise<Response> {
  const id = c.req.param("machine_id")!;
  if (!(await deleteMachine(c.var.db, id))) {
    throw new ApiError("notFound", `machine '${id}' not found`);
  }
  return jsonResponse({ deleted: id });
}

async function addBouncer(c: AppContext): Promise<Response> {
  const body = await readAdminBody(c, newBouncer);
  const key = body.key ?? generateApiKey();
  const created = await createBouncer(c.var.db, {
    name: body.name,
    apiKeyHash: await hashApiKey(key),
    authType: "api-key",
  });
  if (created === "duplicate") {
    throw new ApiError("conflict", `bouncer ${body.name} already exists`);
  }
  return jsonResponse({ name: body.name, api_key: key }, 201);
}

async function getBouncers(c: AppContext): Promise<Response> {
  const rows = await listBouncers(c.var.db);
  return jsonResponse(
    rows.map((b) => ({
      name: b.name,
      ip_address: b.ipAddress,
      type: b.type,
      version: b.version,
      auth_type: b.authType,
      auto_created: b.autoCreated,
      revoked: b.revoked,
      os: b.osName ? `${b.osName}/${b.osVersion ?? ""}` : "",
      created_at: iso(b.createdAt),
      updated_at: iso(b.updatedAt),
      last_pull: iso(b.lastPull),
    })),
  );
}

async function removeBouncer(c: AppContext): Promise<Response> {
  const name = c.req.param("name")!;
  const n = await deleteBouncer(c.var.db, name);
  if (n === 0) throw new ApiError("notFound", `bouncer '${name}' not found`);
  return jsonResponse({ deleted: name, count: n });
}

export const adminRoutes: RouteDef[] = [
  {
    method: "POST",
    path: "/admin/v1/machines",
    auth: "admin",
    handler: addMachine,
    doc: {
      summary: "Add a machine (cscli machines add); validated unless validated is false",
      body: newMachine,
      success: { status: 201, description: "{machine_id, validated}; 409 when the id is taken" },
    },
  },
  {
    method: "GET",
    path: "/admin/v1/machines",
    auth: "admin",
    handler: getMachines,
    doc: { summary: "List machines (cscli machines list)" },
  },
  {
    method: "POST",
    path: "/admin/v1/machines/:machine_id/validate",
    auth: "admin",
    handler: validateMachine,
    doc: { summary: "Validate a registered machine (cscli machines validate); 404 if absent" },
  },
  {
    method: "DELETE",
    path: "/admin/v1/machines/:machine_id",
    auth: "admin",
    handler: removeMachine,
    doc: { summary: "Delete a machine (cscli machines delete); 404 if absent" },
  },
  {
    method: "POST",
    path: "/admin/v1/bouncers",
    auth: "admin",
    handler: addBouncer,
    doc: {
      summary: "Add a bouncer (cscli bouncers add); the API key is returned only here",
      body: newBouncer,
      success: { status: 201, description: "{name, api_key}; 409 when the name is taken" },
    },
  },
  {
    method: "GET",
    path: "/admin/v1/bouncers",
    auth: "admin",
    handler: getBouncers,
    doc: { summary: "List bouncers (cscli bouncers list)" },
  },
  {
    method: "DELETE",
    path: "/admin/v1/bouncers/:name",
    auth: "admin",
    handler: removeBouncer,
    doc: { summary: "Delete a bouncer and its auto-created <name>@<ip> rows; 404 if absent" },
  },
];

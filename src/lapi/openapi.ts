import { zodToJsonSchema } from "zod-to-json-schema";
import type { GoType } from "../shared/go-json";
import type { AuthKind, RouteDef } from "./route-def";

/**
 * The OpenAPI 3.1 document of the LAPI, generated from the route table: every row becomes an
 * operation with its auth kind's security and error answers; rows that carry a `doc` add a
 * summary and a body schema (zod for the admin API, Go types for CrowdSec's v1 models). Nothing
 * here is written by hand per route, so the document cannot drift from what the Worker serves.
 */

type Json = Record<string, unknown>;

/** The security requirement (alternatives) of each auth kind (see {@link AuthKind}). */
const SECURITY: Record<AuthKind, Json[]> = {
  none: [],
  jwt: [{ machineJwt: [] }],
  refresh: [{ machineJwt: [] }],
  apiKey: [{ bouncerApiKey: [] }, { clientCertificate: [] }],
  jwtOrApiKey: [{ machineJwt: [] }, { bouncerApiKey: [] }, { clientCertificate: [] }],
  admin: [{ adminToken: [] }, { clientCertificate: [] }],
  scrape: [{ metricsToken: [] }, { adminToken: [] }, { clientCertificate: [] }],
  capi: [{ capiWatcherToken: [] }],
};

/** How each auth kind refuses a caller (CrowdSec's statuses, ours for the admin API). */
const AUTH_ERRORS: Record<AuthKind, Record<string, string>> = {
  none: {},
  jwt: { "401": "Missing, malformed, forged or expired JWT (`{code: 401, message}`)" },
  refresh: { "401": "Missing, forged, or expired past the refresh window" },
  apiKey: { "403": "Missing or unknown API key, or certificate refused (`access forbidden`)" },
  jwtOrApiKey: {
    "401": "JWT path (Authorization header or crowdsec/ User-Agent) refused",
    "403": "API-key path refused",
  },
  admin: {
    "401": "No admin token and no admin client certificate",
    "403": "Wrong admin token",
  },
  scrape: {
    "401": "No token and no admin client certificate",
    "403": "Neither the metrics token nor the admin token",
  },
  capi: { "401": "Missing, forged or expired watcher token, or a deleted watcher" },
};

const SECURITY_SCHEMES = {
  machineJwt: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "Machine token from POST /v1/watchers/login (HS256, 1 h)",
  },
  bouncerApiKey: { type: "apiKey", in: "header", name: "X-Api-Key" },
  capiWatcherToken: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "Central API watcher token from POST /v2/watchers/login (CAPI_SERVER=on)",
  },
  adminToken: {
    type: "http",
    scheme: "bearer",
    description: "The ADMIN_TOKEN secret of the Worker",
  },
  metricsToken: {
    type: "http",
    scheme: "bearer",
    description: "The optional METRICS_TOKEN secret of the Worker (GET /metrics only)",
  },
  clientCertificate: {
    type: "mutualTLS",
    description:
      "Client certificate verified by Cloudflare; the subject OU selects agent, bouncer or admin",
  },
};

/** JSON Schema of a Go-typed body: what CrowdSec's decoder and go-swagger validation accept. */
export function goTypeSchema(type: GoType): Json {
  switch (type.kind) {
    case "string":
      return { type: "string" };
    case "bool":
      return { type: "boolean" };
    case "int":
      return { type: "integer", format: type.go === "int32" ? "int32" : "int64" };
    case "float":
      return { type: "number", format: type.go === "float32" ? "float" : "double" };
    case "any":
      return {};
    case "array":
      return { type: ["array", "null"], items: goTypeSchema(type.of) };
    case "map":
      return { type: ["object", "null"], additionalProperties: goTypeSchema(type.of) };
    case "struct": {
      const required = Object.entries(type.fields)
        .filter(([, f]) => f.required)
        .map(([name]) => name);
      const properties = Object.fromEntries(
        Object.entries(type.fields).map(([name, f]) => [name, goTypeSchema(f.type)]),
      );
      return {
        type: "object",
        title: type.goName ?? type.name,
        properties,
        ...(required.length > 0 ? { required } : {}),
      };
    }
  }
}

function bodySchema(route: RouteDef): Json | null {
  if (route.doc?.body) {
    const { $schema: _, ...schema } = zodToJsonSchema(route.doc.body, {
      target: "jsonSchema2019-09",
      $refStrategy: "none",
    }) as Json;
    return schema;
  }
  if (route.doc?.goBody) return goTypeSchema(route.doc.goBody);
  return null;
}

function operationId(route: RouteDef): string {
  const words = route.path
    .split("/")
    .filter(Boolean)
    .map((w) => w.replace(/^:/, "by_").replace(/[^a-zA-Z0-9]+/g, "_"));
  return [route.method.toLowerCase(), ...words].join("_");
}

function operation(route: RouteDef): Json {
  const admin = route.path.startsWith("/admin/");
  const params = [...route.path.matchAll(/:([a-z_]+)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const success = route.doc?.success ?? { status: 200, description: "Success" };
  const error = (description: string) => ({
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  });
  const responses: Json = { [String(success.status)]: { description: success.description } };
  for (const [status, description] of Object.entries(AUTH_ERRORS[route.auth])) {
    responses[status] = error(description);
  }
  const body = bodySchema(route);
  if (body) responses["400"] = error("Malformed JSON, wrong types, body too large");
  const op: Json = {
    operationId: operationId(route),
    summary: route.doc?.summary ?? `CrowdSec LAPI ${route.method} ${route.path}`,
    tags: [admin ? "admin" : route.path.startsWith("/v1/") ? "crowdsec-v1" : "health"],
    security: SECURITY[route.auth],
    responses,
  };
  if (params.length > 0) op.parameters = params;
  if (body) {
    op.requestBody = { required: true, content: { "application/json": { schema: body } } };
  }
  return op;
}

/** The OpenAPI 3.1 document describing every row of `table`. */
export function buildOpenApi(table: readonly RouteDef[]): Json {
  const paths: Record<string, Json> = {};
  for (const route of table) {
    const path = route.path.replace(/:([a-z_]+)/g, "{$1}");
    paths[path] ??= {};
    paths[path]![route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Rampart LAPI",
      version: "1",
      description:
        "CrowdSec-compatible Local API v1 (tag crowdsec-v1; bodies and errors as CrowdSec's) and " +
        "Rampart's admin API (tag admin), which replaces what cscli does in CrowdSec's database.",
    },
    tags: [
      { name: "crowdsec-v1", description: "CrowdSec Local API v1, served unchanged" },
      { name: "admin", description: "Rampart administration (machines, bouncers, allowlists)" },
      { name: "health", description: "Liveness" },
    ],
    paths,
    components: {
      securitySchemes: SECURITY_SCHEMES,
      schemas: {
        Error: {
          type: "object",
          required: ["message"],
          properties: {
            message: { type: "string" },
            code: { type: "integer", description: "Only on JWT failures (401)" },
          },
        },
      },
    },
  };
}

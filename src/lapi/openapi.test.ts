import { describe, expect, it } from "vitest";
import { call } from "../../test/workers/helpers";
import { buildOpenApi } from "./openapi";
import type { RouteDef } from "./route-def";
import { routes } from "./routes";

type Op = {
  summary: string;
  security: Array<Record<string, unknown>>;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: { "application/json": { schema: Record<string, unknown> } } };
  responses: Record<string, unknown>;
};

const doc = buildOpenApi(routes) as {
  openapi: string;
  paths: Record<string, Record<string, Op>>;
  components: { securitySchemes: Record<string, unknown> };
};

function opOf(route: RouteDef): Op | undefined {
  return doc.paths[route.path.replace(/:([a-z_]+)/g, "{$1}")]?.[route.method.toLowerCase()];
}

describe("OpenAPI document generated from the route table", () => {
  it("is OpenAPI 3.1 with one operation per route row and no extra operations", () => {
    expect(doc.openapi).toBe("3.1.0");
    const operations = Object.values(doc.paths).flatMap((p) => Object.keys(p));
    expect(operations).toHaveLength(routes.length);
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    "documents %s with its security, path parameters and auth errors",
    (_, route) => {
      const op = opOf(route)!;
      expect(op).toBeDefined();
      const schemes = op.security.flatMap((s) => Object.keys(s));
      for (const s of schemes) expect(doc.components.securitySchemes).toHaveProperty(s);
      const expected = {
        none: [],
        jwt: ["machineJwt"],
        refresh: ["machineJwt"],
        apiKey: ["bouncerApiKey", "clientCertificate"],
        jwtOrApiKey: ["machineJwt", "bouncerApiKey", "clientCertificate"],
        admin: ["adminToken", "clientCertificate"],
        scrape: ["metricsToken", "adminToken", "clientCertificate"],
        capi: ["capiWatcherToken"],
      }[route.auth];
      expect(schemes).toEqual(expected);
      const params = [...route.path.matchAll(/:([a-z_]+)/g)].map((m) => m[1]);
      expect((op.parameters ?? []).map((p) => p.name)).toEqual(params);
      if (route.auth === "jwt") expect(op.responses).toHaveProperty("401");
      if (route.auth === "apiKey") expect(op.responses).toHaveProperty("403");
    },
  );

  it.each(
    routes
      .filter((r) => r.path.startsWith("/admin/"))
      .map((r) => [`${r.method} ${r.path}`, r] as const),
  )("gives admin route %s a summary, and a body schema when it reads a body", (_, route) => {
    expect(route.doc?.summary, "admin rows must carry doc.summary").toBeTruthy();
    const op = opOf(route)!;
    expect(op.summary).toBe(route.doc!.summary);
    // Bodiless actions: validate a machine, sync a list.
    const action = route.path.endsWith("/validate") || route.path.endsWith("/sync");
    if (route.method === "POST" && !action) {
      expect(op.requestBody?.content["application/json"].schema).toMatchObject({
        type: "object",
      });
    }
  });

  it("renders zod constraints of admin bodies (allowlist items)", () => {
    const op = doc.paths["/admin/v1/allowlists/{name}/items"]!.post!;
    const schema = op.requestBody!.content["application/json"].schema as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.required).toEqual(["values"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.values).toMatchObject({ type: "array", minItems: 1, maxItems: 500 });
    expect(schema.properties.expire_decisions).toMatchObject({ type: "boolean", default: true });
  });

  it("renders Go-typed v1 bodies with go-swagger's required fields (usage metrics)", () => {
    const schema = doc.paths["/v1/usage-metrics"]!.post!.requestBody!.content["application/json"]
      .schema as { properties: Record<string, { items: { required: string[] } }> };
    expect(schema.properties.remediation_components!.items.required).toEqual([
      "utc_startup_timestamp",
      "version",
    ]);
    expect(schema.properties.log_processors!.items.required).toEqual([
      "utc_startup_timestamp",
      "version",
      "datasources",
      "hub_items",
    ]);
  });

  it("is served at /admin/v1/openapi.json without credentials", async () => {
    const r = await call("/admin/v1/openapi.json");
    expect(r.status).toBe(200);
    expect(r.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(await r.json()).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});

import { buildOpenApi } from "../openapi";
import type { RouteDef } from "../route-def";

/**
 * GET /admin/v1/openapi.json (no auth): the document of the table the Worker serves. `table` is
 * a thunk because this row is itself part of that table.
 */
export function openApiRoutes(table: () => readonly RouteDef[]): RouteDef[] {
  let document: string | null = null;
  return [
    {
      method: "GET",
      path: "/admin/v1/openapi.json",
      auth: "none",
      handler: () => {
        document ??= JSON.stringify(buildOpenApi(table()));
        return new Response(document, {
          headers: { "Content-Type": "application/json; charset=utf-8" },
        });
      },
      doc: { summary: "This OpenAPI 3.1 document, generated from the route table" },
    },
  ];
}

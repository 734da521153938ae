import { jsonResponse } from "../errors";
import type { RouteDef } from "../route-def";

export const healthRoutes: RouteDef[] = [
  { method: "GET", path: "/health", auth: "none", handler: () => jsonResponse({ status: "up" }) },
];

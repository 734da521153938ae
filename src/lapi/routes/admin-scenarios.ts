import { z } from "zod";
import {
  listRegisteredScenarioFiles,
  listScenarioSettings,
  setScenarioSetting,
} from "../../db/hub-registry";
import { readAdminBody } from "../admin-body";
import type { AppContext } from "../context";
import { ApiError, jsonResponse } from "../errors";
import { scenarioNamesOf } from "../ingest/hub-compile";
import type { RouteDef } from "../route-def";

/**
 * Admin API for registered scenarios (`/admin/v1/scenarios`): what agents registered, and whether
 * each scenario's buckets are shared by the whole deployment (default, Rampart's point) or kept
 * per machine (CrowdSec's behaviour). Changing the setting moves new events to other partitions;
 * the old ones expire on their own.
 */

export const scenarioSettingBody = z
  .object({ buckets: z.enum(["machine", "deployment"]) })
  .strict();

interface ScenarioJson {
  name: string;
  /** The registered hub item (file) defining it. */
  item: string;
  hash: string;
  version: string;
  /** Machines whose hub holds this version of the file. */
  machines: number;
  buckets: "machine" | "deployment";
}

async function registeredScenarios(c: AppContext): Promise<ScenarioJson[]> {
  const [files, settings] = await Promise.all([
    listRegisteredScenarioFiles(c.var.db),
    listScenarioSettings(c.var.db),
  ]);
  const modes = new Map(settings.map((s) => [s.name, s.buckets]));
  return files
    .flatMap((f) =>
      (scenarioNamesOf(f) ?? []).map((name) => ({
        name,
        item: f.name,
        hash: f.hash,
        version: f.version,
        machines: f.machines,
        buckets: modes.get(name) ?? ("deployment" as const),
      })),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** GET /admin/v1/scenarios */
async function listScenarios(c: AppContext): Promise<Response> {
  return jsonResponse(await registeredScenarios(c));
}

/** PUT /admin/v1/scenarios/<author>/<name> (or a name without `/`). */
async function putScenario(c: AppContext): Promise<Response> {
  const author = c.req.param("author");
  const name = c.req.param("name") ?? "";
  const full = author ? `${author}/${name}` : name;
  const body = await readAdminBody(c, scenarioSettingBody);
  const found = (await registeredScenarios(c)).find((s) => s.name === full);
  if (!found) throw new ApiError("notFound", `scenario ${full} is not registered`);
  await setScenarioSetting(c.var.db, full, body.buckets, c.var.startedAt);
  return jsonResponse({ ...found, buckets: body.buckets });
}

export const adminScenarioRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/admin/v1/scenarios",
    auth: "admin",
    handler: listScenarios,
    doc: { summary: "Registered scenarios and their bucket partitioning" },
  },
  {
    method: "PUT",
    path: "/admin/v1/scenarios/:author/:name",
    auth: "admin",
    handler: putScenario,
    doc: {
      summary: "Deployment-wide or per-machine buckets for a scenario",
      body: scenarioSettingBody,
    },
  },
  {
    method: "PUT",
    path: "/admin/v1/scenarios/:name",
    auth: "admin",
    handler: putScenario,
    doc: {
      summary: "Deployment-wide or per-machine buckets for a scenario without an author",
      body: scenarioSettingBody,
    },
  },
];

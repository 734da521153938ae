import {
  type DecisionDeleteFilter,
  expireDecision,
  expireDecisions,
} from "../../db/decisions-write";
import type { AppContext } from "../context";
import { ApiError, jsonResponse } from "../errors";
import { parseGoId } from "../models/go-id";
import { parseGoBool, parseIpFilter } from "../query-params";
import type { RouteDef } from "../route-def";

/**
 * Query string → filter of DELETE /v1/decisions (CrowdSec DeleteDecisionsWithFilter). Unlike
 * CrowdSec we also accept `scope` as `scopes`: cscli's option is named `scope`, and real LAPIs
 * answer `cscli decisions delete --scope x --value y` with "'scope' doesn't exist".
 */
export function parseDecisionDeleteFilter(params: URLSearchParams): DecisionDeleteFilter {
  const f: DecisionDeleteFilter = { contains: true };
  for (const [key, value] of params) {
    switch (key) {
      case "contains": {
        const b = parseGoBool(value);
        if (b === null) {
          throw new ApiError(
            "serverError",
            `invalid contains value : strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax: invalid filter`,
          );
        }
        f.contains = b;
        break;
      }
      case "ip":
      case "range":
        f.ip = parseIpFilter(value);
        break;
      case "scopes":
      case "scope":
        f.scope ??= value;
        break;
      case "value":
        f.value ??= value;
        break;
      case "type":
        f.type ??= value;
        break;
      case "scenario":
        f.scenario ??= value;
        break;
      case "origin":
        f.origin ??= value;
        break;
      case "uuid":
        f.uuids = [...(f.uuids ?? []), value];
        break;
      default:
        throw new ApiError("serverError", `'${key}' doesn't exist: invalid filter`);
    }
  }
  return f;
}

/** DELETE /v1/decisions (CrowdSec controllers/v1/decisions.go `DeleteDecisions`). */
async function deleteDecisions(c: AppContext): Promise<Response> {
  const filter = parseDecisionDeleteFilter(new URL(c.req.url).searchParams);
  const n = await expireDecisions(c.var.db, filter, c.var.startedAt);
  return jsonResponse({ nbDeleted: String(n) });
}

/** DELETE /v1/decisions/:decision_id (CrowdSec `DeleteDecisionById`). */
async function deleteDecisionById(c: AppContext): Promise<Response> {
  const id = parseGoId(c.req.param("decision_id") ?? "");
  if (id === null) throw new ApiError("badRequest", "decision_id must be valid integer");
  if (!(await expireDecision(c.var.db, id.value, c.var.startedAt))) {
    throw new ApiError(
      "serverError",
      `decision with id '${id.text}' doesn't exist: unable to delete`,
    );
  }
  return jsonResponse({ nbDeleted: "1" });
}

export const decisionWriteRoutes: RouteDef[] = [
  { method: "DELETE", path: "/v1/decisions", auth: "jwt", handler: deleteDecisions },
  {
    method: "DELETE",
    path: "/v1/decisions/:decision_id",
    auth: "jwt",
    handler: deleteDecisionById,
  },
];

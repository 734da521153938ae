import { children, type Node } from "../expr/ast.js";
import {
  DEFAULT_DIALECT,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_NODES,
  type Dialect,
  ExprError,
} from "../expr/index.js";
import { parse } from "../expr/parser.js";

/**
 * The members of CrowdSec's `types.Event` (HEAD `pkg/types/event.go`: fields, then the methods
 * of `*Event`) and of its `Line`. Hub expressions are compiled with `expr.Env` over an `*Event`,
 * so expr's checker refuses `evt.Foo` at load: `type types.Event has no field Foo`. Only these two
 * levels are checked: deeper structs (Overflow, Appsec, time.Time) have method sets too large to
 * list with certainty, and the maps (Meta, Parsed, …) accept any key. A name listed here that
 * Go lacks would only defer the error to run time, as before this check.
 */
export const EVENT_MEMBERS: ReadonlySet<string> = new Set([
  "Type",
  "ExpectMode",
  "Whitelisted",
  "WhitelistReason",
  "Stage",
  "Line",
  "Parsed",
  "Enriched",
  "Unmarshaled",
  "Overflow",
  "Time",
  "StrTime",
  "StrTimeFormat",
  "MarshaledTime",
  "Process",
  "Meta",
  "Appsec",
  "GetType",
  "GetMeta",
  "SetMeta",
  "SetParsed",
  "ElapsedTime",
  "ParseIPSources",
]);

/** `types.Line` (the acquired line). */
export const LINE_MEMBERS: ReadonlySet<string> = new Set([
  "Raw",
  "Src",
  "Time",
  "Labels",
  "Process",
  "Module",
]);

/** `evt.X` / `evt.Line.X` with X the member name, or null for any other node. */
function memberOf(node: Node): { owner: "Event" | "Line"; name: string } | null {
  if (node.kind !== "Property" && node.kind !== "Method") return null;
  const name = node.kind === "Property" ? node.property : node.method;
  const base = node.node;
  if (base.kind === "Identifier" && base.name === "evt") return { owner: "Event", name };
  if (
    base.kind === "Property" &&
    base.property === "Line" &&
    base.node.kind === "Identifier" &&
    base.node.name === "evt"
  ) {
    return { owner: "Line", name };
  }
  return null;
}

/**
 * The first `evt.X` or `evt.Line.X` of `source` naming a member the Go type does not have, as
 * the `ExprError` expr's type checker reports (position and caret snippet included); null when
 * every such member exists. `source` must already compile.
 */
export function checkEventMembers(
  source: string,
  dialect: Dialect = DEFAULT_DIALECT,
): ExprError | null {
  const tree = parse(source, { maxNodes: DEFAULT_MAX_NODES, maxDepth: DEFAULT_MAX_DEPTH, dialect });
  const pending: Node[] = [tree];
  while (pending.length > 0) {
    const node = pending.pop()!;
    const member = memberOf(node);
    if (member) {
      const known = member.owner === "Event" ? EVENT_MEMBERS : LINE_MEMBERS;
      if (!known.has(member.name)) {
        const what = node.kind === "Method" ? "method" : "field";
        return new ExprError(
          `type types.${member.owner} has no ${what} ${member.name}`,
          source,
          node.offset,
        );
      }
    }
    pending.push(...children(node));
  }
  return null;
}

import { ExprError } from "../expr/errors.js";
import type { LoadProblem } from "../parser/load.js";

/**
 * The one message for an expression that does not compile: where it sits (file, document, YAML
 * path — `parsers/s01-parse/sshd-logs.yaml#2.filter`, `scenarios/ssh-bf.yaml (name).groupby`),
 * expr's `reason (line:column)`, then the source line with a caret under the column:
 *
 *     scenarios/ssh-bf.yaml (crowdsecurity/ssh-bf).filter: unexpected token EOF (1:28)
 *      | evt.Meta.log_type == 'x' &&
 *      | ...........................^
 *
 * Every loader path (agent, `-t`, CLI, the LAPI compiling registered files) compiles through
 * {@link compileAt}, so the same bad expression reads the same everywhere.
 */
export function exprErrorMessage(where: string, error: unknown): string {
  if (error instanceof ExprError) return `${where}: ${error.render()}`;
  return `${where}: ${(error as Error).message}`;
}

/** Compiles with `compile`, rethrowing a failure as {@link exprErrorMessage}. */
export function compileAt<T>(compile: (source: string) => T, source: string, where: string): T {
  try {
    return compile(source);
  } catch (error) {
    throw new Error(exprErrorMessage(where, error));
  }
}

/** A name the hub index does not list, as every report prints it. */
export function describeMissing(item: { type: string; name: string; requiredBy: string }) {
  return `${item.type} ${item.name} (required by ${item.requiredBy}) is not in the hub index`;
}

/**
 * A load problem as a person reads it: the file and document, then the reason. Compile reasons
 * already start with their location (see {@link exprErrorMessage}) and are not prefixed twice.
 * The agent (log, `-t`) and the LAPI's 400 on `POST /v1/rampart/hub` both print this.
 */
export function renderLoadProblem(problem: Pick<LoadProblem, "path" | "document" | "reason">) {
  const { path, document, reason } = problem;
  if (!path || reason.startsWith(path)) return reason;
  return `${path}${document > 0 ? `#${document}` : ""}: ${reason}`;
}

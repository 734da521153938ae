/**
 * Which expr the engine reproduces:
 *
 * - `"current"` — expr-lang/expr v1.17 as embedded by CrowdSec 1.7/1.8 (`let`, `?.`, `??`,
 *   `not in`/`not startsWith`…, `if {} else {}`, the v1.17 builtin table, `/` always a float,
 *   negative indexes). The default: the current hub is written for it.
 * - `"crowdsec-1.4"` — antonmedv/expr v1.9.0 as embedded by CrowdSec 1.4.6, the engine the
 *   differential tests compare against.
 */
export type Dialect = "current" | "crowdsec-1.4";

export const DEFAULT_DIALECT: Dialect = "current";

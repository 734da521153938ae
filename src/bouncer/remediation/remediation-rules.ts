import { z } from "zod";
import { canonicalPath } from "../request-path";

/** What the bouncer does with a request that matched a decision. */
export type Remediation = "ban" | "captcha" | "none";

const remediation = z.enum(["ban", "captcha", "none"]);

/**
 * `REMEDIATIONS` (JSON): an ordered route table. Mirrors the CrowdSec worker bouncer's per-zone
 * `actions` (remediations the zone supports) and `default_action` (used for any other decision
 * type), but selects by exact host (or `*.suffix`) and path prefix instead of a substring match on
 * the whole URL (cs-cloudflare-worker-bouncer worker.js), and the first matching rule wins.
 */
export const remediationRulesSchema = z.array(
  z
    .object({
      hosts: z.array(z.string().min(1)).min(1).default(["*"]),
      path_prefix: z.string().startsWith("/").default("/"),
      actions: z.array(remediation).default(["ban", "captcha"]),
      default_action: remediation.default("ban"),
      /** Explicit type → remediation overrides (e.g. `{"throttle": "captcha"}`). */
      map: z.record(z.string(), remediation).default({}),
      /** Whether `path_prefix` matches case-sensitively (default: `/Admin` is `/admin`). */
      case_sensitive: z.boolean().default(false),
    })
    .strict(),
);

interface CompiledRule {
  hosts: { exact: string | null; suffix: string | null; any: boolean }[];
  /** Canonical (request-path.ts), lower-cased unless `caseSensitive`. */
  pathPrefix: string;
  caseSensitive: boolean;
  actions: ReadonlySet<string>;
  defaultAction: Remediation;
  map: ReadonlyMap<string, Remediation>;
}

/** Compiled route table. */
export interface RemediationRules {
  rules: readonly CompiledRule[];
}

/** Used when `REMEDIATIONS` is unset: every host, ban and captcha supported, others banned. */
const DEFAULT_RULES = [
  {
    hosts: ["*"],
    path_prefix: "/",
    actions: ["ban", "captcha"],
    default_action: "ban",
    map: {},
    case_sensitive: false,
  },
] as const;

export function compileRemediations(
  rules?: z.infer<typeof remediationRulesSchema>,
): RemediationRules {
  const source = rules && rules.length > 0 ? rules : DEFAULT_RULES;
  return {
    rules: source.map((r) => ({
      hosts: r.hosts.map((h) => {
        const host = h.toLowerCase();
        if (host === "*") return { exact: null, suffix: null, any: true };
        if (host.startsWith("*.")) return { exact: null, suffix: host.slice(1), any: false };
        return { exact: host, suffix: null, any: false };
      }),
      pathPrefix: r.case_sensitive
        ? canonicalPath(r.path_prefix)
        : canonicalPath(r.path_prefix).toLowerCase(),
      caseSensitive: r.case_sensitive,
      actions: new Set(r.actions),
      defaultAction: r.default_action,
      map: new Map(Object.entries(r.map)),
    })),
  };
}

/**
 * The remediation for a decision type on a host and canonical path (request-path.ts). No matching
 * rule → `none`: the table is the operator's statement of where the bouncer acts.
 */
export function remediationFor(
  rules: RemediationRules,
  hostname: string,
  pathname: string,
  decisionType: string,
): Remediation {
  const host = hostname.toLowerCase();
  const folded = pathname.toLowerCase();
  for (const rule of rules.rules) {
    if (!(rule.caseSensitive ? pathname : folded).startsWith(rule.pathPrefix)) continue;
    if (
      !rule.hosts.some(
        (h) => h.any || h.exact === host || (h.suffix !== null && host.endsWith(h.suffix)),
      )
    ) {
      continue;
    }
    const mapped = rule.map.get(decisionType);
    if (mapped) return mapped;
    if (rule.actions.has(decisionType)) return decisionType as Remediation;
    return rule.defaultAction;
  }
  return "none";
}

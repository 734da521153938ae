/**
 * The shape of `profiles.yaml` (CrowdSec `csconfig.ProfileCfg`, pkg/csconfig/profiles.go): a
 * multi-document YAML file, one profile per document, unknown keys rejected like 1.4.6's strict
 * decoder.
 */
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { parseGoDuration } from "../../shared/duration.js";

const decisionSchema = z
  .object({
    type: z.string().min(1),
    duration: z.string().optional(),
    scope: z.string().optional(),
    origin: z.string().optional(),
    /** Accepted, but the stored decision follows the alert's own flag (observed on 1.4.6). */
    simulated: z.boolean().optional(),
  })
  .strict();

/** One profiles.yaml document. */
export const profileSchema = z
  .object({
    name: z.string().min(1),
    debug: z.boolean().optional(),
    filters: z.array(z.string()).min(1),
    decisions: z.array(decisionSchema).optional(),
    duration_expr: z.string().optional(),
    notifications: z.array(z.string()).optional(),
    on_success: z.enum(["break", "continue"]).optional(),
    on_failure: z.enum(["break", "continue", "apply"]).optional(),
    on_error: z.enum(["apply", "continue", "ignore", "break"]).optional(),
  })
  .strict();

export type ProfileConfig = z.infer<typeof profileSchema>;
export type ProfileDecisionConfig = z.infer<typeof decisionSchema>;

/** Why a profiles document was refused: which document (1-based), which key, why. */
export interface ConfigIssue {
  document: number;
  /** Dotted YAML path (`decisions.0.duration`), `(root)` for the whole document. */
  key: string;
  reason: string;
}

export type ConfigResult<T> = { ok: true; value: T } | { ok: false; issue: ConfigIssue };

/** `document 2: decisions.0.duration: invalid duration '1d'` */
export function formatIssue(issue: ConfigIssue): string {
  return `document ${issue.document}: ${issue.key}: ${issue.reason}`;
}

/**
 * Splits a multi-document YAML text into plain values, skipping empty documents. YAML 1.1 like
 * CrowdSec's yaml.v2 (`on`/`yes` are booleans).
 */
export function parseYamlDocuments(
  text: string,
): ConfigResult<{ document: number; value: unknown }[]> {
  const out: { document: number; value: unknown }[] = [];
  const docs = parseAllDocuments(text, { version: "1.1" });
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length > 0) {
      const reason = `invalid YAML: ${doc.errors[0]!.message.split("\n")[0]}`;
      return { ok: false, issue: { document: i + 1, key: "(root)", reason } };
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    out.push({ document: i + 1, value });
  }
  return { ok: true, value: out };
}

/** The first zod issue as a ConfigIssue. */
export function zodIssue(document: number, error: z.ZodError): ConfigIssue {
  const issue = error.issues[0]!;
  let reason = issue.message;
  if (issue.code === "unrecognized_keys") reason = `unknown key(s) ${issue.keys.join(", ")}`;
  return { document, key: issue.path.join(".") || "(root)", reason };
}

/**
 * Parses profiles.yaml: YAML, keys, enums and decision durations. Expressions are checked by
 * `compileProfiles`. Durations follow Go's `time.ParseDuration` (no `d` unit): 1.4.6 refuses
 * the file at startup otherwise. A decision without `duration` needs a `duration_expr` (1.4.6
 * dereferences the missing duration and crashes).
 */
export function parseProfiles(
  text: string,
): ConfigResult<{ document: number; config: ProfileConfig }[]> {
  const docs = parseYamlDocuments(text);
  if (!docs.ok) return docs;
  const profiles: { document: number; config: ProfileConfig }[] = [];
  for (const { document, value } of docs.value) {
    const parsed = profileSchema.safeParse(value);
    if (!parsed.success) return { ok: false, issue: zodIssue(document, parsed.error) };
    const p = parsed.data;
    for (const [j, d] of (p.decisions ?? []).entries()) {
      const key = `decisions.${j}.duration`;
      if (d.duration === undefined) {
        if (p.duration_expr === undefined) {
          return { ok: false, issue: { document, key, reason: "required (or set duration_expr)" } };
        }
        continue;
      }
      const parsedDuration = parseGoDuration(d.duration);
      if (!parsedDuration.ok) {
        return { ok: false, issue: { document, key, reason: parsedDuration.error } };
      }
    }
    profiles.push({ document, config: p });
  }
  if (profiles.length === 0) {
    return { ok: false, issue: { document: 1, key: "(root)", reason: "no profiles" } };
  }
  return { ok: true, value: profiles };
}

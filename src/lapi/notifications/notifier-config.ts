/**
 * Notifier configurations (CrowdSec's `/etc/crowdsec/notifications/*.yaml`), stored as one
 * multi-document YAML text: one notifier per document. Only CrowdSec's `http` plugin exists on
 * Workers (the others are separate binaries in CrowdSec); its keys are accepted as 1.4.6 spells
 * them, and the plugin broker's grouping/retry keys are accepted and ignored.
 */
import { z } from "zod";
import { type ConfigResult, parseYamlDocuments, zodIssue } from "../../engine/profiles";
import { parseGoDuration } from "../../shared/duration";
import { type ParsedTemplate, parseTemplate, TemplateError } from "./go-template";

/** The http plugin's default body (its shipped `http.yaml`): the alert list as JSON. */
export const DEFAULT_HTTP_FORMAT = "{{.|toJson}}";
/** Request timeout when `timeout` is unset (CrowdSec's plugin default is 10s). */
const DEFAULT_TIMEOUT_MS = 10_000;

export const httpNotifierSchema = z
  .object({
    type: z.literal("http", {
      errorMap: () => ({ message: "only type 'http' is supported on Workers" }),
    }),
    name: z.string().min(1),
    url: z.string().url(),
    method: z
      .string()
      .regex(/^[A-Za-z]+$/, "not an HTTP method")
      .default("POST"),
    headers: z.record(z.string()).default({}),
    format: z.string().default(DEFAULT_HTTP_FORMAT),
    timeout: z.string().optional(),
    /** Workers' fetch always verifies TLS; accepted for compatibility, ignored. */
    skip_tls_verification: z.boolean().optional(),
    log_level: z.string().optional(),
    group_wait: z.string().optional(),
    group_threshold: z.number().int().optional(),
    max_retry: z.number().int().optional(),
  })
  .strict();

export type HttpNotifierConfig = z.infer<typeof httpNotifierSchema>;

export interface CompiledNotifier {
  config: HttpNotifierConfig;
  template: ParsedTemplate;
  timeoutMs: number;
}

/** Parses and checks every notifier (template included); names must be unique. */
export function compileNotifiers(text: string): ConfigResult<Map<string, CompiledNotifier>> {
  const docs = parseYamlDocuments(text);
  if (!docs.ok) return docs;
  const out = new Map<string, CompiledNotifier>();
  for (const { document, value } of docs.value) {
    const parsed = httpNotifierSchema.safeParse(value);
    if (!parsed.success) return { ok: false, issue: zodIssue(document, parsed.error) };
    const config = parsed.data;
    if (out.has(config.name)) {
      return {
        ok: false,
        issue: { document, key: "name", reason: `duplicate notifier '${config.name}'` },
      };
    }
    let timeoutMs = DEFAULT_TIMEOUT_MS;
    if (config.timeout !== undefined) {
      const d = parseGoDuration(config.timeout);
      if (!d.ok || d.ms <= 0) {
        return {
          ok: false,
          issue: { document, key: "timeout", reason: d.ok ? "must be positive" : d.error },
        };
      }
      timeoutMs = d.ms;
    }
    let template: ParsedTemplate;
    try {
      template = parseTemplate(config.format);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      return { ok: false, issue: { document, key: "format", reason: e.message } };
    }
    out.set(config.name, { config, template, timeoutMs });
  }
  return { ok: true, value: out };
}

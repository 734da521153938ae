/**
 * A hub test's `config.yaml` (crowdsec `pkg/hubtest` HubTestItemConfig): the items to install
 * (hub names, or paths such as `./parsers/s01-parse/crowdsecurity/nginx-logs.yaml` looked up in
 * the hub directory and then in the test directory), the log and its type, extra acquisition
 * labels, whether `parser.assert` is checked, and statics applied before every parser.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const itemList = z
  .array(z.string().nullable())
  .nullish()
  .transform((list) => (list ?? []).filter((v): v is string => v !== null && v !== ""));

const configSchema = z.object({
  parsers: itemList,
  scenarios: itemList,
  postoverflows: itemList,
  log_file: z.string().min(1),
  log_type: z.string().min(1),
  labels: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .nullish()
    .transform((v) => Object.fromEntries(Object.entries(v ?? {}).map(([k, x]) => [k, String(x)]))),
  ignore_parsers: z.boolean().nullish().transform(Boolean),
  override_statics: z
    .array(z.record(z.string(), z.unknown()))
    .nullish()
    .transform((v) => v ?? []),
});

/** A parsed `config.yaml`. */
export interface HubTestConfig {
  parsers: string[];
  scenarios: string[];
  postoverflows: string[];
  logFile: string;
  logType: string;
  labels: Record<string, string>;
  ignoreParsers: boolean;
  overrideStatics: Record<string, unknown>[];
}

/** Parses a test's `config.yaml`; throws an Error naming the bad key. */
export function parseHubTestConfig(text: string): HubTestConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new Error(`config.yaml: ${(error as Error).message}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`config.yaml: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const c = parsed.data;
  return {
    parsers: c.parsers,
    scenarios: c.scenarios,
    postoverflows: c.postoverflows,
    logFile: c.log_file,
    logType: c.log_type,
    labels: c.labels,
    ignoreParsers: c.ignore_parsers,
    overrideStatics: c.override_statics,
  };
}

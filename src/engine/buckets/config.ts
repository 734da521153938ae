import { z } from "zod";
import { dataSourceConfigSchema } from "../parser/config.js";
import { decodeYamlDocuments, describeZodError, yamlString } from "../parser/yaml-documents.js";

/** One `bayesian_conditions` entry (HEAD `BayesianCondition`). */
const bayesianConditionSchema = z
  .object({
    condition: yamlString,
    prob_given_evil: yamlString,
    prob_given_benign: yamlString,
    guillotine: z.union([z.string(), z.boolean(), z.null()]).optional(),
  })
  .strict();

/**
 * A scenario document as go-yaml decodes it into 1.4.6 `leakybucket.BucketFactory` (strict keys,
 * scalars kept as source text): numbers and durations are resolved by {@link compileScenario},
 * which names the key that fails. HEAD-only keys (`bayesian_*`, `condition`) are accepted so every
 * bucket type CrowdSec has can be compiled.
 */
export const scenarioConfigSchema = z
  .object({
    format: yamlString,
    author: yamlString,
    description: yamlString,
    references: z.unknown().optional(),
    type: yamlString,
    name: yamlString,
    capacity: yamlString,
    leakspeed: yamlString,
    duration: yamlString,
    filter: yamlString,
    groupby: yamlString,
    distinct: yamlString,
    debug: z.unknown().optional(),
    labels: z.record(z.unknown()).nullish(),
    blackhole: yamlString,
    reprocess: z.union([z.string(), z.boolean(), z.null()]).optional(),
    cache_size: yamlString,
    profiling: z.unknown().optional(),
    overflow_filter: yamlString,
    cancel_on: yamlString,
    condition: yamlString,
    scope: z.object({ type: yamlString, expression: yamlString }).strict().nullish(),
    data: z.array(dataSourceConfigSchema).nullish(),
    version: yamlString,
    simulated: z.unknown().optional(),
    bayesian_prior: yamlString,
    bayesian_threshold: yamlString,
    bayesian_conditions: z.array(bayesianConditionSchema).nullish(),
  })
  .strict();

export type ScenarioConfig = z.infer<typeof scenarioConfigSchema>;

/** A scenario file that cannot be turned into buckets; the message names file, document and key. */
export class ScenarioConfigError extends Error {
  override name = "ScenarioConfigError";
}

/** The documents of one scenario file, validated; empty documents are skipped as go-yaml does. */
export function decodeScenarioFile(path: string, content: string): ScenarioConfig[] {
  let docs: unknown[];
  try {
    docs = decodeYamlDocuments(content);
  } catch (error) {
    throw new ScenarioConfigError(`${path}: ${(error as Error).message}`);
  }
  const configs: ScenarioConfig[] = [];
  for (const [index, doc] of docs.entries()) {
    if (doc === null) continue;
    const parsed = scenarioConfigSchema.safeParse(doc);
    if (!parsed.success) {
      throw new ScenarioConfigError(`${path}#${index + 1}: ${describeZodError(parsed.error)}`);
    }
    configs.push(parsed.data);
  }
  return configs;
}

import { z } from "zod";
import { yamlBool, yamlString, yamlStringList } from "./yaml-documents.js";

/**
 * YAML shapes of a parser / postoverflow node (1.4.6 `parser.Node`, `types.ExtraField`,
 * `types.GrokPattern`, `types.Whitelist`, `types.DataSource`). Objects are strict because 1.4.6
 * decodes with `UnmarshalStrict`: an unknown key is a load error. `stash` is accepted as in HEAD.
 */

/** One `statics` entry: a target (`meta`/`parsed`/`enriched`/`target`/`method`) and a source. */
export const staticConfigSchema = z
  .object({
    meta: yamlString,
    parsed: yamlString,
    enriched: yamlString,
    target: yamlString,
    method: yamlString,
    value: yamlString,
    expression: yamlString,
  })
  .strict();
export type StaticConfig = z.infer<typeof staticConfigSchema>;

export const grokConfigSchema = z
  .object({
    pattern: yamlString,
    name: yamlString,
    apply_on: yamlString,
    expression: yamlString,
    statics: z
      .array(staticConfigSchema)
      .nullish()
      .transform((v) => v ?? []),
  })
  .strict();
export type GrokConfig = z.infer<typeof grokConfigSchema>;

export const whitelistConfigSchema = z
  .object({
    reason: yamlString,
    ip: yamlStringList,
    cidr: yamlStringList,
    expression: yamlStringList,
  })
  .strict();
export type WhitelistConfig = z.infer<typeof whitelistConfigSchema>;

/** A `data:` entry; the file is read from the data directory, never downloaded. */
export const dataSourceConfigSchema = z
  .object({
    source_url: yamlString,
    dest_file: yamlString,
    type: yamlString,
  })
  .strict();
export type DataSourceConfig = z.infer<typeof dataSourceConfigSchema>;

/** HEAD (≥1.5) `stash` entry. */
export const stashConfigSchema = z
  .object({
    name: yamlString,
    key: yamlString,
    value: yamlString,
    ttl: yamlString,
    size: yamlString,
    strategy: yamlString,
  })
  .strict();
export type StashConfig = z.infer<typeof stashConfigSchema>;

export interface NodeConfig {
  format: string;
  name: string;
  description: string;
  author: string;
  references: string[];
  stage: string;
  filter: string;
  onsuccess: string;
  debug: boolean;
  profiling: boolean;
  pattern_syntax: [string, string][];
  grok: GrokConfig | null;
  nodes: NodeConfig[];
  statics: StaticConfig[];
  whitelist: WhitelistConfig | null;
  data: DataSourceConfig[];
  stash: StashConfig[];
}

export const nodeConfigSchema: z.ZodType<NodeConfig, z.ZodTypeDef, unknown> = z.lazy(() =>
  z
    .object({
      format: yamlString,
      name: yamlString,
      description: yamlString,
      author: yamlString,
      references: yamlStringList,
      stage: yamlString,
      filter: yamlString,
      onsuccess: yamlString,
      debug: yamlBool,
      profiling: yamlBool,
      pattern_syntax: z
        .record(z.union([z.string(), z.null()]))
        .nullish()
        .transform((v) =>
          Object.entries(v ?? {}).map(([k, p]) => [k, p ?? ""] as [string, string]),
        ),
      grok: grokConfigSchema.nullish().transform((v) => v ?? null),
      nodes: z
        .array(nodeConfigSchema)
        .nullish()
        .transform((v) => v ?? []),
      statics: z
        .array(staticConfigSchema)
        .nullish()
        .transform((v) => v ?? []),
      whitelist: whitelistConfigSchema.nullish().transform((v) => v ?? null),
      data: z
        .array(dataSourceConfigSchema)
        .nullish()
        .transform((v) => v ?? []),
      stash: z
        .array(stashConfigSchema)
        .nullish()
        .transform((v) => v ?? []),
    })
    .strict(),
);

/** True when a document is skipped: 1.4.6 ignores docs without name, description and author. */
export function isAnonymousDocument(doc: unknown): boolean {
  if (doc === null || typeof doc !== "object") return true;
  const record = doc as Record<string, unknown>;
  return !record.name && !record.description && !record.author;
}

import { z } from "zod";
import { parseGoDuration } from "../../shared/duration.js";
import { CACHE_STRATEGIES, type CacheStrategy } from "../expr/result-cache.js";
import { FALSE_WORDS, TRUE_WORDS, yamlBool, yamlString, yamlStringList } from "./yaml-documents.js";

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

const scalar = z.union([z.string(), z.boolean(), z.null()]).optional();

/**
 * A `data:` entry; the file is read from the data directory, never downloaded. HEAD
 * `types.DataSource` adds the regexp result cache: `cache` (bool), `strategy`, `size` (int),
 * `ttl` (Go duration), each a pointer in Go so "absent" differs from a zero value.
 */
export const dataSourceConfigSchema = z
  .object({
    source_url: yamlString,
    dest_file: yamlString,
    type: yamlString,
    cache: scalar.transform((value, ctx): boolean | undefined => {
      if (value === undefined || value === null) return undefined;
      if (typeof value === "boolean") return value;
      if (TRUE_WORDS.has(value)) return true;
      if (FALSE_WORDS.has(value)) return false;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `cannot unmarshal ${value} into bool` });
      return z.NEVER;
    }),
    strategy: scalar.transform((value, ctx): CacheStrategy | undefined => {
      if (value === undefined || value === null) return undefined;
      if ((CACHE_STRATEGIES as readonly unknown[]).includes(value)) return value as CacheStrategy;
      // HEAD logs `unknown cache strategy` and loads the item without a cache; refused here.
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `unknown cache strategy '${value}' (LRU, LFU or ARC)`,
      });
      return z.NEVER;
    }),
    size: scalar.transform((value, ctx): number | undefined => {
      if (value === undefined || value === null) return undefined;
      if (typeof value === "string" && /^[-+]?\d+$/.test(value) && Number(value) > 0) {
        return Number(value);
      }
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `cache size must be a positive integer, got '${value}'`,
      });
      return z.NEVER;
    }),
    ttl: scalar.transform((value, ctx): number | undefined => {
      if (value === undefined || value === null) return undefined;
      const parsed = parseGoDuration(String(value));
      if (parsed.ok) return parsed.ms;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.error });
      return z.NEVER;
    }),
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

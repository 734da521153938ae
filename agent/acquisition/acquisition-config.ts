/**
 * `acquis.yaml` (and `acquis.d/*.yaml`) loading, CrowdSec 1.4.6 style: multi-document, strict (an
 * unknown key is an error), `labels` required and non-empty, `mode` `tail` (default) or `cat`,
 * `source` inferred from `filename(s)` (file) or `journalctl_filter` (journalctl) when omitted,
 * empty documents skipped. Each document is validated against the common keys plus its source's
 * own keys from the registry; errors name the file, the document, the YAML path and the reason.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { ConfigError, parseYamlDocuments, type YamlDocument } from "../config/config-error.js";
import {
  type AcquisitionEntry,
  isSourceName,
  type SourceName,
  sourceRegistry,
  unsupportedCrowdsecSources,
} from "./source-registry.js";

const commonKeys = z.object({
  source: z.string().min(1).optional(),
  labels: z
    .record(z.string())
    .refine((labels) => Object.keys(labels).length > 0, { message: "labels must not be empty" }),
  mode: z.enum(["tail", "cat"]).default("tail"),
  name: z.string().min(1).optional(),
  log_level: z
    .enum(["trace", "debug", "info", "warning", "warn", "error", "fatal", "panic"])
    .optional(),
  use_time_machine: z.boolean().default(false),
});

function inferSource(doc: Record<string, unknown>): string | null {
  if (typeof doc.source === "string") return doc.source;
  if ("filename" in doc || "filenames" in doc) return "file";
  if ("journalctl_filter" in doc) return "journalctl";
  return null;
}

function parseEntry(doc: YamlDocument, file: string): AcquisitionEntry {
  const value = doc.value;
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw doc.error([], "an acquisition document must be a mapping");
  }
  const raw = value as Record<string, unknown>;
  const source = inferSource(raw);
  if (source === null) {
    throw doc.error(
      [],
      raw.labels === undefined
        ? "missing labels"
        : "source is required (no filename(s) or journalctl_filter to infer it from)",
    );
  }
  if (!isSourceName(source)) {
    const reason = (unsupportedCrowdsecSources as readonly string[]).includes(source)
      ? `source ${JSON.stringify(source)} is a CrowdSec source Rampart does not implement`
      : `unknown data source ${JSON.stringify(source)} (known: ${Object.keys(sourceRegistry).join(", ")})`;
    throw doc.error(["source"], reason);
  }
  const definition = sourceRegistry[source as SourceName];
  const parsed = commonKeys.merge(definition.schema).strict().safeParse(raw);
  if (!parsed.success) throw doc.zodError(parsed.error);
  const { source: _s, labels, mode, name, log_level: _l, use_time_machine, ...own } = parsed.data;
  const finished = definition.finish(own);
  if (!finished.ok)
    throw doc.error(finished.path.split(/\.|(?=\[)/).map(pathPart), finished.reason);
  return {
    file,
    document: doc.index,
    name: name ?? `${source}:${file}#${doc.index + 1}`,
    source,
    labels: labels as Record<string, string>,
    mode,
    useTimeMachine: use_time_machine,
    config: finished.config,
  };
}

function pathPart(part: string): string | number {
  const index = /^\[(\d+)\]$/.exec(part);
  return index ? Number(index[1]) : part;
}

/** Validates the acquisition documents of `text`, read from `file`. */
export function parseAcquisition(text: string, file: string): AcquisitionEntry[] {
  return parseYamlDocuments(text, file).map((doc) => parseEntry(doc, file));
}

/** Loads `acquisitionPath` and every `*.yaml` of `acquisitionDir` (sorted), like CrowdSec. */
export function loadAcquisition(
  acquisitionPath: string | null,
  acquisitionDir: string | null,
): AcquisitionEntry[] {
  const files: string[] = [];
  if (acquisitionPath !== null) files.push(resolve(acquisitionPath));
  if (acquisitionDir !== null) {
    let names: string[];
    try {
      names = readdirSync(acquisitionDir);
    } catch (error) {
      throw new ConfigError(
        acquisitionDir,
        "",
        `cannot read acquisition directory: ${(error as Error).message}`,
      );
    }
    for (const name of names.sort())
      if (name.endsWith(".yaml")) files.push(resolve(join(acquisitionDir, name)));
  }
  const entries: AcquisitionEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(file, "", `cannot read acquisition file: ${(error as Error).message}`);
    }
    entries.push(...parseAcquisition(text, file));
  }
  if (entries.length === 0)
    throw new ConfigError(files.join(", ") || "(none)", "", "no datasource enabled");
  return entries;
}

/**
 * The entry of CrowdSec's one-shot mode (`crowdsec -dsn file:///var/log/auth.log --type syslog`):
 * the file source in `cat` mode, so `.gz` files are readable and the run ends after the last line.
 */
export function entryFromDsn(dsn: string, labels: Record<string, string>): AcquisitionEntry {
  if (!dsn.startsWith("file://")) {
    throw new ConfigError(
      "-dsn",
      "",
      `unsupported DSN ${JSON.stringify(dsn)} (only file:// is implemented)`,
    );
  }
  if (Object.keys(labels).length === 0)
    throw new ConfigError("-dsn", "", "--type is required with -dsn");
  const path = decodeURIComponent(dsn.slice("file://".length).split("?")[0]!);
  if (path === "") throw new ConfigError("-dsn", "", "empty file path in DSN");
  return {
    file: "-dsn",
    document: 0,
    name: dsn,
    source: "file",
    labels,
    mode: "cat",
    useTimeMachine: true,
    config: { patterns: [path], excludeRegexps: [] },
  };
}

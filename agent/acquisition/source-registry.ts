/**
 * The acquisition source registry, as data: one row per `source:` value of `acquis.yaml`, with
 * the zod schema of its own keys (the common keys live in `acquisition-config.ts`), how to start
 * it, and how `rampart-agent -t` describes it. Diff this table against CrowdSec 1.4.6's
 * `pkg/acquisition/acquisition.go` `AcquisitionSources` map when adding a source.
 */
import type { Readable } from "node:stream";
import { z } from "zod";
import { createFileSource } from "./file-source.js";
import { goGlob, segmentRegExp } from "./go-glob.js";
import { createJournalctlSource, journalctlArgs } from "./journalctl-source.js";
import type { OffsetStore } from "./offset-store.js";
import { createStdinSource } from "./stdin-source.js";
import { createSyslogSource } from "./syslog-source.js";
import type { AcquisitionSource } from "./types.js";

/** What a source needs from the running agent. */
export interface SourceDeps {
  offsets: OffsetStore;
  stdin: Readable;
  /** The journalctl binary (default `journalctl` on PATH). */
  journalctlCommand?: string;
  /** File polling interval (default 250 ms). */
  pollIntervalMs?: number;
}

/** One validated acquisition entry (one YAML document). */
export interface AcquisitionEntry<C = unknown> {
  file: string;
  /** 0-based document index in `file`. */
  document: number;
  name: string;
  source: SourceName;
  labels: Record<string, string>;
  mode: "tail" | "cat";
  useTimeMachine: boolean;
  config: C;
}

interface SourceDefinition<C> {
  /** The source's own keys; unknown keys are rejected by the caller (`.strict()`). */
  schema: z.ZodObject<z.ZodRawShape>;
  /** Cross-key checks and defaults on the parsed keys; returns a reason on failure. */
  finish: (
    keys: Record<string, unknown>,
  ) => { ok: true; config: C } | { ok: false; path: string; reason: string };
  create: (entry: AcquisitionEntry<C>, deps: SourceDeps) => AcquisitionSource;
  describe: (entry: AcquisitionEntry<C>) => string;
}

function define<C>(definition: SourceDefinition<C>): SourceDefinition<unknown> {
  return definition as unknown as SourceDefinition<unknown>;
}

/** A `file` entry's compiled keys. */
export interface FileConfig {
  patterns: string[];
  excludeRegexps: RegExp[];
}

/** A `syslog` entry's compiled keys. */
export interface SyslogConfig {
  listenAddr: string;
  listenPort: number;
  protocols: ("udp" | "tcp")[];
  maxMessageLen: number;
}

const ok = <C>(config: C) => ({ ok: true as const, config });

/** The registry: `source:` value → schema, factory, description. */
export const sourceRegistry = {
  file: define<FileConfig>({
    schema: z.object({
      filename: z.string().min(1).optional(),
      filenames: z.array(z.string().min(1)).optional(),
      exclude_regexps: z.array(z.string()).optional(),
      // Accepted for compatibility; Rampart polls (inotify misses rotations on some filesystems).
      force_inotify: z.boolean().optional(),
    }),
    finish: (keys) => {
      const patterns = [
        ...(keys.filename === undefined ? [] : [keys.filename as string]),
        ...((keys.filenames as string[] | undefined) ?? []),
      ];
      if (patterns.length === 0) {
        return {
          ok: false,
          path: "filenames",
          reason: "no filename or filenames configuration provided",
        };
      }
      for (const [i, pattern] of patterns.entries()) {
        const bad = pattern.split("/").find((segment) => segmentRegExp(segment) === null);
        if (bad !== undefined) {
          const path =
            keys.filename === undefined
              ? `filenames[${i}]`
              : i === 0
                ? "filename"
                : `filenames[${i - 1}]`;
          return {
            ok: false,
            path,
            reason: `syntax error in glob pattern ${JSON.stringify(pattern)}`,
          };
        }
      }
      const excludeRegexps: RegExp[] = [];
      for (const [i, text] of ((keys.exclude_regexps as string[] | undefined) ?? []).entries()) {
        try {
          excludeRegexps.push(new RegExp(text));
        } catch (error) {
          return { ok: false, path: `exclude_regexps[${i}]`, reason: (error as Error).message };
        }
      }
      return ok({ patterns, excludeRegexps });
    },
    create: (entry, deps) =>
      createFileSource({
        name: entry.name,
        labels: entry.labels,
        patterns: entry.config.patterns,
        excludeRegexps: entry.config.excludeRegexps,
        mode: entry.mode,
        offsets: deps.offsets,
        ...(deps.pollIntervalMs === undefined ? {} : { pollIntervalMs: deps.pollIntervalMs }),
      }),
    describe: (entry) =>
      entry.config.patterns
        .map((pattern) => {
          const files = goGlob(pattern).filter(
            (p) => !entry.config.excludeRegexps.some((re) => re.test(p)),
          );
          return `${pattern} (${files.length} file${files.length === 1 ? "" : "s"} now)`;
        })
        .join(", "),
  }),
  journalctl: define<{ filters: string[] }>({
    schema: z.object({ journalctl_filter: z.array(z.string().min(1)).min(1) }),
    finish: (keys) => ok({ filters: keys.journalctl_filter as string[] }),
    create: (entry, deps) =>
      createJournalctlSource({
        name: entry.name,
        labels: entry.labels,
        filters: entry.config.filters,
        mode: entry.mode,
        offsets: deps.offsets,
        ...(deps.journalctlCommand === undefined ? {} : { command: deps.journalctlCommand }),
      }),
    describe: (entry) =>
      `journalctl ${journalctlArgs(entry.config.filters, entry.mode, null).join(" ")}`,
  }),
  syslog: define<SyslogConfig>({
    schema: z.object({
      listen_addr: z.string().ip().default("127.0.0.1"),
      listen_port: z.number().int().min(0).max(65535).default(514),
      // 1.4.6 listens on UDP only; `tcp` and `udp+tcp` are Rampart additions.
      protocol: z.enum(["udp", "tcp", "udp+tcp"]).default("udp"),
      max_message_len: z
        .number()
        .int()
        .min(1)
        .max(1024 * 1024)
        .default(2048),
    }),
    finish: (keys) =>
      ok({
        listenAddr: keys.listen_addr as string,
        listenPort: keys.listen_port as number,
        protocols: keys.protocol === "udp+tcp" ? ["udp", "tcp"] : [keys.protocol as "udp" | "tcp"],
        maxMessageLen: keys.max_message_len as number,
      }),
    create: (entry) =>
      createSyslogSource({ name: entry.name, labels: entry.labels, ...entry.config }),
    describe: (entry) =>
      entry.config.protocols
        .map((p) => `${p}://${entry.config.listenAddr}:${entry.config.listenPort}`)
        .join(", "),
  }),
  stdin: define<Record<string, never>>({
    schema: z.object({}),
    finish: () => ok({}),
    create: (entry, deps) =>
      createStdinSource({ name: entry.name, labels: entry.labels, input: deps.stdin }),
    describe: () => "standard input until EOF",
  }),
} satisfies Record<string, SourceDefinition<unknown>>;

/** A `source:` value Rampart implements. */
export type SourceName = keyof typeof sourceRegistry;

/** CrowdSec 1.4.6 sources Rampart does not implement (named in the error instead of "unknown"). */
export const unsupportedCrowdsecSources = [
  "docker",
  "cloudwatch",
  "kinesis",
  "kafka",
  "k8s-audit",
  "wineventlog",
] as const;

/** True when `name` is a registry row. */
export function isSourceName(name: string): name is SourceName {
  return Object.hasOwn(sourceRegistry, name);
}

/** Starts the source an entry describes. */
export function createSource(entry: AcquisitionEntry, deps: SourceDeps): AcquisitionSource {
  return sourceRegistry[entry.source].create(entry, deps);
}

/** One line for `rampart-agent -t`. */
export function describeEntry(entry: AcquisitionEntry): string {
  return sourceRegistry[entry.source].describe(entry);
}

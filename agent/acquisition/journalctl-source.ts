/**
 * The `journalctl` acquisition source: runs `journalctl --follow --output=json <filters>` and
 * turns each entry into the short-format line CrowdSec's parsers expect (`journal-entry.ts`).
 * CrowdSec 1.4.6 starts at `-n 0` (only new entries) on every start; we do that on a first start
 * only and otherwise resume with `--after-cursor=<last committed __CURSOR>`, so entries written
 * while the agent was down are read once. `Line.Src` is `journalctl-<filters joined by .>`, as in
 * 1.4.6. `mode: cat` reads the matching entries once, without `--follow`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { decodeJournalEntry } from "./journal-entry.js";
import { LineQueue } from "./line-queue.js";
import { LineSplitter } from "./line-splitter.js";
import { OffsetStore } from "./offset-store.js";
import { type AcquisitionSource, type Cursor, emptySkipCounters, type LogLine } from "./types.js";

/** Options of a journalctl source. */
export interface JournalctlSourceOptions {
  name: string;
  labels: Record<string, string>;
  filters: readonly string[];
  mode: "tail" | "cat";
  offsets?: OffsetStore;
  /** The journalctl binary (tests point it at a fake). */
  command?: string;
  maxLineBytes?: number;
  queueCapacity?: number;
}

/** The arguments the source passes to journalctl. */
export function journalctlArgs(
  filters: readonly string[],
  mode: "tail" | "cat",
  cursor: string | null,
): string[] {
  // `--all`: without it the JSON output replaces every field over 4096 bytes by `null`, while the
  // short output CrowdSec 1.4.6 reads prints such messages whole (systemd `output_json`).
  const args = ["--output=json", "--all"];
  if (mode === "tail") args.push("--follow");
  if (cursor !== null) args.push(`--after-cursor=${cursor}`);
  else if (mode === "tail") args.push("-n", "0");
  return [...args, ...filters];
}

/** The key under which the source's cursor is persisted. */
export const journalOffsetKey = (filters: readonly string[]) => `journalctl:${filters.join(" ")}`;

/** Starts journalctl; lines flow once the iterator is consumed. */
export function createJournalctlSource(options: JournalctlSourceOptions): AcquisitionSource {
  const queue = new LineQueue<LogLine>(options.queueCapacity ?? 1024);
  const offsets = options.offsets ?? OffsetStore.inMemory();
  const stats = { read: 0, skipped: emptySkipCounters() };
  const key = journalOffsetKey(options.filters);
  const saved = offsets.get(key);
  const cursor = typeof saved === "string" ? saved : null;
  const source = `journalctl-${options.filters.join(".")}`;
  // A JSON entry is larger than its message: allow for the envelope.
  const splitter = new LineSplitter(stats.skipped, (options.maxLineBytes ?? 64 * 1024) + 16 * 1024);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let closing = false;

  const child: ChildProcess = spawn(
    options.command ?? "journalctl",
    journalctlArgs(options.filters, options.mode, cursor),
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-2000);
  });

  const pump = (async () => {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      for (const { text } of splitter.push(chunk)) {
        const decoded = decodeJournalEntry(text, decoder);
        if (!decoded.ok) {
          stats.skipped[decoded.reason]++;
          continue;
        }
        stats.read++;
        await queue.push({
          line: decoded.entry.line,
          source,
          module: "journalctl",
          labels: options.labels,
          time: Date.now(),
          cursor: { kind: "journal", cursor: decoded.entry.cursor },
        });
      }
    }
  })();
  const exited = new Promise<number | null>((resolve) => {
    child.on("error", (error) => {
      stderr += error.message;
      resolve(-1);
    });
    child.on("close", (code) => resolve(code));
  });
  void Promise.all([pump, exited]).then(
    ([, code]) => {
      if (closing || code === 0) queue.end();
      else queue.end(new Error(`journalctl exited with ${code}: ${stderr.trim()}`));
    },
    (error: unknown) => queue.end(error),
  );

  return {
    name: options.name,
    stats,
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    async commit(c: Cursor) {
      if (c.kind !== "journal")
        throw new Error(`journalctl source cannot commit a ${c.kind} cursor`);
      await offsets.set(key, c.cursor);
    },
    async close() {
      closing = true;
      queue.end();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      await offsets.flush();
    },
  };
}

/**
 * The `journalctl` acquisition source: runs `journalctl --follow --output=json <filters>` and
 * turns each entry into the short-format line CrowdSec's parsers expect (`journal-entry.ts`).
 * CrowdSec 1.4.6 starts at `-n 0` (only new entries) on every start; we resume with
 * `--after-cursor=<last committed __CURSOR>` so entries written while the agent was down are read
 * once. A first start (no persisted position) also begins with new entries only, but first asks
 * `journalctl -n 0 --show-cursor <filters>` for the cursor of the last matching entry and persists
 * it before following after it: a restart before the first commit then re-reads what the first run
 * read instead of skipping to the tail (the file source records its starting offset likewise).
 * When nothing matches yet, the start persists "from the head": every matching entry is then new.
 * `Line.Src` is `journalctl-<filters joined by .>`, as in 1.4.6. `mode: cat` reads the matching
 * entries once, without `--follow`.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
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

/** Persisted start position of a journald source (`OffsetStore` value). */
export type JournalPosition = string | typeof FROM_HEAD;

/** "Read every matching entry": nothing matched the filters when the source first started. */
export const FROM_HEAD = { from: "head" } as const;

function positionOf(saved: unknown): JournalPosition | null {
  if (typeof saved === "string") return saved;
  if (
    typeof saved === "object" &&
    saved !== null &&
    (saved as { from?: unknown }).from === "head"
  ) {
    return FROM_HEAD;
  }
  return null;
}

/**
 * The arguments the source passes to journalctl: after a cursor, from the head, or (`null`, no
 * position) from the tail (`-n 0`, CrowdSec 1.4.6's start).
 */
export function journalctlArgs(
  filters: readonly string[],
  mode: "tail" | "cat",
  position: JournalPosition | null,
): string[] {
  // `--all`: without it the JSON output replaces every field over 4096 bytes by `null`, while the
  // short output CrowdSec 1.4.6 reads prints such messages whole (systemd `output_json`).
  const args = ["--output=json", "--all"];
  if (mode === "tail") args.push("--follow");
  if (typeof position === "string") args.push(`--after-cursor=${position}`);
  // `--follow` alone shows the last 10 entries; `-n all` shows every one.
  else if (position === FROM_HEAD) args.push("-n", "all");
  else if (mode === "tail") args.push("-n", "0");
  return [...args, ...filters];
}

/**
 * Where a first start begins: the cursor of the last entry matching `filters`, or `FROM_HEAD`
 * when none does (journalctl prints `-- No entries --` and exits 1), or `null` (start at `-n 0`,
 * not persisted) when journalctl fails otherwise — the follow run then reports the error.
 */
export function probeJournalTail(
  command: string,
  filters: readonly string[],
): Promise<JournalPosition | null> {
  return new Promise((resolve) => {
    execFile(
      command,
      ["-n", "0", "--show-cursor", ...filters],
      { timeout: 60_000, maxBuffer: 1024 * 1024 },
      (error, stdout) => {
        const cursor = /^-- cursor: (.+)$/m.exec(String(stdout))?.[1];
        if (!error && cursor !== undefined) resolve(cursor);
        else if (String(stdout).trim() === "-- No entries --") resolve(FROM_HEAD);
        else resolve(null);
      },
    );
  });
}

/** The key under which the source's cursor is persisted. */
export const journalOffsetKey = (filters: readonly string[]) => `journalctl:${filters.join(" ")}`;

/** Starts journalctl; lines flow once the iterator is consumed. */
export function createJournalctlSource(options: JournalctlSourceOptions): AcquisitionSource {
  const queue = new LineQueue<LogLine>(options.queueCapacity ?? 1024);
  const offsets = options.offsets ?? OffsetStore.inMemory();
  const stats = { read: 0, skipped: emptySkipCounters() };
  const key = journalOffsetKey(options.filters);
  const saved = positionOf(offsets.get(key));
  const command = options.command ?? "journalctl";
  const source = `journalctl-${options.filters.join(".")}`;
  // A JSON entry is larger than its message: allow for the envelope.
  const splitter = new LineSplitter(stats.skipped, (options.maxLineBytes ?? 64 * 1024) + 16 * 1024);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let closing = false;
  let child: ChildProcess | null = null;
  let stderr = "";

  const pump = async (out: AsyncIterable<Buffer>) => {
    for await (const chunk of out) {
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
  };

  /** Positions (a first start persists where it begins), then follows; resolves on exit. */
  const run = async (): Promise<number | null> => {
    let position = saved;
    if (position === null && options.mode === "tail") {
      position = await probeJournalTail(command, options.filters);
      if (position !== null) await offsets.set(key, position);
    }
    if (closing) return null;
    const proc = spawn(command, journalctlArgs(options.filters, options.mode, position), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    proc.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-2000);
    });
    const exited = new Promise<number | null>((resolve) => {
      proc.on("error", (error) => {
        stderr += error.message;
        resolve(-1);
      });
      proc.on("close", (code) => resolve(code));
    });
    const [, code] = await Promise.all([pump(proc.stdout as AsyncIterable<Buffer>), exited]);
    return code;
  };
  const finished = run();
  void finished.then(
    (code) => {
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
      const proc = child as ChildProcess | null;
      if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await finished.catch(() => {});
      await offsets.flush();
    },
  };
}

/**
 * The `stdin` acquisition source: lines piped into the agent (`zcat old.log.gz | rampart-agent
 * ... --type nginx`). CrowdSec 1.4.6 has no stdin source (pipes go through `-dsn file:///dev/stdin`);
 * this one reads any `Readable` with the same hostile-line guards as the file source and ends at
 * EOF. Cursors are byte offsets in the stream and cannot be resumed.
 */
import type { Readable } from "node:stream";
import { LineQueue } from "./line-queue.js";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from "./line-splitter.js";
import { type AcquisitionSource, emptySkipCounters, type LogLine } from "./types.js";

/** Options of a stdin source. */
export interface StdinSourceOptions {
  name: string;
  labels: Record<string, string>;
  input: Readable;
  maxLineBytes?: number;
  queueCapacity?: number;
}

/** Reads `input` to its end. */
export function createStdinSource(options: StdinSourceOptions): AcquisitionSource {
  const queue = new LineQueue<LogLine>(options.queueCapacity ?? 1024);
  const stats = { read: 0, skipped: emptySkipCounters() };
  const splitter = new LineSplitter(stats.skipped, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  let closed = false;

  const push = async (lines: { text: string; end: number }[]) => {
    for (const { text, end } of lines) {
      stats.read++;
      await queue.push({
        line: text,
        source: "stdin",
        module: "stdin",
        labels: options.labels,
        time: Date.now(),
        cursor: { kind: "sequence", seq: end },
      });
    }
  };
  const running = (async () => {
    for await (const chunk of options.input as AsyncIterable<Buffer | string>) {
      if (closed) break;
      await push(splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk));
    }
    await push(splitter.flush());
  })().then(
    () => queue.end(),
    (error: unknown) => queue.end(error),
  );

  return {
    name: options.name,
    stats,
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    // A pipe cannot be re-read: acknowledging is a no-op by design.
    async commit() {},
    async close() {
      closed = true;
      queue.end();
      options.input.destroy();
      await running;
    },
  };
}

/**
 * Starts every acquisition entry and merges their lines into one stream, the way CrowdSec's
 * `StartAcquisition` feeds all datasources into one output channel. Each merged item keeps its
 * source so the consumer can `commit` the cursor back to the source that produced it. A source
 * that fails (journalctl exiting, a syslog port already taken) is reported through `onError` and
 * the others keep running.
 */
import { LineQueue } from "./line-queue.js";
import { type AcquisitionEntry, createSource, type SourceDeps } from "./source-registry.js";
import type { AcquisitionSource, LogLine } from "./types.js";

/** One line and the source to acknowledge it to. */
export interface AcquiredLine {
  line: LogLine;
  source: AcquisitionSource;
}

/** The running acquisition. */
export interface RunningAcquisition extends AsyncIterable<AcquiredLine> {
  readonly sources: readonly AcquisitionSource[];
  /** Stops every source; the stream ends after the lines already queued. */
  close(): Promise<void>;
}

/** Starts `entries`; the stream ends when every source has ended (cat mode, stdin EOF). */
export function startAcquisition(
  entries: readonly AcquisitionEntry[],
  deps: SourceDeps,
  onError: (source: AcquisitionSource, error: unknown) => void,
  queueCapacity = 1024,
): RunningAcquisition {
  const queue = new LineQueue<AcquiredLine>(queueCapacity);
  const sources = entries.map((entry) => createSource(entry, deps));
  const pumps = sources.map(async (source) => {
    try {
      for await (const line of source) await queue.push({ line, source });
    } catch (error) {
      onError(source, error);
    }
  });
  void Promise.all(pumps).then(() => queue.end());
  return {
    sources,
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    async close() {
      await Promise.all(sources.map((source) => source.close()));
      // Ended before waiting for the pumps: a pump blocked on a full queue (the consumer stopped
      // pulling, e.g. at shutdown) would otherwise wait forever. Lines it still held were never
      // acknowledged, so resumable sources read them again after a restart.
      queue.end();
      await Promise.all(pumps);
    },
  };
}

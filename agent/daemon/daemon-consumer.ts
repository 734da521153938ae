/**
 * The line consumer: each acquired line goes through the generation's pipeline into delivery,
 * and its position into the commit tracker. Reading pauses while the spool is full; lines whose
 * events the previous run already spooled wait for those events instead of sending them twice.
 */
import type { CommitTracker } from "../delivery/commit-tracker.js";
import type { Delivery } from "../delivery/delivery.js";
import { bucketsDigest, type Spool, type SpooledEvent } from "../delivery/spool.js";
import type { AgentMetrics } from "./agent-metrics.js";
import type { DaemonState, Generation } from "./daemon-generation.js";
import type { Logger } from "./logger.js";

/** Dependencies of {@link createLineConsumer}. */
export interface LineConsumerDeps {
  delivery: Delivery;
  spool: Spool;
  tracker: CommitTracker;
  metrics: AgentMetrics;
  log: Logger;
  state: DaemonState;
  /** The previous run's spooled events by id (entries are removed once matched). */
  previous: Map<string, SpooledEvent>;
  /** Resolves when the daemon stops: a paused read then stops waiting for space. */
  stopSignal: Promise<void>;
}

/** Returns the consumer of a generation's stream; its counters outlive generations. */
export function createLineConsumer(deps: LineConsumerDeps): (gen: Generation) => Promise<void> {
  const { delivery, spool, tracker, metrics, log, state, previous, stopSignal } = deps;
  let lineErrors = 0;
  let pauses = 0;
  let lastPauseLog = Number.NEGATIVE_INFINITY;

  return async function consume(gen: Generation): Promise<void> {
    const { pipeline } = gen;
    for await (const { line, source } of gen.acquisition) {
      if (delivery.full && !state.stopping) {
        const pausedAt = performance.now();
        // A slow LAPI makes the spool flip between full and not full per batch: one warning a
        // minute (with the pauses since the last one) instead of two lines per batch.
        pauses++;
        if (pausedAt - lastPauseLog >= 60_000) {
          log.warn("spool full, reading paused until the LAPI takes events", {
            spool_bytes: spool.bytes,
            max_bytes: spool.maxBytes,
            pauses_since_last_report: pauses,
          });
          lastPauseLog = pausedAt;
          pauses = 0;
        }
        await Promise.race([delivery.waitForSpace(), stopSignal]);
        metrics.spoolFull((performance.now() - pausedAt) / 1000);
      }
      const parsedBefore = pipeline.stats.parsed;
      let event = null;
      try {
        event = pipeline.process(line);
      } catch (error) {
        // The pipeline counts bad lines itself; an exception here is a bug, never a reason to die.
        if (lineErrors++ % 1000 === 0) {
          log.error("line processing failed", { error, source: line.source, count: lineErrors });
        }
      }
      metrics.line(line, pipeline.stats.parsed > parsedBefore);
      const spooled = event === null ? undefined : previous.get(event.id);
      if (spooled !== undefined && spooled.buckets === bucketsDigest(event!.buckets)) {
        previous.delete(event!.id);
        tracker.observe(source, line.cursor, spooled.seq);
      } else {
        tracker.observe(source, line.cursor, event === null ? null : delivery.enqueue(event));
      }
    }
  };
}

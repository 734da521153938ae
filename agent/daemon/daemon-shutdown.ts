/**
 * Graceful stop (SIGTERM): stop the sources, flush delivery (bounded), commit positions and
 * offsets, stop the timers, the metrics endpoint and the LAPI session. Runs once.
 */
import type { OffsetStore } from "../acquisition/offset-store.js";
import type { CommitTracker } from "../delivery/commit-tracker.js";
import type { Delivery } from "../delivery/delivery.js";
import type { Spool } from "../delivery/spool.js";
import type { DaemonState, Generation } from "./daemon-generation.js";
import { closeMetricsServer, type MetricsServer } from "./daemon-metrics-server.js";
import type { Logger } from "./logger.js";

/** Dependencies of {@link createStopper}. */
export interface StopDeps {
  state: DaemonState;
  log: Logger;
  /** Releases lines waiting for spool space. */
  releaseWaits: () => void;
  /** The end of the last queued reload. */
  reloadSettled: () => Promise<void>;
  retire: (gen: Generation) => Promise<void>;
  delivery: Delivery;
  tracker: CommitTracker;
  offsets: OffsetStore;
  spool: Spool;
  shutdownTimeoutMs: number;
  timers: { clear(): void };
  metricsServer: MetricsServer | null;
  /** Called last, once everything is closed. */
  onStopped: () => void;
}

/** Returns the idempotent `stop`: every call gets the same promise. */
export function createStopper(deps: StopDeps): () => Promise<void> {
  const { state, log, delivery, tracker, spool } = deps;
  let stopped: Promise<void> | null = null;

  async function stopOnce(): Promise<void> {
    state.stopping = true;
    deps.releaseWaits();
    await deps.reloadSettled();
    log.info("stopping: closing datasources");
    if (state.generation) await deps.retire(state.generation);
    const flushed = await delivery.flush(deps.shutdownTimeoutMs);
    await tracker.commitReady();
    await deps.offsets.flush();
    await delivery.stop();
    deps.timers.clear();
    await closeMetricsServer(deps.metricsServer);
    await state.session.close();
    log.info("stopped", {
      delivered: flushed,
      spooled_events: spool.events,
      spooled_bytes: spool.bytes,
    });
    deps.onStopped();
  }

  return () => {
    stopped ??= stopOnce();
    return stopped;
  };
}

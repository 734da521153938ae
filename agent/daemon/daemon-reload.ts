/**
 * Reload (SIGHUP): load the new configuration first (a bad one is logged and the old generation
 * keeps running), retire the old generation, flush delivery (bounded) and commit, then start the
 * new generation with a new logger and LAPI session. Reloads run one after the other.
 */

import type { AgentConfig } from "../config/agent-config.js";
import type { CommitTracker } from "../delivery/commit-tracker.js";
import type { Delivery } from "../delivery/delivery.js";
import type { ClosableLapiSession } from "../lapi/lapi-session.js";
import { type AgentRuntime, loadRuntime } from "./agent-runtime.js";
import type { DaemonState, Generation } from "./daemon-generation.js";
import type { Logger } from "./logger.js";

/** Dependencies of {@link createReloader}. */
export interface ReloadDeps {
  configPath: string;
  /** The configuration the daemon started with: its restart-only settings stay in force. */
  config: AgentConfig;
  state: DaemonState;
  log: Logger;
  /** Switches the daemon's logger to the new runtime's settings. */
  setLogger: (rt: AgentRuntime) => void;
  delivery: Delivery;
  tracker: CommitTracker;
  createSession: (runtime: AgentRuntime) => ClosableLapiSession;
  login: (lapi: ClosableLapiSession) => void;
  generations: {
    start(rt: AgentRuntime, lapi: ClosableLapiSession): Generation;
    retire(gen: Generation): Promise<void>;
  };
}

/** `reload` queues a reload; `settled` is the end of the last queued one. */
export function createReloader(deps: ReloadDeps): {
  reload(): Promise<void>;
  settled(): Promise<void>;
} {
  const { config, state, log, delivery, tracker, generations } = deps;
  let reloading: Promise<void> = Promise.resolve();

  async function reloadOnce(): Promise<void> {
    if (state.stopping || !state.generation) return;
    let next: AgentRuntime;
    try {
      next = loadRuntime(deps.configPath);
    } catch (error) {
      log.error("reload failed, keeping the running configuration", { error });
      return;
    }
    const changed = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
    if (
      next.config.stateDir !== config.stateDir ||
      next.config.spoolDir !== config.spoolDir ||
      changed(next.config.prometheus, config.prometheus) ||
      changed(next.config.delivery, config.delivery) ||
      next.config.spoolMaxBytes !== config.spoolMaxBytes
    ) {
      log.warn(
        "state_dir, spool, delivery and prometheus settings change on restart only; the rest is reloaded",
      );
    }
    log.info("reloading: stopping datasources");
    const old = state.generation;
    await generations.retire(old);
    // Bounded: with the LAPI down, the new sources re-read uncommitted lines (same ids).
    await delivery.flush(config.delivery.shutdownTimeoutMs);
    await tracker.commitReady();
    state.runtime = next;
    deps.setLogger(next);
    const previous = state.session;
    state.session = deps.createSession(next);
    delivery.poster = state.session;
    deps.login(state.session);
    state.generation = generations.start(next, state.session);
    void previous.close();
    log.info("reloaded");
  }

  return {
    reload() {
      reloading = reloading.then(reloadOnce);
      return reloading;
    },
    settled: () => reloading,
  };
}

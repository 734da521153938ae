/**
 * The long-running agent (`rampart-agent -c agent.yaml`): acquisition → signal pipeline →
 * delivery (batches, disk spool, acknowledged commits), plus heartbeat, usage metrics, the
 * Prometheus endpoint, graceful stop and reload. CrowdSec 1.4.6's `crowdsec` serves the same
 * role (`cmd/crowdsec/serve.go`: SIGTERM flushes and exits, SIGHUP reloads the configuration).
 *
 * A "generation" is one loaded configuration with its running acquisition and pipeline. Reload
 * loads the new configuration first (a bad one is logged and the old generation keeps running),
 * stops the old acquisition, lets its queued lines through the old pipeline into delivery, waits
 * (bounded) for delivery so positions are committed, then starts the new generation. The spool,
 * the commit tracker and the offsets outlive generations, so no in-flight event is lost: what the
 * old generation did not get acknowledged stays spooled, and its uncommitted lines are read again
 * (same ids, the LAPI drops duplicates).
 */
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { OffsetStore } from "../acquisition/offset-store.js";
import { CommitTracker } from "../delivery/commit-tracker.js";
import { DeadLetter } from "../delivery/dead-letter.js";
import { Delivery } from "../delivery/delivery.js";
import { Spool } from "../delivery/spool.js";
import { AGENT_USER_AGENT, type ClosableLapiSession } from "../lapi/lapi-session.js";
import type { SignalPipeline } from "../pipeline/signal-pipeline.js";
import { AgentMetrics } from "./agent-metrics.js";
import { type AgentRuntime, loadRuntime } from "./agent-runtime.js";
import { createLineConsumer } from "./daemon-consumer.js";
import { createGenerations, type DaemonState } from "./daemon-generation.js";
import { defaultSession, loginInBackground } from "./daemon-lapi.js";
import { startMetricsServer } from "./daemon-metrics-server.js";
import { createReloader } from "./daemon-reload.js";
import { createStopper } from "./daemon-shutdown.js";
import { startPeriodicWork } from "./daemon-timers.js";
import { createLogger } from "./logger.js";
import { switchableLogger } from "./switchable-logger.js";
import { UsageMetricsWindow } from "./usage-metrics.js";

/** The agent version reported to the LAPI (usage metrics). */
export const AGENT_VERSION = AGENT_USER_AGENT.split("/")[1] ?? "0.0.0";

/** Options of {@link startDaemon}. */
export interface DaemonOptions {
  configPath: string;
  /** Where structured logs go (stderr). */
  writeLog: (text: string) => void;
  stdin?: Readable;
  /** Builds the LAPI session of a runtime (injectable for tests). */
  createSession?: (runtime: AgentRuntime) => ClosableLapiSession;
  /** File polling interval (default 250 ms). */
  pollIntervalMs?: number;
  /** How often lines without events are committed and drops are checked (default 1 s). */
  tickIntervalMs?: number;
}

/** A running daemon. */
export interface Daemon {
  readonly metrics: AgentMetrics;
  /** The Prometheus endpoint's address, null when disabled. */
  readonly metricsAddress: AddressInfo | null;
  readonly delivery: Delivery;
  /** Reloads config, hub and acquisition (SIGHUP); resolves once the new generation runs. */
  reload(): Promise<void>;
  /** Graceful stop (SIGTERM): stop sources, flush (bounded), commit, close. */
  stop(): Promise<void>;
  /** Resolves when the daemon stopped (by `stop` or because every source ended). */
  readonly done: Promise<void>;
}

/** Loads the configuration and starts the daemon; throws `ConfigError` on a bad configuration. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const startedAt = Date.now();
  const runtime = loadRuntime(options.configPath);
  const { config } = runtime;
  const makeLogger = (rt: AgentRuntime) =>
    createLogger({ ...rt.config.log, write: options.writeLog });
  const logs = switchableLogger(makeLogger(runtime));
  const log = logs.log;
  const createSession = options.createSession ?? defaultSession;

  const offsets = OffsetStore.open(join(config.stateDir, "offsets.json"));
  const spool = Spool.open(config.spoolDir, { maxBytes: config.spoolMaxBytes });
  const deadLetter = new DeadLetter(config.spoolDir);
  const tracker = new CommitTracker((_, error) =>
    log.error("cannot commit a source position", { error }),
  );
  const retired: SignalPipeline[] = [];
  const metrics: AgentMetrics = new AgentMetrics({
    sources: () => state.generation?.acquisition.sources ?? [],
    pipelines: () =>
      [...retired, ...(state.generation ? [state.generation.pipeline] : [])].map((p) => p.stats),
    spool: (): { events: number; bytes: number; maxBytes: number; full: boolean } => ({
      events: spool.events + delivery.pending,
      bytes: spool.bytes,
      maxBytes: spool.maxBytes,
      full: delivery.full,
    }),
    deadLettered: () => deadLetter.count,
  });
  // Lines re-read from the committed positions whose events the previous run already spooled
  // are not sent twice: their lines wait for those spooled events' acknowledgement instead.
  const { events: previous, lastSeq: previousSeq } = await spool.indexPrevious();
  const state: DaemonState = {
    runtime,
    session: createSession(runtime),
    generation: null,
    stopping: false,
  };
  const delivery: Delivery = new Delivery({
    spool,
    poster: state.session,
    tracker,
    deadLetter,
    logger: log,
    batchMaxEvents: config.delivery.batchMaxEvents,
    batchMaxBytes: config.delivery.batchMaxBytes,
    batchMaxDelayMs: config.delivery.batchMaxDelayMs,
    retryMinDelayMs: config.delivery.retryMinDelayMs,
    retryMaxDelayMs: config.delivery.retryMaxDelayMs,
    observer: metrics,
    firstSeq: previousSeq,
  });
  if (spool.segmentCount > 0) {
    log.info("delivering the spool left by the previous run", {
      segments: spool.segmentCount,
      bytes: spool.bytes,
      events: previousSeq,
    });
  }

  let releaseWaits: () => void = () => {};
  const stopSignal = new Promise<void>((resolve) => {
    releaseWaits = resolve;
  });
  const consume = createLineConsumer({
    delivery,
    spool,
    tracker,
    metrics,
    log,
    state,
    previous,
    stopSignal,
  });
  const generations = createGenerations({
    offsets,
    stdin: options.stdin,
    pollIntervalMs: options.pollIntervalMs,
    log,
    state,
    consume,
    // Counting nodes costs a few Map reads per node and line: only when someone can scrape them.
    nodeHits: config.prometheus.enabled ? metrics.nodeHits : undefined,
    retired,
    stop: () => daemon.stop(),
  });
  const login = (lapi: ClosableLapiSession) => loginInBackground(lapi, { metrics, log });

  const metricsServer = await startMetricsServer(config.prometheus, metrics, log);
  const metricsAddress: AddressInfo | null = metricsServer?.address ?? null;

  const timers = startPeriodicWork({
    state,
    tracker,
    metrics,
    log,
    usage: new UsageMetricsWindow(AGENT_VERSION, startedAt),
    tickIntervalMs: options.tickIntervalMs ?? 1000,
    heartbeatIntervalMs: config.delivery.heartbeatIntervalMs,
    usageMetricsIntervalMs: config.delivery.usageMetricsIntervalMs,
  });

  login(state.session);
  state.generation = generations.start(runtime, state.session);

  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const reloader = createReloader({
    configPath: options.configPath,
    config,
    state,
    log,
    setLogger: (rt) => logs.set(makeLogger(rt)),
    delivery,
    tracker,
    createSession,
    login,
    generations,
  });
  const stop = createStopper({
    state,
    log,
    releaseWaits,
    reloadSettled: reloader.settled,
    retire: generations.retire,
    delivery,
    tracker,
    offsets,
    spool,
    shutdownTimeoutMs: config.delivery.shutdownTimeoutMs,
    timers,
    metricsServer,
    onStopped: () => resolveDone(),
  });

  const daemon: Daemon = {
    metrics,
    get metricsAddress() {
      return metricsAddress;
    },
    delivery,
    reload: () => reloader.reload(),
    stop,
    done,
  };
  return daemon;
}

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
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { type RunningAcquisition, startAcquisition } from "../acquisition/acquisition-runner.js";
import { OffsetStore } from "../acquisition/offset-store.js";
import { CommitTracker } from "../delivery/commit-tracker.js";
import { DeadLetter } from "../delivery/dead-letter.js";
import { classifyFailure, Delivery } from "../delivery/delivery.js";
import { bucketsDigest, Spool } from "../delivery/spool.js";
import {
  AGENT_USER_AGENT,
  type ClosableLapiSession,
  createLapiSession,
} from "../lapi/lapi-session.js";
import { createSignalPipeline, type SignalPipeline } from "../pipeline/signal-pipeline.js";
import { AgentMetrics } from "./agent-metrics.js";
import { type AgentRuntime, loadRuntime } from "./agent-runtime.js";
import { createLogger, type LogFields, type Logger } from "./logger.js";
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

interface Generation {
  runtime: AgentRuntime;
  session: ClosableLapiSession;
  pipeline: SignalPipeline;
  acquisition: RunningAcquisition;
  consumer: Promise<void>;
  /** Set when reload or stop closes it: its end is then expected, not a reason to stop. */
  retiring: boolean;
}

function defaultSession(runtime: AgentRuntime): ClosableLapiSession {
  return createLapiSession({
    credentials: runtime.credentials,
    url: runtime.config.lapi.url,
    scenarios: runtime.hub.registration.scenarios.map((s) => s.name),
    registration: runtime.hub.registration,
    insecureSkipVerify: runtime.config.lapi.insecureSkipVerify,
    // A batch is answered once its alerts are stored; a LAPI that hangs longer is retried.
    timeoutMs: 120_000,
  });
}

/** A logger whose target can be swapped on reload (level, format). */
function switchableLogger(initial: Logger): { log: Logger; set: (next: Logger) => void } {
  let current = initial;
  const log: Logger = {
    debug: (m, f) => current.debug(m, f),
    info: (m, f) => current.info(m, f),
    warn: (m, f) => current.warn(m, f),
    error: (m, f) => current.error(m, f),
    with: (fields: LogFields) => current.with(fields),
  };
  return { log, set: (next) => (current = next) };
}

/** Loads the configuration and starts the daemon; throws `ConfigError` on a bad configuration. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const startedAt = Date.now();
  let runtime = loadRuntime(options.configPath);
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
  let generation: Generation | null = null;
  const retired: SignalPipeline[] = [];
  const metrics: AgentMetrics = new AgentMetrics({
    sources: () => generation?.acquisition.sources ?? [],
    pipelines: () => [...retired, ...(generation ? [generation.pipeline] : [])].map((p) => p.stats),
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
  let session = createSession(runtime);
  const delivery: Delivery = new Delivery({
    spool,
    poster: session,
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

  let stopping = false;
  let releaseWaits: () => void = () => {};
  const stopSignal = new Promise<void>((resolve) => {
    releaseWaits = resolve;
  });
  let lineErrors = 0;
  let pauses = 0;
  let lastPauseLog = Number.NEGATIVE_INFINITY;

  async function consume(gen: Generation): Promise<void> {
    const { pipeline } = gen;
    for await (const { line, source } of gen.acquisition) {
      if (delivery.full && !stopping) {
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
  }

  function startGeneration(rt: AgentRuntime, lapi: ClosableLapiSession): Generation {
    const acquisition = startAcquisition(
      rt.entries,
      {
        offsets,
        stdin: options.stdin ?? process.stdin,
        ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
      },
      (source, error) =>
        log.error("datasource failed, the others keep running", { datasource: source.name, error }),
    );
    const gen: Generation = {
      runtime: rt,
      session: lapi,
      pipeline: createSignalPipeline(rt.hub, rt.machineId),
      acquisition,
      consumer: Promise.resolve(),
      retiring: false,
    };
    gen.consumer = consume(gen).then(
      () => {
        // Every source ended (stdin EOF, cat mode): nothing more will come, stop cleanly.
        if (!gen.retiring && !stopping) {
          log.info("every datasource ended, stopping");
          void daemon.stop();
        }
      },
      (error: unknown) => {
        log.error("acquisition stream failed", { error });
        if (!gen.retiring && !stopping) void daemon.stop();
      },
    );
    log.info("acquisition started", {
      datasources: rt.entries.map((e) => `${e.source}:${e.name}`),
      scenarios: rt.hub.scenarios.length,
      machine: rt.machineId,
    });
    return gen;
  }

  function login(lapi: ClosableLapiSession): void {
    lapi.ensureLoggedIn().then(
      () => log.info("logged in to the LAPI, hub registered"),
      (error: unknown) => {
        const failure = classifyFailure(error);
        metrics.callFailed("login", failure.kind);
        log.warn("cannot log in to the LAPI yet; events are spooled and retried", {
          error: failure.message,
          status: failure.status,
        });
      },
    );
  }

  // Prometheus endpoint.
  let server: Server | null = null;
  let metricsAddress: AddressInfo | null = null;
  if (config.prometheus.enabled) {
    server = createServer((req, res) => {
      if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(config.prometheus.listenPort, config.prometheus.listenAddr, () => resolve());
    });
    metricsAddress = server.address() as AddressInfo;
    log.info("prometheus metrics served", {
      url: `http://${config.prometheus.listenAddr}:${metricsAddress.port}/metrics`,
    });
  }

  // Periodic work: commits of lines without events, UDP drop reports, heartbeat, usage metrics.
  let lastOverflow = 0;
  const tick = setInterval(() => {
    void tracker.commitReady().then(() => tracker.forgetIdle());
    const overflow = (generation?.acquisition.sources ?? []).reduce(
      (sum, s) => sum + s.stats.skipped.overflow,
      0,
    );
    if (overflow > lastOverflow) {
      log.warn("datasources that cannot pause dropped messages while reading was paused", {
        dropped: overflow - lastOverflow,
        total: overflow,
      });
    }
    lastOverflow = overflow;
  }, options.tickIntervalMs ?? 1000);
  tick.unref();
  // The heartbeat timer is the one that keeps the process alive when nothing else does.
  const heartbeat = setInterval(() => {
    session.heartbeat().catch((error: unknown) => {
      const failure = classifyFailure(error);
      metrics.callFailed("heartbeat", failure.kind);
      log.warn("heartbeat failed", { error: failure.message, status: failure.status });
    });
  }, config.delivery.heartbeatIntervalMs);
  const usage = new UsageMetricsWindow(AGENT_VERSION, startedAt);
  const usageTimer =
    config.delivery.usageMetricsIntervalMs > 0
      ? setInterval(() => {
          const rt = generation?.runtime ?? runtime;
          const datasources: Record<string, number> = {};
          for (const entry of rt.entries)
            datasources[entry.source] = (datasources[entry.source] ?? 0) + 1;
          const items = (type: string) =>
            rt.hub.report.items
              .filter((item) => item.type === type)
              .map((item) => ({ name: item.name, status: "enabled", version: "" }));
          const { body, commit } = usage.body({
            ...metrics.usage,
            datasources,
            hubItems: {
              parsers: items("parsers"),
              postoverflows: items("postoverflows"),
              scenarios: rt.hub.registration.scenarios.map((s) => ({
                name: s.name,
                status: "enabled",
                version: s.version,
              })),
            },
          });
          session.pushUsageMetrics(body).then(commit, (error: unknown) => {
            const failure = classifyFailure(error);
            metrics.callFailed("usage_metrics", failure.kind);
            log.warn("usage metrics push failed", { error: failure.message });
          });
        }, config.delivery.usageMetricsIntervalMs)
      : null;
  usageTimer?.unref();

  login(session);
  generation = startGeneration(runtime, session);

  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  let stopped: Promise<void> | null = null;
  let reloading: Promise<void> = Promise.resolve();

  /** Stops a generation's sources and lets its queued lines into delivery. */
  async function retire(gen: Generation): Promise<void> {
    gen.retiring = true;
    await gen.acquisition.close();
    await gen.consumer;
    retired.push(gen.pipeline);
  }

  const daemon: Daemon = {
    metrics,
    get metricsAddress() {
      return metricsAddress;
    },
    delivery,
    reload() {
      reloading = reloading.then(async () => {
        if (stopping || !generation) return;
        let next: AgentRuntime;
        try {
          next = loadRuntime(options.configPath);
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
        const old = generation;
        await retire(old);
        // Bounded: with the LAPI down, the new sources re-read uncommitted lines (same ids).
        await delivery.flush(config.delivery.shutdownTimeoutMs);
        await tracker.commitReady();
        runtime = next;
        logs.set(makeLogger(next));
        const previous = session;
        session = createSession(next);
        delivery.poster = session;
        login(session);
        generation = startGeneration(next, session);
        void previous.close();
        log.info("reloaded");
      });
      return reloading;
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        releaseWaits();
        await reloading;
        log.info("stopping: closing datasources");
        if (generation) await retire(generation);
        const flushed = await delivery.flush(config.delivery.shutdownTimeoutMs);
        await tracker.commitReady();
        await offsets.flush();
        await delivery.stop();
        clearInterval(tick);
        clearInterval(heartbeat);
        if (usageTimer) clearInterval(usageTimer);
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        await session.close();
        log.info("stopped", {
          delivered: flushed,
          spooled_events: spool.events,
          spooled_bytes: spool.bytes,
        });
        resolveDone();
      })();
      return stopped;
    },
    done,
  };
  return daemon;
}

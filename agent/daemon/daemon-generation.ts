/**
 * Generations: one loaded configuration with its running acquisition, pipeline and consumer.
 * Starting one opens the sources at their committed offsets; retiring one stops its sources and
 * lets its queued lines through its pipeline into delivery. Also the daemon's mutable state, which
 * the other daemon units share (current runtime, session and generation).
 */
import type { Readable } from "node:stream";
import type { NodeHitCounter } from "../../src/engine/parser/node.js";
import { type RunningAcquisition, startAcquisition } from "../acquisition/acquisition-runner.js";
import type { OffsetStore } from "../acquisition/offset-store.js";
import type { ClosableLapiSession } from "../lapi/lapi-session.js";
import { createSignalPipeline, type SignalPipeline } from "../pipeline/signal-pipeline.js";
import type { AgentRuntime } from "./agent-runtime.js";
import type { Logger } from "./logger.js";

export interface Generation {
  runtime: AgentRuntime;
  session: ClosableLapiSession;
  pipeline: SignalPipeline;
  acquisition: RunningAcquisition;
  consumer: Promise<void>;
  /** Set when reload or stop closes it: its end is then expected, not a reason to stop. */
  retiring: boolean;
}

/** What changes over a daemon's life; one object per daemon, shared by its units. */
export interface DaemonState {
  runtime: AgentRuntime;
  session: ClosableLapiSession;
  generation: Generation | null;
  stopping: boolean;
}

/** Dependencies of {@link createGenerations}. */
export interface GenerationDeps {
  offsets: OffsetStore;
  /** The stdin source's stream (default `process.stdin`). */
  stdin: Readable | undefined;
  pollIntervalMs: number | undefined;
  log: Logger;
  state: DaemonState;
  /** Feeds a generation's lines through its pipeline into delivery; ends with the stream. */
  consume: (gen: Generation) => Promise<void>;
  /** The parser's per-node counters, when the Prometheus endpoint is enabled. */
  nodeHits: NodeHitCounter | undefined;
  /** Pipelines of retired generations (their stats stay in the metrics). */
  retired: SignalPipeline[];
  /** Called when a generation that is not retiring ends (every source ended, or a failure). */
  stop: () => Promise<void>;
}

/** Starts and retires generations. */
export function createGenerations(deps: GenerationDeps): {
  start(rt: AgentRuntime, lapi: ClosableLapiSession): Generation;
  retire(gen: Generation): Promise<void>;
} {
  const { offsets, log, state } = deps;

  function start(rt: AgentRuntime, lapi: ClosableLapiSession): Generation {
    const acquisition = startAcquisition(
      rt.entries,
      {
        offsets,
        stdin: deps.stdin ?? process.stdin,
        ...(deps.pollIntervalMs === undefined ? {} : { pollIntervalMs: deps.pollIntervalMs }),
      },
      (source, error) =>
        log.error("datasource failed, the others keep running", { datasource: source.name, error }),
    );
    const gen: Generation = {
      runtime: rt,
      session: lapi,
      pipeline: createSignalPipeline(
        rt.hub,
        rt.machineId,
        deps.nodeHits ? { nodeHits: deps.nodeHits } : {},
      ),
      acquisition,
      consumer: Promise.resolve(),
      retiring: false,
    };
    gen.consumer = deps.consume(gen).then(
      () => {
        // Every source ended (stdin EOF, cat mode): nothing more will come, stop cleanly.
        if (!gen.retiring && !state.stopping) {
          log.info("every datasource ended, stopping");
          void deps.stop();
        }
      },
      (error: unknown) => {
        log.error("acquisition stream failed", { error });
        if (!gen.retiring && !state.stopping) void deps.stop();
      },
    );
    log.info("acquisition started", {
      datasources: rt.entries.map((e) => `${e.source}:${e.name}`),
      scenarios: rt.hub.scenarios.length,
      machine: rt.machineId,
    });
    return gen;
  }

  /** Stops a generation's sources and lets its queued lines into delivery. */
  async function retire(gen: Generation): Promise<void> {
    gen.retiring = true;
    await gen.acquisition.close();
    await gen.consumer;
    deps.retired.push(gen.pipeline);
  }

  return { start, retire };
}

/**
 * The agent's per-line work (1.4.6 `runParse` + the routing half of `runPour`): a `LogLine` is
 * parsed by the hub parsers; a parsed, non-whitelisted event is routed through every scenario's
 * `filter` and `groupby` (`createRouter`: the in-process bucket manager's `routeEvent` with each
 * filter's leading `evt.Meta.x == '…'` comparison checked first — same routes, same errors);
 * an event some scenario accepts becomes a `WireEvent` ("signal") with a stable id, its bucket
 * targets and the bucket engine's snapshot of the event. Everything else is counted and dropped.
 * Synchronous and never throwing on a bad line: the agent counts it and moves on.
 */
import type { CompiledScenario } from "../../src/engine/buckets/compile.js";
import { snapshotEvent } from "../../src/engine/buckets/queued-event.js";
import { createRouter } from "../../src/engine/buckets/routing.js";
import { ExpectMode, newLogEvent, type PipelineEvent } from "../../src/engine/event.js";
import type { NodeHitCounter } from "../../src/engine/parser/node.js";
import type { Pipeline } from "../../src/engine/parser/pipeline.js";
import type { WireEvent } from "../../src/shared/ingest-wire.js";
import type { LogLine } from "../acquisition/types.js";
import { createEventIds, type EventIdFactory } from "./event-id.js";

/** What the pipeline needs from the loaded hub (see `loadAgentHub`). */
export interface SignalHub {
  parsers: Pipeline;
  scenarios: readonly CompiledScenario[];
}

/** Counters of one pipeline, cumulative. */
export interface PipelineStats {
  /** Lines given to the pipeline. */
  lines: number;
  /** Lines every parser stage accepted. */
  parsed: number;
  /** Lines no parser of some stage accepted, by that stage (`s00-raw`, `s01-parse`…). */
  unparsed: Record<string, number>;
  /** Parsed events a whitelist (s02-enrich) discarded. */
  whitelisted: number;
  /** Lines whose parsing aborted on a run-time error (1.4.6 logs and drops them too). */
  parseErrors: number;
  /** Events whose filter or groupby failed at run time (the routes before it are kept). */
  routeErrors: number;
  /** Events some scenario accepted (wire events produced / events poured locally). */
  signals: number;
  /** Bucket targets of those events. */
  targets: number;
}

/** Options of {@link createSignalPipeline}. */
export interface SignalPipelineOptions {
  /**
   * `-dsn` replay: events are TIMEMACHINE (bucket time is the log's time, as 1.4.6 `-dsn`) and
   * ids are `<machine>/r/<path hash>/<line number>`, numbering lines per source path.
   */
  replay?: boolean;
  /** Injected for tests; default a fresh factory for `machineId`. */
  ids?: EventIdFactory;
  /** Counts every named parser node's hits and results (`cs_node_hits*`); none by default. */
  nodeHits?: NodeHitCounter;
}

/** The pipeline of one agent run. */
export interface SignalPipeline {
  /** Parses and routes `line`; the wire event to post, or null when no scenario wants it. */
  process(line: LogLine): WireEvent | null;
  /**
   * Parses `line` only: the parsed event for in-process buckets (`--local`), or null when it
   * is unparsed or whitelisted. Counts like `process` except `signals`/`targets`.
   */
  parse(line: LogLine): PipelineEvent | null;
  readonly stats: Readonly<PipelineStats>;
}

/** Builds the pipeline of `machineId` over `hub`. */
export function createSignalPipeline(
  hub: SignalHub,
  machineId: string,
  options: SignalPipelineOptions = {},
): SignalPipeline {
  const ids = options.ids ?? createEventIds(machineId);
  const route = createRouter(hub.scenarios);
  const mode = options.replay ? ExpectMode.TIMEMACHINE : ExpectMode.LIVE;
  const lineNumbers = new Map<string, number>();
  const parseOptions = options.nodeHits ? { hits: options.nodeHits } : {};
  const stats: PipelineStats = {
    lines: 0,
    parsed: 0,
    unparsed: {},
    whitelisted: 0,
    parseErrors: 0,
    routeErrors: 0,
    signals: 0,
    targets: 0,
  };

  const idOf = (line: LogLine): string => {
    if (!options.replay) return ids.fromCursor(line.cursor);
    const n = (lineNumbers.get(line.source) ?? 0) + 1;
    lineNumbers.set(line.source, n);
    return ids.replay(line.source, n);
  };

  function parse(line: LogLine): PipelineEvent | null {
    stats.lines++;
    const evt = newLogEvent(
      {
        Raw: line.line,
        Src: line.source,
        Module: line.module,
        Labels: { ...line.labels },
        Time: new Date(line.time),
        Process: true,
      },
      mode,
    );
    const outcome = hub.parsers.parse(evt, parseOptions);
    if (outcome.error !== null) {
      stats.parseErrors++;
      return null;
    }
    if (!outcome.process) {
      stats.unparsed[evt.Stage] = (stats.unparsed[evt.Stage] ?? 0) + 1;
      return null;
    }
    stats.parsed++;
    if (evt.Whitelisted) {
      stats.whitelisted++;
      return null;
    }
    return evt;
  }

  return {
    stats,
    parse(line) {
      const evt = parse(line);
      // Replay ids number every line of a file, so numbering must not depend on the outcome.
      if (options.replay) idOf(line);
      return evt;
    },
    process(line) {
      const id = options.replay ? idOf(line) : null;
      const evt = parse(line);
      if (evt === null) return null;
      const { routes, error } = route(evt);
      if (error !== null) stats.routeErrors++;
      if (routes.length === 0) return null;
      stats.signals++;
      stats.targets += routes.length;
      return {
        id: id ?? ids.fromCursor(line.cursor),
        time: line.time,
        buckets: routes.map(({ scenario, group }) => ({
          scenario: scenario.name,
          hash: scenario.hash,
          group,
        })),
        event: snapshotEvent(evt) as unknown as Record<string, unknown>,
      };
    },
  };
}

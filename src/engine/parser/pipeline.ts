import { isZeroTime, type PipelineEvent } from "../event.js";
import { type CompiledNode, type NodeHitCounter, processNode, type RunContext } from "./node.js";
import type { StashStore } from "./stash.js";

/** Called after every top-level node ran on an event, like 1.4.6 `-dump-data` records it. */
export type NodeTrace = (
  stage: string,
  node: CompiledNode,
  evt: PipelineEvent,
  success: boolean,
) => void;

/** The outcome of parsing one event. */
export interface ParseOutcome {
  /** `evt.Process`: false ⇒ CrowdSec drops the event before the buckets. */
  process: boolean;
  /** A static returned an unsupported type: CrowdSec 1.4.6 aborts parsing (message here). */
  error: string | null;
}

/** A parser (or postoverflow) pipeline: top-level nodes in load order and the sorted stage list. */
export interface Pipeline {
  readonly stages: readonly string[];
  readonly nodes: readonly CompiledNode[];
  /**
   * 1.4.6 `parser.Parse`: runs the stages in order on `evt` (mutated in place). Sets `Process`.
   * `trace` sees each top-level node's result; `now` stamps a zero `evt.Time`; `hits` counts
   * every named node's hits and results (CrowdSec's `cs_node_hits*` counters).
   */
  parse(
    evt: PipelineEvent,
    options?: { trace?: NodeTrace; now?: Date; hits?: NodeHitCounter },
  ): ParseOutcome;
}

/**
 * Builds a pipeline from compiled top-level nodes given in load order (ascending installed path).
 * The stage list is the sorted set of stages that have at least one node.
 */
export function createPipeline(nodes: readonly CompiledNode[], stashes: StashStore): Pipeline {
  const stages = [...new Set(nodes.map((n) => n.stage))].sort();
  const byStage = new Map<string, CompiledNode[]>();
  for (const stage of stages)
    byStage.set(
      stage,
      nodes.filter((n) => n.stage === stage),
    );
  const run: RunContext = { stages, stashSet: (name, key, value) => stashes.set(name, key, value) };
  return {
    stages,
    nodes,
    parse(evt, options = {}) {
      if (evt.Stage === "" && stages.length > 0) evt.Stage = stages[0]!;
      evt.Process = false;
      if (isZeroTime(evt.Time)) evt.Time = options.now ?? new Date();
      const env = { evt };
      const trace = options.trace;
      // parse() is synchronous, so the shared run context can carry this call's counter.
      run.hits = options.hits;
      for (let si = 0; si < stages.length; si++) {
        const stage = stages[si]!;
        // An event injected at a later stage skips the earlier ones.
        if (stages.indexOf(evt.Stage) > si) continue;
        // A previous stage never moved the event on (no node with next_stage succeeded).
        if (evt.Stage !== stage) return { process: false, error: null };
        let stageOk = false;
        for (const node of byStage.get(stage)!) {
          let ok: boolean;
          try {
            ok = processNode(node, evt, env, run);
          } catch (error) {
            return { process: false, error: (error as Error).message };
          }
          trace?.(stage, node, evt, ok);
          if (ok) stageOk = true;
          if (ok && node.nextStage) break;
          if (evt.Stage !== stage) break;
        }
        if (!stageOk) return { process: false, error: null };
      }
      evt.Process = true;
      return { process: true, error: null };
    },
  };
}

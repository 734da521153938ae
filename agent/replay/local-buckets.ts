/**
 * `--local`: the bucket core in-process, as 1.4.6 runs it inside `crowdsec` (`runPour` →
 * `PourItemToHolders`, then `runOutput` with the postoverflows): parsed events are poured,
 * overflows go through the postoverflow pipeline (hub whitelists), whitelisted ones are dropped,
 * `reprocess: true` overflows are poured again as OVFLW events. What comes out is what the agent
 * would have posted to `POST /v1/alerts`.
 */
import type { AlertBody } from "../../src/engine/buckets/alert.js";
import type { CompiledScenario } from "../../src/engine/buckets/compile.js";
import { createBucketManager, overflowEvent } from "../../src/engine/buckets/manager.js";
import type { BucketOverflow } from "../../src/engine/buckets/pour.js";
import type { PipelineEvent } from "../../src/engine/event.js";
import type { Pipeline } from "../../src/engine/parser/pipeline.js";

/** Counters of a local bucket run. */
export interface LocalBucketStats {
  /** Events some scenario accepted (poured at least once). */
  poured: number;
  /** Bucket instances those events were poured into (one event, several scenarios). */
  pours: number;
  /** Bucket overflows, including those dropped (blackhole, overflow_filter) or whitelisted. */
  overflows: number;
  /** Overflows a postoverflow whitelisted. */
  whitelisted: number;
  /** Alerts produced (one per source). */
  alerts: number;
}

/** In-process buckets + postoverflows. */
export interface LocalBuckets {
  /** Pours a parsed event; returns the alerts its overflows (and their reprocessing) made. */
  pour(evt: PipelineEvent): AlertBody[];
  readonly stats: Readonly<LocalBucketStats>;
}

/** Builds the local bucket core over compiled scenarios and the postoverflow pipeline. */
export function createLocalBuckets(hub: {
  scenarios: readonly CompiledScenario[];
  postoverflows: Pipeline;
}): LocalBuckets {
  const manager = createBucketManager(hub.scenarios);
  const stats: LocalBucketStats = {
    poured: 0,
    pours: 0,
    overflows: 0,
    whitelisted: 0,
    alerts: 0,
  };
  return {
    stats,
    pour(evt) {
      const first = manager.pourEvent(evt);
      if (first.poured > 0) stats.poured++;
      stats.pours += first.poured;
      const alerts: AlertBody[] = [];
      const pending: BucketOverflow[] = [...first.overflows];
      while (pending.length > 0) {
        const overflow = pending.shift()!;
        stats.overflows++;
        if (overflow.dropped) continue;
        const ovflw = overflowEvent(overflow);
        hub.postoverflows.parse(ovflw);
        if (ovflw.Overflow.Whitelisted) {
          stats.whitelisted++;
          continue;
        }
        alerts.push(...overflow.alerts);
        if (overflow.reprocess) pending.push(...manager.pourEvent(ovflw).overflows);
      }
      stats.alerts += alerts.length;
      return alerts;
    },
  };
}

import type { PipelineEvent } from "../event.js";
import type { CompiledScenario } from "./compile.js";

/** One bucket partition an event goes to: the scenario and its `groupby` value ("" = none). */
export interface BucketRoute {
  scenario: CompiledScenario;
  group: string;
}

/** The partitions of one event, in scenario order. */
export interface EventRoutes {
  routes: BucketRoute[];
  /**
   * A filter or groupby failed at run time (not a bool, not a string, or it threw). The routes
   * before it are kept: 1.4.6 `PourItemToHolders` has already poured them when it returns the
   * error, and pours nothing after it.
   */
  error: string | null;
}

/**
 * 1.4.6 `PourItemToHolders` up to the pour: evaluates each scenario's `filter` on `evt` and, when
 * it accepts, its `groupby` (the bucket partition key). Pure with respect to the buckets (filters
 * only read the event), so the agent can route an event it will pour remotely exactly as the
 * in-process manager routes the events it pours itself.
 */
export function routeEvent(
  scenarios: readonly CompiledScenario[],
  evt: PipelineEvent,
): EventRoutes {
  const routes: BucketRoute[] = [];
  const env = { evt };
  for (const scenario of scenarios) {
    try {
      const ok = scenario.filter.run(env);
      if (typeof ok !== "boolean") throw new Error(`filter of ${scenario.name} isn't a bool`);
      if (!ok) continue;
      let group = "";
      if (scenario.groupby) {
        const value = scenario.groupby.run(env);
        if (typeof value !== "string") {
          throw new Error(`groupby of ${scenario.name} didn't return a string`);
        }
        group = value;
      }
      routes.push({ scenario, group });
    } catch (error) {
      return { routes, error: (error as Error).message };
    }
  }
  return { routes, error: null };
}

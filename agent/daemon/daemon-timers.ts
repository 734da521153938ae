/**
 * The daemon's periodic work: commits of lines without events and UDP drop reports (tick), the
 * LAPI heartbeat, and the usage metrics push.
 */
import type { CommitTracker } from "../delivery/commit-tracker.js";
import { classifyFailure } from "../delivery/delivery.js";
import type { AgentMetrics } from "./agent-metrics.js";
import type { AgentRuntime } from "./agent-runtime.js";
import type { DaemonState } from "./daemon-generation.js";
import type { Logger } from "./logger.js";
import type { UsageMetricsWindow } from "./usage-metrics.js";

/** Dependencies of {@link startPeriodicWork}. */
export interface PeriodicWorkDeps {
  state: DaemonState;
  tracker: CommitTracker;
  metrics: AgentMetrics;
  log: Logger;
  usage: UsageMetricsWindow;
  tickIntervalMs: number;
  heartbeatIntervalMs: number;
  /** 0 disables the usage metrics push. */
  usageMetricsIntervalMs: number;
}

/** Starts the timers; `clear` stops them all. */
export function startPeriodicWork(deps: PeriodicWorkDeps): { clear(): void } {
  const { state, tracker, metrics, log } = deps;
  let lastOverflow = 0;
  const tick = setInterval(() => {
    void tracker.commitReady().then(() => tracker.forgetIdle());
    const overflow = (state.generation?.acquisition.sources ?? []).reduce(
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
  }, deps.tickIntervalMs);
  tick.unref();
  // The heartbeat timer is the one that keeps the process alive when nothing else does.
  const heartbeat = setInterval(() => {
    state.session.heartbeat().catch((error: unknown) => {
      const failure = classifyFailure(error);
      metrics.callFailed("heartbeat", failure.kind);
      log.warn("heartbeat failed", { error: failure.message, status: failure.status });
    });
  }, deps.heartbeatIntervalMs);
  const usageTimer =
    deps.usageMetricsIntervalMs > 0
      ? setInterval(() => pushUsage(deps), deps.usageMetricsIntervalMs)
      : null;
  usageTimer?.unref();
  return {
    clear() {
      clearInterval(tick);
      clearInterval(heartbeat);
      if (usageTimer) clearInterval(usageTimer);
    },
  };
}

/** One usage metrics push of the running generation's datasources and hub items. */
function pushUsage(deps: PeriodicWorkDeps): void {
  const { state, metrics, log, usage } = deps;
  const rt: AgentRuntime = state.generation?.runtime ?? state.runtime;
  const datasources: Record<string, number> = {};
  for (const entry of rt.entries) datasources[entry.source] = (datasources[entry.source] ?? 0) + 1;
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
  state.session.pushUsageMetrics(body).then(commit, (error: unknown) => {
    const failure = classifyFailure(error);
    metrics.callFailed("usage_metrics", failure.kind);
    log.warn("usage metrics push failed", { error: failure.message });
  });
}

/** The daemon's LAPI session: how one is built from a runtime, and the non-blocking first login. */
import { classifyFailure } from "../delivery/delivery.js";
import { type ClosableLapiSession, createLapiSession } from "../lapi/lapi-session.js";
import type { AgentMetrics } from "./agent-metrics.js";
import type { AgentRuntime } from "./agent-runtime.js";
import type { Logger } from "./logger.js";

/** The LAPI session of a runtime when the caller injects none. */
export function defaultSession(runtime: AgentRuntime): ClosableLapiSession {
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

/** Logs in (and registers the hub) in the background; a failure is counted and logged, not thrown. */
export function loginInBackground(
  lapi: ClosableLapiSession,
  deps: { metrics: AgentMetrics; log: Logger },
): void {
  const { metrics, log } = deps;
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

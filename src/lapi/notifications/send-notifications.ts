/**
 * Delivery of profile notifications: after the alerts are stored, each notifier named by a
 * matching profile receives one request whose body is its `format` rendered over the list of
 * alerts (CrowdSec's plugin broker also sends lists, grouped by time; here the group is the
 * alerts of one store call). Runs in `waitUntil`, off the request path; failures are logged,
 * never thrown, and never affect the stored alerts.
 */

import { renderTemplate } from "./go-template";
import type { CompiledNotifier } from "./notifier-config";

/** Alerts (CrowdSec `models.Alert` JSON) per notifier name. */
export type NotificationBatch = Map<string, Record<string, unknown>[]>;

/** What a delivery needs; `fetch` is injectable for tests of other runtimes. */
export interface NotifyDeps {
  fetch?: typeof fetch;
  log?: (message: string) => void;
}

async function sendOne(
  notifier: CompiledNotifier,
  alerts: Record<string, unknown>[],
  deps: NotifyDeps,
): Promise<void> {
  const { config } = notifier;
  const body = renderTemplate(notifier.template, alerts);
  const method = config.method.toUpperCase();
  const res = await (deps.fetch ?? fetch)(config.url, {
    method,
    headers: config.headers,
    body: method === "GET" || method === "HEAD" ? undefined : body,
    signal: AbortSignal.timeout(notifier.timeoutMs),
  });
  // Drain so the connection is released; CrowdSec logs non-2xx answers as errors.
  const text = await res.text();
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`${config.url} answered ${res.status}: ${text.slice(0, 200)}`);
  }
}

/** Sends every batch; resolves when all are done or failed (failures go to `log`). */
export async function sendNotifications(
  notifiers: ReadonlyMap<string, CompiledNotifier>,
  batch: NotificationBatch,
  deps: NotifyDeps = {},
): Promise<void> {
  const log = deps.log ?? ((m: string) => console.error(m));
  await Promise.all(
    [...batch].map(async ([name, alerts]) => {
      const notifier = notifiers.get(name);
      if (!notifier) {
        // CrowdSec refuses to start when a profile names an unknown plugin; a stored profile
        // may name a notifier deleted since, so it is skipped here.
        log(
          `notification '${name}': no such notifier configured, ${alerts.length} alert(s) not sent`,
        );
        return;
      }
      try {
        await sendOne(notifier, alerts, deps);
      } catch (e) {
        log(`notification '${name}' failed: ${(e as Error).message}`);
      }
    }),
  );
}

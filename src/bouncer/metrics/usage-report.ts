import { BOUNCER_USER_AGENT, type LapiFetch } from "../sync/lapi-stream";

/** Counter names `fallback:<path>` are reported as `fallback` with a `path` label. */
export const FALLBACK_PREFIX = "fallback:";

/** Counters an isolate hands to the Durable Object (summed there per window). */
export interface UsageDelta {
  items: { name: string; origin: string; remediation: string; value: number }[];
}

/** Inputs of one `POST /v1/usage-metrics` body. */
export interface UsageWindow {
  rows: { name: string; origin: string; remediation: string; value: number }[];
  active: { origin: string; n: number }[];
  windowStart: number;
  now: number;
  startupAt: number;
  lastPullAt: string | null;
}

/**
 * AllMetrics with one remediation component (CrowdSec 1.6.3+ pkg/models/all_metrics.go), shaped
 * like go-cs-bouncer's metrics provider: `dropped` per origin + remediation, `processed`,
 * `active_decisions` per origin. Rampart adds `passed`, `challenged` (challenge pages served) and
 * `fallback` (one label per fail-open/closed path) — LAPI stores any item name.
 */
export function usageMetricsBody(w: UsageWindow) {
  const items: { name: string; value: number; unit: string; labels?: Record<string, string> }[] =
    [];
  for (const r of w.rows) {
    const labels: Record<string, string> = {};
    const fallback = r.name.startsWith(FALLBACK_PREFIX);
    if (fallback) labels.path = r.name.slice(FALLBACK_PREFIX.length);
    if (r.origin) labels.origin = r.origin;
    if (r.remediation) labels.remediation = r.remediation;
    items.push({
      name: fallback ? "fallback" : r.name,
      value: r.value,
      unit: "request",
      ...(Object.keys(labels).length ? { labels } : {}),
    });
  }
  for (const a of w.active) {
    items.push({ name: "active_decisions", value: a.n, unit: "ip", labels: { origin: a.origin } });
  }
  const [type, version] = BOUNCER_USER_AGENT.split("/") as [string, string];
  return {
    remediation_components: [
      {
        type,
        version,
        name: type,
        feature_flags: [],
        os: { name: "cloudflare-workers", version: "workerd" },
        utc_startup_timestamp: Math.floor(w.startupAt / 1000),
        ...(w.lastPullAt ? { last_pull: Math.floor(Number(w.lastPullAt) / 1000) } : {}),
        metrics: [
          {
            meta: {
              window_size_seconds: Math.max(0, Math.round((w.now - w.windowStart) / 1000)),
              utc_now_timestamp: Math.floor(w.now / 1000),
            },
            items,
          },
        ],
      },
    ],
  };
}

/** `POST /v1/usage-metrics` with the bouncer key; returns LAPI's status. */
export async function postUsageMetrics(
  lapi: LapiFetch,
  apiKey: string,
  body: unknown,
): Promise<number> {
  const res = await lapi("v1/usage-metrics", {
    method: "POST",
    headers: {
      "X-Api-Key": apiKey,
      "User-Agent": BOUNCER_USER_AGENT,
      "Content-Type": "application/json",
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await res.body?.cancel();
  return res.status;
}

import { FALLBACK_PREFIX, type UsageDelta } from "./usage-report";

/** What happened to a request. `logged` = would have been blocked, forwarded in log-only mode. */
export type Outcome = "blocked" | "challenged" | "passed" | "logged";

/**
 * Every place where the bouncer cannot do what a decision asks and falls back on `FAIL_MODE`
 * (open: forward to the origin; closed: refuse). Each has its own counter, so an operator sees
 * *why* traffic was let through or refused (the CrowdSec worker bouncer silently forwards on
 * several of these: cs-cloudflare-worker-bouncer's pkg/cloudflare/worker/worker.js forwards on a
 * missing `TURNSTILE_CONFIG`, an unparsable form body, a siteverify error and any exception).
 */
export const FALLBACK_PATHS = [
  "no_client_ip",
  "snapshot_unavailable",
  "exception",
  "siteverify_error",
  "captcha_unconfigured",
] as const;
export type FallbackPath = (typeof FALLBACK_PATHS)[number];

/** Per-isolate counters: cumulative totals (shown locally) and a delta drained to the store. */
export class RequestCounters {
  private readonly totals = new Map<string, number>();
  private pending = new Map<string, number>();

  /** Counts one request's outcome; `origin`/`remediation` are empty for a pass. */
  count(outcome: Outcome, origin = "", remediation = ""): void {
    this.bump(`processed\u0000\u0000`);
    this.bump(`${outcome}\u0000${origin}\u0000${remediation}`);
    // CrowdSec's name for a request a remediation was applied to (go-cs-bouncer metrics).
    if (outcome === "blocked" || outcome === "challenged") {
      this.bump(`dropped\u0000${origin}\u0000${remediation}`);
    }
  }

  fallback(path: FallbackPath): void {
    this.bump(`${FALLBACK_PREFIX}${path}\u0000\u0000`);
  }

  /** Cumulative totals since the isolate started, as `name{origin,remediation}` → count. */
  totalsView(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, n] of this.totals) {
      const [name, origin, remediation] = key.split("\u0000");
      const labels = [
        origin && `origin=${origin}`,
        remediation && `remediation=${remediation}`,
      ].filter(Boolean);
      out[labels.length ? `${name}{${labels.join(",")}}` : name!] = n;
    }
    return out;
  }

  /** Total of one counter name across labels. */
  total(name: string): number {
    let n = 0;
    for (const [key, v] of this.totals) if (key.split("\u0000")[0] === name) n += v;
    return n;
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Takes the counts since the last drain (give them back with `restore` if sending fails). */
  drain(): UsageDelta {
    const items = [...this.pending].map(([key, value]) => {
      const [name, origin, remediation] = key.split("\u0000") as [string, string, string];
      return { name, origin, remediation, value };
    });
    this.pending = new Map();
    return { items };
  }

  restore(delta: UsageDelta): void {
    for (const i of delta.items) {
      const key = `${i.name}\u0000${i.origin}\u0000${i.remediation}`;
      this.pending.set(key, (this.pending.get(key) ?? 0) + i.value);
    }
  }

  private bump(key: string) {
    this.totals.set(key, (this.totals.get(key) ?? 0) + 1);
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }
}

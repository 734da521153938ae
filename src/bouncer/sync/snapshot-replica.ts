import { DecisionMatcher } from "../matcher/decision-matcher";
import { SnapshotIndex } from "../matcher/snapshot-index";
import type { StoreState } from "./decision-store";

/** The Durable Object's RPC surface an isolate uses (a stub, or a fake in tests). */
export interface StoreClient {
  state(haveVersion: number, haveSeq: number): Promise<StoreState>;
  chunk(version: number, index: number): Promise<Uint8Array | null>;
}

export interface ReplicaOptions {
  /** Minimum time between two freshness checks. */
  refreshMs: number;
  rankOf?: (type: string) => number;
  now?: () => number;
}

/**
 * An isolate's copy of the decision set. The request path only ever reads `matcher`
 * synchronously; freshness checks run in the background (`ctx.waitUntil`) at most once per
 * `refreshMs`, and usually transfer just the change log. The only awaited remote read is the
 * very first load of a new isolate.
 */
export class SnapshotReplica {
  matcher: DecisionMatcher | null = null;
  version = 0;
  seq = 0;
  checkedAt = 0;
  /** Full snapshot loads and overlay refreshes done by this isolate. */
  loads = 0;
  refreshes = 0;
  lastLoadMs = 0;
  private inflight: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(
    private readonly store: () => StoreClient,
    private readonly options: ReplicaOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The matcher, loading it first if this isolate has none; null when the store has no data. */
  async ready(): Promise<DecisionMatcher | null> {
    if (this.matcher) return this.matcher;
    await this.refresh();
    return this.matcher;
  }

  /** A background refresh when the copy is older than `refreshMs`, else null. */
  refreshIfStale(): Promise<void> | null {
    if (this.inflight || this.now() - this.checkedAt < this.options.refreshMs) return null;
    // Counted from the attempt, so an unreachable store is retried once per interval, not per request.
    this.checkedAt = this.now();
    return this.refresh().catch(() => {
      // Kept quiet on purpose: the copy stays in use and expiry is enforced at lookup time;
      // the next request past `refreshMs` tries again.
    });
  }

  /** Catches up with the store now (single flight). */
  refresh(): Promise<void> {
    if (!this.inflight) {
      this.inflight = this.catchUp().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async catchUp() {
    const store = this.store();
    for (let attempt = 0; attempt < 3; attempt++) {
      const state = await store.state(this.version, this.seq);
      this.checkedAt = this.now();
      if (state.version === 0) throw new Error("decision store has no snapshot yet");
      if (state.version === this.version && this.matcher) {
        for (const c of state.changes) this.matcher.apply(c);
        this.seq = state.seq;
        this.refreshes++;
        return;
      }
      const started = performance.now();
      const parts = await Promise.all(
        Array.from({ length: state.chunks }, (_, i) => store.chunk(state.version, i)),
      );
      // A compaction between `state` and `chunk` invalidates the parts: ask again.
      if (parts.some((p) => p === null)) continue;
      const bytes = new Uint8Array(state.bytes);
      let at = 0;
      for (const p of parts as Uint8Array[]) {
        bytes.set(p, at);
        at += p.length;
      }
      const matcher = new DecisionMatcher(new SnapshotIndex(bytes), this.options.rankOf);
      for (const c of state.changes) matcher.apply(c);
      this.matcher = matcher;
      this.version = state.version;
      this.seq = state.seq;
      this.loads++;
      this.lastLoadMs = performance.now() - started;
      return;
    }
    throw new Error("decision snapshot kept changing while loading");
  }
}

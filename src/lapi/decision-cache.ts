import type { Db } from "../db/client";
import {
  type BouncerFilter,
  countIndexRows,
  type DecisionRow,
  type IndexRow,
  loadIndexChanges,
  loadIndexPage,
  matchesFilter,
} from "../db/decisions-read";
import { TOMBSTONE_TTL_MS } from "../db/flush";
import { type IndexedBlock, IpBlockIndex } from "../shared/ip-block-index";
import { type IpRange, parseIpOrRange } from "../shared/ip-range";
import { decisionTail } from "./decision-json";

/** A decision as the isolate's index keeps it. */
export interface CachedDecision extends IndexedBlock, DecisionRow {
  simulated: boolean;
  createdAt: number;
  /** The stream JSON after the duration (src/lapi/decision-json.ts). */
  streamTail: string;
}

type Entry = CachedDecision;

export interface DecisionCacheOptions {
  /** How old the index may get before a lookup first pulls the changes (ms; 0 = every lookup). */
  refreshMs: number;
  /** Above this many decisions the isolate stops caching and every lookup goes to D1. */
  maxEntries: number;
}

const LOAD_PAGE = 10_000;
/** Re-read changes this far back: D1's clock (triggers) and the isolate's may differ a little. */
const CLOCK_OVERLAP_MS = 3_000;
const SWEEP_EVERY_MS = 30_000;

/**
 * An isolate-local copy of the active Ip/Range decisions, so that bouncer live lookups
 * (`GET /v1/decisions?ip=`) cost a few hash lookups instead of D1 round trips.
 *
 * Freshness: a lookup first pulls what changed since the last pull when the copy is older than
 * `refreshMs` or when this isolate served a write (read-your-writes within an isolate). Changes
 * come from three cheap indexed queries in one batch: rows above the highest id seen, rows whose
 * `updated_at` moved, and tombstones of hard deletions (both maintained by triggers, migration
 * 0003). Expiry is enforced at lookup time, so a copy that cannot refresh never serves an expired
 * ban. Until the first full load completes, lookups fall back to SQL.
 */
export class DecisionCache {
  private index = new IpBlockIndex<Entry>();
  private state: "empty" | "loading" | "ready" | "disabled" = "empty";
  private maxId = 0;
  private cursor = 0;
  private checkedAt = 0;
  private stale = false;
  private refreshing: Promise<void> | null = null;
  private sweptAt = 0;

  constructor(private readonly options: DecisionCacheOptions) {}

  /** Called after any write this isolate served. */
  markStale(): void {
    this.stale = true;
  }

  get entries(): number {
    return this.index.size;
  }

  /**
   * Decisions containing the queried IP/range that pass the filter, id-ordered; `null` when the
   * cache cannot answer yet (the caller queries D1). Starts the first load in the background.
   */
  async lookup(
    db: Db,
    q: IpRange,
    filter: BouncerFilter,
    now: number,
    waitUntil: (p: Promise<unknown>) => void,
  ): Promise<DecisionRow[] | null> {
    if (!(await this.ensureFresh(db, now, waitUntil, false))) return null;
    return this.index
      .containing(q)
      .filter((d) => matchesFilter(d, filter, now))
      .sort((a, b) => a.id - b.id);
  }

  /**
   * Every active Ip/Range decision, after pulling all changes committed so far (whatever the
   * refresh interval), so a stream answer built from it has no gap; `null` when not loaded.
   */
  async snapshot(
    db: Db,
    now: number,
    waitUntil: (p: Promise<unknown>) => void,
  ): Promise<CachedDecision[] | null> {
    if (!(await this.ensureFresh(db, now, waitUntil, true))) return null;
    return [...this.index.items()].filter((d) => d.until >= now);
  }

  /** Loads or re-syncs as needed; true when the copy can answer. */
  private async ensureFresh(
    db: Db,
    now: number,
    waitUntil: (p: Promise<unknown>) => void,
    force: boolean,
  ): Promise<boolean> {
    if (this.state === "empty") {
      this.state = "loading";
      waitUntil(this.load(db, now));
      return false;
    }
    if (this.state !== "ready") return false;
    if (now - this.checkedAt > TOMBSTONE_TTL_MS / 2) {
      // Deletions older than the tombstone retention may be gone: reload from scratch.
      this.index = new IpBlockIndex<Entry>();
      this.maxId = 0;
      this.state = "loading";
      waitUntil(this.load(db, now));
      return false;
    }
    if (force || this.stale || now - this.checkedAt >= this.options.refreshMs) {
      // A forced sync must start after the caller's t0: never join one already in flight.
      const run = (): Promise<void> =>
        this.refresh(db, now).finally(() => {
          if (this.refreshing === pending) this.refreshing = null;
        });
      const pending: Promise<void> =
        force && this.refreshing ? this.refreshing.then(run) : (this.refreshing ?? run());
      this.refreshing = pending;
      await pending;
    }
    return this.state === "ready";
  }

  private toEntry(row: IndexRow): Entry | null {
    const range = parseIpOrRange(row.value);
    if (!range) return null;
    return {
      id: row.id,
      uuid: row.uuid,
      until: row.until,
      scenario: row.scenario,
      type: row.type,
      scope: row.scope,
      value: row.value,
      origin: row.origin,
      simulated: row.simulated,
      createdAt: row.createdAt,
      streamTail: decisionTail(row, true),
      size: range.size,
      prefix: range.prefix,
      start: range.start,
    };
  }

  private apply(rows: IndexRow[], now: number): void {
    for (const row of rows) {
      this.maxId = Math.max(this.maxId, row.id);
      const entry = row.until >= now ? this.toEntry(row) : null;
      if (entry) this.index.upsert(entry);
      else this.index.remove(row.id);
    }
  }

  private async load(db: Db, now: number): Promise<void> {
    try {
      // Counted first: loading a set past the cap only to drop it would take the isolate far
      // past its 128 MB (about 1 KB of heap per entry; `npm run bench -- lists`).
      if ((await countIndexRows(db, now)) > this.options.maxEntries) {
        this.disable();
        return;
      }
      this.cursor = now - CLOCK_OVERLAP_MS;
      let afterId = 0;
      for (;;) {
        const page = await loadIndexPage(db, now, afterId, LOAD_PAGE);
        this.apply(page, now);
        if (this.index.size > this.options.maxEntries) {
          this.disable();
          return;
        }
        if (page.length < LOAD_PAGE) break;
        afterId = page[page.length - 1]!.id;
      }
      // Rows inserted during the load have higher ids than any seen: the next refresh gets them.
      this.maxId = Math.max(this.maxId, afterId);
      this.checkedAt = now;
      this.stale = true;
      this.state = "ready";
    } catch (e) {
      console.error("decision cache load failed; lookups stay on D1:", e);
      this.index = new IpBlockIndex<Entry>();
      this.state = "empty";
    }
  }

  private async refresh(db: Db, now: number): Promise<void> {
    this.stale = false;
    const since = this.cursor;
    this.cursor = now - CLOCK_OVERLAP_MS;
    try {
      const changes = await loadIndexChanges(db, this.maxId, since);
      this.apply(changes.added, now);
      this.apply(changes.updated, now);
      for (const id of changes.deleted) this.index.remove(id);
      // Lookups already skip expired entries; sweeping them is only about memory.
      if (now - this.sweptAt > SWEEP_EVERY_MS) {
        for (const entry of this.index.items()) if (entry.until < now) this.index.remove(entry.id);
        this.sweptAt = now;
      }
      this.checkedAt = now;
      if (this.index.size > this.options.maxEntries) this.disable();
    } catch (e) {
      // Serve nothing stale: drop the copy and go back to D1 until a reload succeeds.
      console.error("decision cache refresh failed; reloading:", e);
      this.index = new IpBlockIndex<Entry>();
      this.maxId = 0;
      this.state = "empty";
    }
  }

  private disable(): void {
    this.index = new IpBlockIndex<Entry>();
    this.state = "disabled";
  }
}

/**
 * The bounded cache HEAD keeps in front of `RegexpInFile()` for a `type: regexp` data file that
 * sets `strategy`/`size`/`ttl` (`pkg/exprhelpers` `RegexpCacheInit`, built on bluele/gcache):
 * input → "some line matched". A cached answer is the answer the regexps would give again (RE2 is
 * deterministic), so the cache only saves time; what it must honour is its size bound, the
 * eviction strategy and the time-to-live. Written here rather than taken from npm because the
 * three strategies with gcache's options fit in one small file and the engine stays free of
 * runtime-specific dependencies.
 */

/** gcache's eviction strategies, as the `strategy:` key spells them. */
export const CACHE_STRATEGIES = ["LRU", "LFU", "ARC"] as const;
export type CacheStrategy = (typeof CACHE_STRATEGIES)[number];

export interface ResultCacheOptions {
  strategy: CacheStrategy;
  /** Entries kept (HEAD default 50). */
  size: number;
  /** Entries expire this long after they were set; null = never (gcache without `Expiration`). */
  ttlMs: number | null;
  /** Clock for the time-to-live (ms); defaults to `Date.now`. */
  now?: () => number;
}

export interface ResultCache {
  get(key: string): boolean | undefined;
  set(key: string, value: boolean): void;
  /** Live entries (expired ones may still be counted until they are next touched). */
  readonly size: number;
}

interface Entry {
  value: boolean;
  expiresAt: number;
}

/** A cache of boolean results with gcache's LRU, LFU or ARC eviction and optional expiry. */
export function createResultCache(options: ResultCacheOptions): ResultCache {
  if (!Number.isInteger(options.size) || options.size <= 0) {
    throw new Error(`cache size must be a positive integer, got ${options.size}`);
  }
  const now = options.now ?? Date.now;
  const expiry = () => (options.ttlMs === null ? Number.POSITIVE_INFINITY : now() + options.ttlMs);
  const live: Live = (entry): entry is Entry => entry !== undefined && entry.expiresAt > now();
  switch (options.strategy) {
    case "LRU":
      return lru(options.size, expiry, live);
    case "LFU":
      return lfu(options.size, expiry, live);
    case "ARC":
      return arc(options.size, expiry, live);
  }
}

type Expiry = () => number;
type Live = (entry: Entry | undefined) => entry is Entry;

/** Least recently used: a Map in recency order (first = oldest). */
function lru(capacity: number, expiry: Expiry, live: Live): ResultCache {
  const entries = new Map<string, Entry>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      if (!live(entry)) return undefined;
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value) {
      entries.delete(key);
      if (entries.size >= capacity) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, expiresAt: expiry() });
    },
    get size() {
      return entries.size;
    },
  };
}

/** Least frequently used (ties: the oldest of the least used), O(1) with frequency buckets. */
function lfu(capacity: number, expiry: Expiry, live: Live): ResultCache {
  const entries = new Map<string, Entry & { count: number }>();
  const byCount = new Map<number, Set<string>>();
  let minCount = 0;
  const unlink = (key: string, count: number) => {
    const bucket = byCount.get(count)!;
    bucket.delete(key);
    if (bucket.size === 0) {
      byCount.delete(count);
      if (minCount === count) minCount = count + 1;
    }
  };
  const link = (key: string, count: number) => {
    const bucket = byCount.get(count);
    if (bucket) bucket.add(key);
    else byCount.set(count, new Set([key]));
  };
  const remove = (key: string) => {
    const entry = entries.get(key)!;
    unlink(key, entry.count);
    entries.delete(key);
  };
  const touch = (key: string, entry: Entry & { count: number }) => {
    unlink(key, entry.count);
    entry.count++;
    link(key, entry.count);
  };
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (!live(entry)) {
        remove(key);
        return undefined;
      }
      touch(key, entry);
      return entry.value;
    },
    set(key, value) {
      const existing = entries.get(key);
      if (existing) {
        existing.value = value;
        existing.expiresAt = expiry();
        touch(key, existing);
        return;
      }
      if (entries.size >= capacity) {
        // minCount can run ahead of the real minimum after removals: walk up to the next bucket.
        if (!byCount.has(minCount)) minCount = Math.min(...byCount.keys());
        remove(byCount.get(minCount)!.values().next().value!);
      }
      entries.set(key, { value, expiresAt: expiry(), count: 1 });
      link(key, 1);
      minCount = 1;
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * Adaptive replacement (Megiddo & Modha, as gcache's `ARC`): T1 holds keys seen once, T2 keys
 * seen again; B1/B2 remember keys recently evicted from each, and a hit there moves the target
 * size `p` of T1 towards the list that would have kept it. Maps are in recency order.
 */
function arc(capacity: number, expiry: Expiry, live: Live): ResultCache {
  const t1 = new Map<string, Entry>();
  const t2 = new Map<string, Entry>();
  const b1 = new Set<string>();
  const b2 = new Set<string>();
  let p = 0;
  const oldest = (list: Map<string, Entry> | Set<string>) => list.keys().next().value!;
  // Makes room for one entry (nothing to do while expired entries left the cache short).
  const replace = (inB2: boolean) => {
    if (t1.size + t2.size < capacity) return;
    if (t1.size > 0 && (t1.size > p || (inB2 && t1.size === p) || t2.size === 0)) {
      const key = oldest(t1);
      t1.delete(key);
      b1.add(key);
    } else {
      const key = oldest(t2);
      t2.delete(key);
      b2.add(key);
    }
  };
  return {
    get(key) {
      const entry = t1.get(key) ?? t2.get(key);
      if (!entry) return undefined;
      t1.delete(key);
      t2.delete(key);
      if (!live(entry)) return undefined;
      t2.set(key, entry);
      return entry.value;
    },
    set(key, value) {
      const entry = { value, expiresAt: expiry() };
      if (t1.delete(key) || t2.delete(key)) {
        t2.set(key, entry);
        return;
      }
      if (b1.has(key)) {
        p = Math.min(capacity, p + Math.max(b2.size / b1.size, 1));
        replace(false);
        b1.delete(key);
        t2.set(key, entry);
        return;
      }
      if (b2.has(key)) {
        p = Math.max(0, p - Math.max(b1.size / b2.size, 1));
        replace(true);
        b2.delete(key);
        t2.set(key, entry);
        return;
      }
      if (t1.size + b1.size >= capacity) {
        if (t1.size < capacity) {
          b1.delete(oldest(b1));
          replace(false);
        } else {
          t1.delete(oldest(t1));
        }
      } else if (t1.size + t2.size + b1.size + b2.size >= capacity) {
        if (t1.size + t2.size + b1.size + b2.size >= 2 * capacity) b2.delete(oldest(b2));
        replace(false);
      }
      t1.set(key, entry);
    },
    get size() {
      return t1.size + t2.size;
    },
  };
}

/**
 * HEAD (≥1.5) parser `stash`: named caches with a TTL and a size bound (LRU), filled by parser nodes
 * and read back with `GetFromStash(name, key)`. One store per pipeline instance — no globals.
 */
export interface StashStore {
  /** Declares a cache (first declaration wins, as HEAD `cache.CacheInit` keeps the first). */
  declare(name: string, size: number, ttlMs: number): void;
  set(name: string, key: string, value: string): void;
  get(name: string, key: string): string;
}

/** An in-memory stash store; `now` is injectable for tests. */
export function createStashStore(now: () => number = Date.now): StashStore {
  const caches = new Map<
    string,
    { size: number; ttlMs: number; entries: Map<string, { value: string; expires: number }> }
  >();
  return {
    declare(name, size, ttlMs) {
      if (!caches.has(name)) caches.set(name, { size, ttlMs, entries: new Map() });
    },
    set(name, key, value) {
      const cache = caches.get(name);
      if (!cache) return;
      cache.entries.delete(key);
      cache.entries.set(key, { value, expires: now() + cache.ttlMs });
      // Map iteration order is insertion order, so the first key is the least recently set.
      while (cache.entries.size > cache.size) {
        const oldest = cache.entries.keys().next().value as string;
        cache.entries.delete(oldest);
      }
    },
    get(name, key) {
      const entry = caches.get(name)?.entries.get(key);
      if (!entry) return "";
      if (entry.expires <= now()) {
        caches.get(name)?.entries.delete(key);
        return "";
      }
      return entry.value;
    },
  };
}

/**
 * Node adapter for the `reverse_dns` enricher (enabled by passing `reverseDns` to the enricher
 * options). CrowdSec 1.4.6 (`pkg/parser/enrich_dns.go`) blocks each event on a live PTR query;
 * the parser hot path here is synchronous, so lookups are cached and refreshed in the background:
 * the first event for an address gets no `reverse_dns` (as when CrowdSec's lookup fails), later
 * events get the first PTR name with its trailing dot, as Go's `net.LookupAddr` returns it.
 */
import { promises as dns } from "node:dns";

export interface ReverseDnsCacheOptions {
  /** How long an answer (or a failure) is kept, ms. Default 1 hour. */
  ttlMs?: number;
  /** Most addresses kept; the oldest entry is evicted first. Default 10,000. */
  maxEntries?: number;
  /** The PTR resolver (default: the system's `dns.reverse`). */
  resolve?: (ip: string) => Promise<string[]>;
  now?: () => number;
}

/** Returns a synchronous `reverseDns(ip)` backed by an asynchronous, bounded cache. */
export function createReverseDnsCache(options: ReverseDnsCacheOptions = {}) {
  const ttl = options.ttlMs ?? 3_600_000;
  const max = options.maxEntries ?? 10_000;
  const resolve = options.resolve ?? ((ip: string) => dns.reverse(ip));
  const now = options.now ?? Date.now;
  const cache = new Map<string, { name: string | null; expires: number }>();
  const pending = new Map<string, Promise<void>>();
  const refresh = (ip: string) => {
    if (pending.has(ip)) return;
    const job = resolve(ip)
      .then(
        (names) => (names[0] ? (names[0].endsWith(".") ? names[0] : `${names[0]}.`) : null),
        () => null,
      )
      .then((name) => {
        cache.delete(ip);
        cache.set(ip, { name, expires: now() + ttl });
        while (cache.size > max) cache.delete(cache.keys().next().value as string);
      })
      .finally(() => pending.delete(ip));
    pending.set(ip, job);
  };
  return {
    reverseDns(ip: string): string | null {
      const hit = cache.get(ip);
      if (!hit || hit.expires <= now()) refresh(ip);
      return hit ? hit.name : null;
    },
    /** Resolves once every lookup started so far has settled (for tests and shutdown). */
    async settled(): Promise<void> {
      await Promise.all(pending.values());
    },
  };
}

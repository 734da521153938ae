import type { Bouncer } from "../../db/bouncers";

/**
 * Bouncer rows by API-key hash, kept for `ttlMs` in the isolate so that a bouncer's live lookups
 * do not each pay a D1 round trip for authentication. Any write served by this isolate clears
 * it; a key revoked through another isolate stops working within `ttlMs`.
 */
export class BouncerKeyCache {
  private readonly rows = new Map<string, { rows: Bouncer[]; at: number }>();

  constructor(private readonly ttlMs: number) {}

  get(hash: string, now: number): Bouncer[] | undefined {
    const hit = this.rows.get(hash);
    if (!hit || now - hit.at >= this.ttlMs) return undefined;
    return hit.rows;
  }

  set(hash: string, rows: Bouncer[], now: number): void {
    if (this.rows.size > 10_000) this.rows.clear();
    this.rows.set(hash, { rows, at: now });
  }

  clear(): void {
    this.rows.clear();
  }
}

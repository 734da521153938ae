import type { IpRange } from "./ip-range";

/**
 * An in-memory index of CIDR blocks answering "which stored blocks contain this IP or range" with
 * one hash lookup per prefix length in use. Every stored value is a CIDR block (a bare IP is a
 * /32 or /128), so a block containing the query starts at the query's start masked to the
 * block's own prefix length: the same reasoning as the SQL lookup in src/db/ip-match.ts.
 */
export interface IndexedBlock {
  id: number;
  size: 4 | 16;
  prefix: number;
  start: Uint8Array;
}

/** Key of the block of `prefix` bits starting at `address` masked: `<prefix>:<binary bytes>`. */
export function blockKey(address: Uint8Array, prefix: number): string {
  let key = `${prefix}:`;
  for (let i = 0; i < address.length; i++) {
    const keep = prefix - i * 8;
    const byte =
      keep >= 8 ? address[i]! : keep <= 0 ? 0 : address[i]! & ((0xff << (8 - keep)) & 0xff);
    key += String.fromCharCode(byte);
  }
  return key;
}

export class IpBlockIndex<T extends IndexedBlock> {
  private readonly buckets = new Map<string, T[]>();
  private readonly byId = new Map<number, { item: T; key: string }>();
  /** How many stored blocks use each prefix length, per family. */
  private readonly lengths = { 4: new Map<number, number>(), 16: new Map<number, number>() };

  get size(): number {
    return this.byId.size;
  }

  /** Adds or replaces (by id) a block. */
  upsert(item: T): void {
    this.remove(item.id);
    const key = blockKey(item.start, item.prefix);
    const bucket = this.buckets.get(key);
    if (bucket) bucket.push(item);
    else this.buckets.set(key, [item]);
    this.byId.set(item.id, { item, key });
    const counts = this.lengths[item.size];
    counts.set(item.prefix, (counts.get(item.prefix) ?? 0) + 1);
  }

  remove(id: number): void {
    const found = this.byId.get(id);
    if (!found) return;
    this.byId.delete(id);
    const bucket = this.buckets.get(found.key)!;
    const rest = bucket.filter((b) => b.id !== id);
    if (rest.length === 0) this.buckets.delete(found.key);
    else this.buckets.set(found.key, rest);
    const counts = this.lengths[found.item.size];
    const n = (counts.get(found.item.prefix) ?? 1) - 1;
    if (n === 0) counts.delete(found.item.prefix);
    else counts.set(found.item.prefix, n);
  }

  /** Every item, for sweeps (e.g. dropping expired entries). */
  *items(): IterableIterator<T> {
    for (const v of this.byId.values()) yield v.item;
  }

  /** Blocks containing the queried IP or range. */
  containing(q: IpRange): T[] {
    const out: T[] = [];
    for (const prefix of this.lengths[q.size].keys()) {
      if (prefix > q.prefix) continue;
      const bucket = this.buckets.get(blockKey(q.start, prefix));
      if (bucket) for (const b of bucket) if (b.size === q.size) out.push(b);
    }
    return out;
  }
}

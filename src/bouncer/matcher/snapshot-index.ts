import type { ClientIp } from "./client-ip";
import {
  H_BUILT_AT_BYTE,
  H_DECISIONS,
  H_FORMAT,
  H_KEYS,
  H_MAGIC,
  H_STRINGS,
  H_V4_BLOCKS,
  H_V6_BLOCKS,
  H_VERSION,
  HEADER_BYTES,
  SNAPSHOT_FORMAT,
  SNAPSHOT_MAGIC,
  type SnapshotStrings,
  snapshotLayout,
} from "./snapshot-format";

/**
 * Chooses between two active decisions: `rank[type]` (lower wins, e.g. ban before captcha), then
 * the later expiry. Decisions of a type absent from the rank table rank last.
 */
export type TypeRank = Uint8Array;

/** No decision found. */
export const NONE = -1;

/**
 * Read-only view over snapshot bytes. Loading costs one small JSON decode (type/origin/key
 * tables); the decision and block sections are used in place.
 */
export class SnapshotIndex {
  readonly version: number;
  readonly builtAt: number;
  readonly decisions: number;
  readonly v4Blocks: number;
  readonly v6Blocks: number;
  readonly types: readonly string[];
  readonly origins: readonly string[];
  readonly byteLength: number;
  private readonly until: Uint32Array;
  private readonly type: Uint8Array;
  private readonly origin: Uint16Array;
  private readonly v4Start: Uint32Array;
  private readonly v4Prefix: Uint8Array;
  private readonly v4Parent: Int32Array;
  private readonly v4Dec: Uint32Array;
  private readonly v6Start: Uint32Array;
  private readonly v6Prefix: Uint8Array;
  private readonly v6Parent: Int32Array;
  private readonly v6Dec: Uint32Array;
  private readonly keyDec: Uint32Array;
  private readonly keys: Map<string, number>;

  /** Wraps snapshot bytes (copied once if they are not 8-byte aligned). Throws when malformed. */
  constructor(input: Uint8Array) {
    if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
      throw new Error("snapshot: big-endian hosts are not supported");
    }
    const bytes = input.byteOffset % 8 === 0 ? input : input.slice();
    if (bytes.byteLength < HEADER_BYTES) throw new Error("snapshot: truncated header");
    const buffer = bytes.buffer as ArrayBuffer;
    const base = bytes.byteOffset;
    const header = new Uint32Array(buffer, base, 16);
    if (header[H_MAGIC] !== SNAPSHOT_MAGIC) throw new Error("snapshot: bad magic");
    if (header[H_FORMAT] !== SNAPSHOT_FORMAT)
      throw new Error(`snapshot: format ${header[H_FORMAT]}`);
    const counts = {
      decisions: header[H_DECISIONS]!,
      v4Blocks: header[H_V4_BLOCKS]!,
      v6Blocks: header[H_V6_BLOCKS]!,
      keys: header[H_KEYS]!,
      stringBytes: header[H_STRINGS]!,
    };
    const layout = snapshotLayout(counts);
    if (layout.total > bytes.byteLength) throw new Error("snapshot: truncated body");
    this.byteLength = layout.total;
    this.version = header[H_VERSION]!;
    this.builtAt = new Float64Array(buffer, base + H_BUILT_AT_BYTE, 1)[0]!;
    this.decisions = counts.decisions;
    this.v4Blocks = counts.v4Blocks;
    this.v6Blocks = counts.v6Blocks;
    this.until = new Uint32Array(buffer, base + layout.until, counts.decisions);
    this.type = new Uint8Array(buffer, base + layout.type, counts.decisions);
    this.origin = new Uint16Array(buffer, base + layout.origin, counts.decisions);
    this.v4Start = new Uint32Array(buffer, base + layout.v4Start, counts.v4Blocks);
    this.v4Prefix = new Uint8Array(buffer, base + layout.v4Prefix, counts.v4Blocks);
    this.v4Parent = new Int32Array(buffer, base + layout.v4Parent, counts.v4Blocks);
    this.v4Dec = new Uint32Array(buffer, base + layout.v4Dec, counts.v4Blocks + 1);
    this.v6Start = new Uint32Array(buffer, base + layout.v6Start, counts.v6Blocks * 4);
    this.v6Prefix = new Uint8Array(buffer, base + layout.v6Prefix, counts.v6Blocks);
    this.v6Parent = new Int32Array(buffer, base + layout.v6Parent, counts.v6Blocks);
    this.v6Dec = new Uint32Array(buffer, base + layout.v6Dec, counts.v6Blocks + 1);
    this.keyDec = new Uint32Array(buffer, base + layout.keyDec, counts.keys + 1);
    const strings = JSON.parse(
      new TextDecoder().decode(new Uint8Array(buffer, base + layout.strings, counts.stringBytes)),
    ) as SnapshotStrings;
    this.types = strings.types;
    this.origins = strings.origins;
    this.keys = new Map(strings.keys.map((k, i) => [k, i]));
  }

  typeOf(d: number): string {
    return this.types[this.type[d]!]!;
  }

  originOf(d: number): string {
    return this.origins[this.origin[d]!]!;
  }

  /** Expiry of decision `d` in whole seconds since epoch. */
  untilSecOf(d: number): number {
    return this.until[d]!;
  }

  /** Rank table for this snapshot's type list, from a type → rank function. */
  rankTypes(rankOf: (type: string) => number): TypeRank {
    return Uint8Array.from(this.types, (t) => Math.min(255, rankOf(t)));
  }

  /**
   * The best active decision (rank, then latest expiry) among the blocks containing `ip` and the
   * given non-IP keys, or {@link NONE}. `nowSec` enforces expiry here, whatever the sync did;
   * `dead` holds decisions removed since the snapshot was built.
   */
  best(
    ip: ClientIp | null,
    keys: readonly string[],
    nowSec: number,
    rank: TypeRank,
    dead: ReadonlySet<number> | null,
  ): number {
    let best = NONE;
    const consider = (from: number, to: number) => {
      for (let d = from; d < to; d++) {
        const u = this.until[d]!;
        if (u <= nowSec || dead?.has(d)) continue;
        if (best === NONE) {
          best = d;
          continue;
        }
        const r = rank[this.type[d]!]!;
        const rb = rank[this.type[best]!]!;
        if (r < rb || (r === rb && u > this.until[best]!)) best = d;
      }
    };
    if (ip !== null) {
      if (ip.v === 4) {
        for (let b = this.lastV4AtOrBefore(ip.w); b >= 0; b = this.v4Parent[b]!) {
          if (v4Covers(this.v4Start[b]!, this.v4Prefix[b]!, ip.w)) {
            consider(this.v4Dec[b]!, this.v4Dec[b + 1]!);
          }
        }
      } else {
        for (let b = this.lastV6AtOrBefore(ip.w); b >= 0; b = this.v6Parent[b]!) {
          if (this.v6Covers(b, ip.w)) consider(this.v6Dec[b]!, this.v6Dec[b + 1]!);
        }
      }
    }
    for (const key of keys) {
      const k = this.keys.get(key);
      if (k !== undefined) consider(this.keyDec[k]!, this.keyDec[k + 1]!);
    }
    return best;
  }

  /** Index of the last v4 block whose start is ≤ ip (blocks sorted by start, outer first). */
  private lastV4AtOrBefore(ip: number): number {
    let lo = 0;
    let hi = this.v4Blocks;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.v4Start[mid]! <= ip) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  private lastV6AtOrBefore(w: Uint32Array): number {
    const s = this.v6Start;
    let lo = 0;
    let hi = this.v6Blocks;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const o = mid * 4;
      let cmp = s[o]! - w[0]!;
      if (cmp === 0) cmp = s[o + 1]! - w[1]!;
      if (cmp === 0) cmp = s[o + 2]! - w[2]!;
      if (cmp === 0) cmp = s[o + 3]! - w[3]!;
      if (cmp <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  private v6Covers(b: number, w: Uint32Array): boolean {
    const prefix = this.v6Prefix[b]!;
    const o = b * 4;
    for (let k = 0; k < 4; k++) {
      const bits = prefix - k * 32;
      if (bits <= 0) return true;
      const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
      if ((w[k]! & mask) >>> 0 !== this.v6Start[o + k]) return false;
    }
    return true;
  }
}

function v4Covers(start: number, prefix: number, ip: number): boolean {
  if (prefix === 0) return true;
  return (ip & (0xffffffff << (32 - prefix))) >>> 0 === start;
}

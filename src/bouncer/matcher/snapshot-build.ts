import { wordAt } from "./client-ip";
import { decisionTarget, type MatcherDecision } from "./decision-target";
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
  SNAPSHOT_FORMAT,
  SNAPSHOT_MAGIC,
  type SnapshotStrings,
  snapshotLayout,
} from "./snapshot-format";

/** A built snapshot and where each input decision landed in it. */
export interface BuiltSnapshot {
  bytes: Uint8Array;
  /** `position[i]` = snapshot decision index of input `i`, or -1 when it was skipped. */
  position: Int32Array;
  /** Inputs with a scope or value the bouncer cannot enforce (e.g. `username` scope). */
  skipped: number;
}

/** Compiles a list of decisions (convenience over {@link SnapshotBuilder}). */
export function buildSnapshot(
  decisions: Iterable<MatcherDecision>,
  version: number,
  builtAt: number,
): BuiltSnapshot {
  const builder = new SnapshotBuilder();
  for (const d of decisions) builder.add(d);
  return builder.finish(version, builtAt);
}

const KIND_SKIP = 0;
const KIND_V4 = 1;
const KIND_V6 = 2;
const KIND_KEY = 3;

/** A typed array that doubles when full. */
class Grow<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number) {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data as never);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/**
 * Compiles decisions into a snapshot (layout in snapshot-format.ts), one decision at a time and in
 * compact typed arrays (≈ 25 bytes per decision), so that a Durable Object can compile a million
 * decisions read from a SQLite cursor within its 128 MB. IP blocks of each family are sorted by
 * start address then by prefix length (outer block first), identical blocks are merged (their
 * decisions become one contiguous run), and each block records its closest enclosing block. CIDR
 * blocks are laminar — two blocks are either disjoint or nested — which is what makes one binary
 * search plus a walk up the parent chain a complete containment query.
 */
export class SnapshotBuilder {
  private readonly types = new Map<string, number>();
  private readonly origins = new Map<string, number>();
  private readonly keyIds = new Map<string, number>();
  private readonly kind = new Grow(new Uint8Array(1024), (n) => new Uint8Array(n));
  private readonly type = new Grow(new Uint8Array(1024), (n) => new Uint8Array(n));
  private readonly origin = new Grow(new Uint16Array(1024), (n) => new Uint16Array(n));
  private readonly until = new Grow(new Uint32Array(1024), (n) => new Uint32Array(n));
  /** v4 entries: `start * 64 + prefix` (exact in a double) and the input index. */
  private readonly v4Key = new Grow(new Float64Array(1024), (n) => new Float64Array(n));
  private readonly v4Input = new Grow(new Int32Array(1024), (n) => new Int32Array(n));
  /** v6 entries: four words + prefix, and the input index. */
  private readonly v6Words = new Grow(new Uint32Array(4096), (n) => new Uint32Array(n));
  private readonly v6Prefix = new Grow(new Uint8Array(1024), (n) => new Uint8Array(n));
  private readonly v6Input = new Grow(new Int32Array(1024), (n) => new Int32Array(n));
  private readonly keyOf = new Grow(new Int32Array(256), (n) => new Int32Array(n));
  private readonly keyInput = new Grow(new Int32Array(256), (n) => new Int32Array(n));
  private skipped = 0;

  /** Number of decisions added so far. */
  get size(): number {
    return this.kind.length;
  }

  /** Adds one decision; returns its input index (the index `position` is keyed by). */
  add(d: MatcherDecision): number {
    const i = this.kind.length;
    let t = this.types.get(d.type);
    if (t === undefined) {
      t = this.types.size;
      if (t > 255) throw new Error("too many decision types (max 256)");
      this.types.set(d.type, t);
    }
    let o = this.origins.get(d.origin);
    if (o === undefined) {
      o = this.origins.size;
      if (o > 65_535) throw new Error("too many origins (max 65,536)");
      this.origins.set(d.origin, o);
    }
    this.type.push(t);
    this.origin.push(o);
    // Whole seconds, rounded down: a ban ends at most 1 s early, never late (the firewall
    // bouncer likewise truncates to whole-second ipset timeouts).
    this.until.push(Math.min(0xffffffff, Math.max(0, Math.floor(d.untilMs / 1000))));
    const scope = d.scope.toLowerCase();
    const v4 = scope === "ip" || scope === "range" ? parseV4Block(d.value) : -1;
    if (v4 >= 0) {
      // Fast path for the bulk of real decision sets (plain IPv4 and IPv4 CIDRs).
      this.kind.push(KIND_V4);
      this.v4Key.push(v4);
      this.v4Input.push(i);
      return i;
    }
    const target = decisionTarget(d.scope, d.value);
    if (target.kind === "unsupported") {
      this.skipped++;
      this.kind.push(KIND_SKIP);
    } else if (target.kind === "key") {
      let k = this.keyIds.get(target.key);
      if (k === undefined) {
        k = this.keyIds.size;
        this.keyIds.set(target.key, k);
      }
      this.kind.push(KIND_KEY);
      this.keyOf.push(k);
      this.keyInput.push(i);
    } else if (target.range.size === 4) {
      this.kind.push(KIND_V4);
      this.v4Key.push(wordAt(target.range.start, 0) * 64 + target.range.prefix);
      this.v4Input.push(i);
    } else {
      const s = target.range.start;
      this.kind.push(KIND_V6);
      this.v6Words.push(wordAt(s, 0));
      this.v6Words.push(wordAt(s, 4));
      this.v6Words.push(wordAt(s, 8));
      this.v6Words.push(wordAt(s, 12));
      this.v6Prefix.push(target.range.prefix);
      this.v6Input.push(i);
    }
    return i;
  }

  finish(version: number, builtAt: number): BuiltSnapshot {
    const n = this.kind.length;
    const v4n = this.v4Input.length;
    const v6n = this.v6Input.length;
    const keyn = this.keyInput.length;
    const v4Key = this.v4Key.data;
    const v6w = this.v6Words.data;
    const v6p = this.v6Prefix.data;

    const v4Order = Int32Array.from({ length: v4n }, (_, j) => j).sort(
      (a, b) => v4Key[a]! - v4Key[b]! || a - b,
    );
    const v6Order = Int32Array.from({ length: v6n }, (_, j) => j).sort((a, b) => {
      for (let k = 0; k < 4; k++) {
        const d = v6w[a * 4 + k]! - v6w[b * 4 + k]!;
        if (d !== 0) return d;
      }
      return v6p[a]! - v6p[b]! || a - b;
    });
    const keyNames = [...this.keyIds.keys()];
    const keyRank = new Int32Array(keyNames.length);
    const sortedKeys = keyNames
      .map((name, id) => ({ name, id }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    sortedKeys.forEach((k, r) => {
      keyRank[k.id] = r;
    });
    const keyOrder = Int32Array.from({ length: keyn }, (_, j) => j).sort(
      (a, b) => keyRank[this.keyOf.data[a]!]! - keyRank[this.keyOf.data[b]!]! || a - b,
    );

    let v4Blocks = 0;
    for (let j = 0; j < v4n; j++)
      if (j === 0 || v4Key[v4Order[j]!] !== v4Key[v4Order[j - 1]!]) v4Blocks++;
    let v6Blocks = 0;
    for (let j = 0; j < v6n; j++)
      if (j === 0 || !sameV6(v6w, v6p, v6Order[j]!, v6Order[j - 1]!)) v6Blocks++;

    const strings: SnapshotStrings = {
      types: [...this.types.keys()],
      origins: [...this.origins.keys()],
      keys: sortedKeys.map((k) => k.name),
    };
    const stringBytes = new TextEncoder().encode(JSON.stringify(strings));
    const kept = n - this.skipped;
    const layout = snapshotLayout({
      decisions: kept,
      v4Blocks,
      v6Blocks,
      keys: keyNames.length,
      stringBytes: stringBytes.length,
    });
    const buffer = new ArrayBuffer(layout.total);
    const bytes = new Uint8Array(buffer);
    const header = new Uint32Array(buffer, 0, 16);
    header[H_MAGIC] = SNAPSHOT_MAGIC;
    header[H_FORMAT] = SNAPSHOT_FORMAT;
    header[H_DECISIONS] = kept;
    header[H_V4_BLOCKS] = v4Blocks;
    header[H_V6_BLOCKS] = v6Blocks;
    header[H_KEYS] = keyNames.length;
    header[H_STRINGS] = stringBytes.length;
    header[H_VERSION] = version >>> 0;
    new Float64Array(buffer, H_BUILT_AT_BYTE, 1)[0] = builtAt;

    const until = new Uint32Array(buffer, layout.until, kept);
    const type = new Uint8Array(buffer, layout.type, kept);
    const origin = new Uint16Array(buffer, layout.origin, kept);
    const position = new Int32Array(n).fill(-1);
    let next = 0;
    const place = (i: number) => {
      until[next] = this.until.data[i]!;
      type[next] = this.type.data[i]!;
      origin[next] = this.origin.data[i]!;
      position[i] = next++;
    };

    const s4 = new Uint32Array(buffer, layout.v4Start, v4Blocks);
    const p4 = new Uint8Array(buffer, layout.v4Prefix, v4Blocks);
    const parent4 = new Int32Array(buffer, layout.v4Parent, v4Blocks);
    const dec4 = new Uint32Array(buffer, layout.v4Dec, v4Blocks + 1);
    const stack: number[] = [];
    let b = -1;
    for (let j = 0; j < v4n; j++) {
      const e = v4Order[j]!;
      if (j === 0 || v4Key[e] !== v4Key[v4Order[j - 1]!]) {
        b++;
        const start = Math.floor(v4Key[e]! / 64);
        const prefix = v4Key[e]! % 64;
        s4[b] = start;
        p4[b] = prefix;
        while (stack.length > 0 && !v4Contains(s4[stack.at(-1)!]!, p4[stack.at(-1)!]!, start))
          stack.pop();
        parent4[b] = stack.length > 0 ? stack.at(-1)! : -1;
        stack.push(b);
        dec4[b] = next;
      }
      place(this.v4Input.data[e]!);
    }
    dec4[v4Blocks] = next;

    const s6 = new Uint32Array(buffer, layout.v6Start, v6Blocks * 4);
    const p6 = new Uint8Array(buffer, layout.v6Prefix, v6Blocks);
    const parent6 = new Int32Array(buffer, layout.v6Parent, v6Blocks);
    const dec6 = new Uint32Array(buffer, layout.v6Dec, v6Blocks + 1);
    stack.length = 0;
    b = -1;
    for (let j = 0; j < v6n; j++) {
      const e = v6Order[j]!;
      if (j === 0 || !sameV6(v6w, v6p, e, v6Order[j - 1]!)) {
        b++;
        s6.set(v6w.subarray(e * 4, e * 4 + 4), b * 4);
        p6[b] = v6p[e]!;
        while (stack.length > 0 && !v6Contains(s6, p6, stack.at(-1)!, v6w, e)) stack.pop();
        parent6[b] = stack.length > 0 ? stack.at(-1)! : -1;
        stack.push(b);
        dec6[b] = next;
      }
      place(this.v6Input.data[e]!);
    }
    dec6[v6Blocks] = next;

    const keyDec = new Uint32Array(buffer, layout.keyDec, keyNames.length + 1);
    let k = -1;
    for (let j = 0; j < keyn; j++) {
      const e = keyOrder[j]!;
      const rank = keyRank[this.keyOf.data[e]!]!;
      while (k < rank) keyDec[++k] = next;
      place(this.keyInput.data[e]!);
    }
    while (k < keyNames.length) keyDec[++k] = next;
    bytes.set(stringBytes, layout.strings);
    return { bytes, position, skipped: this.skipped };
  }
}

/**
 * `start * 64 + prefix` of a strict dotted-quad IPv4 address or CIDR (`1.2.3.4`, `10.0.0.0/8`,
 * host bits cleared like CrowdSec), or -1 for anything else (left to the general parser).
 */
export function parseV4Block(text: string): number {
  let word = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 || c === 47) {
      if (digits === 0) return -1;
      word = word * 256 + part;
      parts++;
      part = 0;
      digits = 0;
      if (c === 47) break;
      continue;
    }
    if (c < 48 || c > 57 || (digits > 0 && part === 0)) return -1;
    part = part * 10 + (c - 48);
    if (++digits > 3 || part > 255) return -1;
  }
  if (i === text.length) {
    if (digits === 0 || parts !== 3) return -1;
    return (word * 256 + part) * 64 + 32;
  }
  if (parts !== 4) return -1;
  const bits = text.slice(i + 1);
  if (!/^\d{1,2}$/.test(bits) || Number(bits) > 32) return -1;
  const prefix = Number(bits);
  const start = prefix === 0 ? 0 : (word & (0xffffffff << (32 - prefix))) >>> 0;
  return start * 64 + prefix;
}

/** Whether the v4 block (start, prefix) contains address `ip`. */
export function v4Contains(start: number, prefix: number, ip: number): boolean {
  if (prefix === 0) return true;
  return (ip & (0xffffffff << (32 - prefix))) >>> 0 === start;
}

function sameV6(w: Uint32Array, p: Uint8Array, a: number, b: number): boolean {
  return (
    p[a] === p[b] &&
    w[a * 4] === w[b * 4] &&
    w[a * 4 + 1] === w[b * 4 + 1] &&
    w[a * 4 + 2] === w[b * 4 + 2] &&
    w[a * 4 + 3] === w[b * 4 + 3]
  );
}

/** Whether built block `outer` contains the start address of entry `e`. */
function v6Contains(
  s6: Uint32Array,
  p6: Uint8Array,
  outer: number,
  w: Uint32Array,
  e: number,
): boolean {
  const prefix = p6[outer]!;
  for (let k = 0; k < 4; k++) {
    const bits = prefix - k * 32;
    if (bits <= 0) return true;
    const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if ((w[e * 4 + k]! & mask) >>> 0 !== s6[outer * 4 + k]) return false;
  }
  return true;
}

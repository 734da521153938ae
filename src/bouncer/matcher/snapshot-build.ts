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

interface V6Block {
  w: [number, number, number, number];
  prefix: number;
  decisions: number[];
}

/**
 * Compiles decisions into a snapshot (layout in snapshot-format.ts). IP blocks of each family are
 * sorted by start address then by prefix length (outer block first), identical blocks are merged
 * (their decisions become one contiguous run), and each block records its closest enclosing block.
 * CIDR blocks are laminar — two blocks are either disjoint or nested — which is what makes one
 * binary search plus a walk up the parent chain a complete containment query.
 */
export function buildSnapshot(
  decisions: readonly MatcherDecision[],
  version: number,
  builtAt: number,
): BuiltSnapshot {
  const types = new Map<string, number>();
  const origins = new Map<string, number>();
  const v4 = new Map<number, number[]>();
  const v6 = new Map<string, V6Block>();
  const keyed = new Map<string, number[]>();
  let skipped = 0;

  decisions.forEach((d, i) => {
    const target = decisionTarget(d.scope, d.value);
    if (target.kind === "unsupported") {
      skipped++;
      return;
    }
    if (target.kind === "key") {
      push(keyed, target.key, i);
      return;
    }
    const { range } = target;
    if (range.size === 4) {
      push(v4, wordAt(range.start, 0) * 64 + range.prefix, i);
      return;
    }
    const id = String.fromCharCode(...range.start, range.prefix);
    const block = v6.get(id);
    if (block) block.decisions.push(i);
    else {
      const s = range.start;
      v6.set(id, {
        w: [wordAt(s, 0), wordAt(s, 4), wordAt(s, 8), wordAt(s, 12)],
        prefix: range.prefix,
        decisions: [i],
      });
    }
  });

  const v4Keys = Float64Array.from(v4.keys()).sort();
  const v6Blocks = [...v6.values()].sort(compareV6);
  const keyNames = [...keyed.keys()].sort();
  const kept = decisions.length - skipped;

  // Intern types and origins first: the string table must be sized before the layout.
  for (const d of decisions) {
    if (!types.has(d.type)) types.set(d.type, types.size);
    if (!origins.has(d.origin)) origins.set(d.origin, origins.size);
  }
  if (types.size > 256) throw new Error(`too many decision types (${types.size}, max 256)`);
  if (origins.size > 65_536) throw new Error(`too many origins (${origins.size})`);
  const strings: SnapshotStrings = {
    types: [...types.keys()],
    origins: [...origins.keys()],
    keys: keyNames,
  };
  const stringBytes = new TextEncoder().encode(JSON.stringify(strings));

  const layout = snapshotLayout({
    decisions: kept,
    v4Blocks: v4Keys.length,
    v6Blocks: v6Blocks.length,
    keys: keyNames.length,
    stringBytes: stringBytes.length,
  });
  const buffer = new ArrayBuffer(layout.total);
  const bytes = new Uint8Array(buffer);
  const header = new Uint32Array(buffer, 0, 16);
  header[H_MAGIC] = SNAPSHOT_MAGIC;
  header[H_FORMAT] = SNAPSHOT_FORMAT;
  header[H_DECISIONS] = kept;
  header[H_V4_BLOCKS] = v4Keys.length;
  header[H_V6_BLOCKS] = v6Blocks.length;
  header[H_KEYS] = keyNames.length;
  header[H_STRINGS] = stringBytes.length;
  header[H_VERSION] = version >>> 0;
  new Float64Array(buffer, H_BUILT_AT_BYTE, 1)[0] = builtAt;

  const until = new Uint32Array(buffer, layout.until, kept);
  const type = new Uint8Array(buffer, layout.type, kept);
  const origin = new Uint16Array(buffer, layout.origin, kept);
  const position = new Int32Array(decisions.length).fill(-1);
  let next = 0;
  const place = (i: number) => {
    const d = decisions[i]!;
    // Whole seconds, rounded down: a ban ends at most 1 s early, never late (the firewall
    // bouncer likewise truncates to whole-second ipset timeouts).
    until[next] = Math.min(0xffffffff, Math.max(0, Math.floor(d.untilMs / 1000)));
    type[next] = types.get(d.type)!;
    origin[next] = origins.get(d.origin)!;
    position[i] = next++;
  };

  const v4Start = new Uint32Array(buffer, layout.v4Start, v4Keys.length);
  const v4Prefix = new Uint8Array(buffer, layout.v4Prefix, v4Keys.length);
  const v4Parent = new Int32Array(buffer, layout.v4Parent, v4Keys.length);
  const v4Dec = new Uint32Array(buffer, layout.v4Dec, v4Keys.length + 1);
  const stack: number[] = [];
  for (let b = 0; b < v4Keys.length; b++) {
    const key = v4Keys[b]!;
    const start = Math.floor(key / 64);
    const prefix = key % 64;
    v4Start[b] = start;
    v4Prefix[b] = prefix;
    while (
      stack.length > 0 &&
      !v4Contains(v4Start[stack.at(-1)!]!, v4Prefix[stack.at(-1)!]!, start)
    ) {
      stack.pop();
    }
    v4Parent[b] = stack.length > 0 ? stack.at(-1)! : -1;
    stack.push(b);
    v4Dec[b] = next;
    for (const i of v4.get(key)!) place(i);
  }
  v4Dec[v4Keys.length] = next;

  const v6Start = new Uint32Array(buffer, layout.v6Start, v6Blocks.length * 4);
  const v6Prefix = new Uint8Array(buffer, layout.v6Prefix, v6Blocks.length);
  const v6Parent = new Int32Array(buffer, layout.v6Parent, v6Blocks.length);
  const v6Dec = new Uint32Array(buffer, layout.v6Dec, v6Blocks.length + 1);
  stack.length = 0;
  for (let b = 0; b < v6Blocks.length; b++) {
    const block = v6Blocks[b]!;
    v6Start.set(block.w, b * 4);
    v6Prefix[b] = block.prefix;
    while (stack.length > 0 && !v6Contains(v6Blocks[stack.at(-1)!]!, block.w)) stack.pop();
    v6Parent[b] = stack.length > 0 ? stack.at(-1)! : -1;
    stack.push(b);
    v6Dec[b] = next;
    for (const i of block.decisions) place(i);
  }
  v6Dec[v6Blocks.length] = next;

  const keyDec = new Uint32Array(buffer, layout.keyDec, keyNames.length + 1);
  keyNames.forEach((name, k) => {
    keyDec[k] = next;
    for (const i of keyed.get(name)!) place(i);
  });
  keyDec[keyNames.length] = next;
  bytes.set(stringBytes, layout.strings);
  return { bytes, position, skipped };
}

function push<K>(map: Map<K, number[]>, key: K, value: number) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Whether the v4 block (start, prefix) contains address `ip`. */
export function v4Contains(start: number, prefix: number, ip: number): boolean {
  if (prefix === 0) return true;
  return (ip & (0xffffffff << (32 - prefix))) >>> 0 === start;
}

function v6Contains(outer: V6Block, w: readonly number[]): boolean {
  for (let k = 0; k < 4; k++) {
    const bits = outer.prefix - k * 32;
    if (bits <= 0) return true;
    const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if ((w[k]! & mask) >>> 0 !== outer.w[k]) return false;
  }
  return true;
}

function compareV6(a: V6Block, b: V6Block): number {
  for (let k = 0; k < 4; k++) {
    const d = a.w[k]! - b.w[k]!;
    if (d !== 0) return d;
  }
  return a.prefix - b.prefix;
}

/**
 * Binary layout of a decision snapshot (see README.md). The snapshot *is* the lookup structure:
 * an isolate wraps typed-array views around the bytes it received and can answer at once; there is
 * no parse step proportional to the number of decisions (only the small string table is decoded).
 *
 * All integers are little-endian (the byte order of every Workers and Node host); `readSnapshot`
 * refuses to run on a big-endian host rather than misread.
 */

/** "RBSN" read as a little-endian u32. */
export const SNAPSHOT_MAGIC = 0x4e534252;
export const SNAPSHOT_FORMAT = 1;
/** Header: 16 u32 words; word 12–13 hold the build time as a float64. */
export const HEADER_BYTES = 64;

export const H_MAGIC = 0;
export const H_FORMAT = 1;
export const H_DECISIONS = 2;
export const H_V4_BLOCKS = 3;
export const H_V6_BLOCKS = 4;
export const H_KEYS = 5;
export const H_STRINGS = 6;
export const H_VERSION = 7;
/** Byte offset of the float64 build time (ms since epoch). */
export const H_BUILT_AT_BYTE = 48;

/** Bytes per stored snapshot chunk and per RPC transfer (Durable Object SQLite rows cap at 2 MB). */
export const CHUNK_BYTES = 1 << 20;

/** Counts that fix a snapshot's layout. */
export interface SnapshotCounts {
  decisions: number;
  v4Blocks: number;
  v6Blocks: number;
  keys: number;
  stringBytes: number;
}

/** Byte offset of every section. */
export interface SnapshotLayout {
  until: number;
  type: number;
  origin: number;
  v4Start: number;
  v4Prefix: number;
  v4Parent: number;
  v4Dec: number;
  v6Start: number;
  v6Prefix: number;
  v6Parent: number;
  v6Dec: number;
  keyDec: number;
  strings: number;
  total: number;
}

const align8 = (n: number) => (n + 7) & ~7;

/** Sections in order, each aligned to 8 bytes so typed arrays can view them in place. */
export function snapshotLayout(c: SnapshotCounts): SnapshotLayout {
  let at = HEADER_BYTES;
  const take = (bytes: number) => {
    const start = at;
    at = align8(at + bytes);
    return start;
  };
  const until = take(c.decisions * 4);
  const type = take(c.decisions);
  const origin = take(c.decisions * 2);
  const v4Start = take(c.v4Blocks * 4);
  const v4Prefix = take(c.v4Blocks);
  const v4Parent = take(c.v4Blocks * 4);
  const v4Dec = take((c.v4Blocks + 1) * 4);
  const v6Start = take(c.v6Blocks * 16);
  const v6Prefix = take(c.v6Blocks);
  const v6Parent = take(c.v6Blocks * 4);
  const v6Dec = take((c.v6Blocks + 1) * 4);
  const keyDec = take((c.keys + 1) * 4);
  const strings = take(c.stringBytes);
  return {
    until,
    type,
    origin,
    v4Start,
    v4Prefix,
    v4Parent,
    v4Dec,
    v6Start,
    v6Prefix,
    v6Parent,
    v6Dec,
    keyDec,
    strings,
    total: at,
  };
}

/** The small string tables carried as UTF-8 JSON at the end of a snapshot. */
export interface SnapshotStrings {
  /** Decision types (`ban`, `captcha`, …) indexed by the type section. */
  types: string[];
  /** Decision origins indexed by the origin section. */
  origins: string[];
  /** Non-IP keys in key-section order: `as:<number>` or `country:<ISO code>`. */
  keys: string[];
}

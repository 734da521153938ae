import { SnapshotBuilder } from "../matcher/snapshot-build";
import { CHUNK_BYTES } from "../matcher/snapshot-format";

/** Entries per stored row of the id → snapshot index map (0.75 MiB per row). */
const MAP_ROW = 65_536;

/**
 * The published snapshot of a DecisionStore and the map from decision id to snapshot index
 * (ids ascending, index -1 for a skipped decision), which the store needs to tell isolates which
 * snapshot entry a deletion masks.
 */
export interface StoredSnapshot {
  bytes: Uint8Array;
  ids: Float64Array;
  positions: Int32Array;
}

/** Compiles every row of `decisions` (read with a cursor, ids ascending) into a snapshot. */
export function compileStoredDecisions(
  sql: SqlStorage,
  version: number,
  builtAt: number,
): StoredSnapshot {
  const builder = new SnapshotBuilder();
  const ids: number[] = [];
  const rows = sql.exec<{
    id: number;
    scope: string;
    value: string;
    type: string;
    origin: string;
    until_ms: number;
  }>("SELECT id, scope, value, type, origin, until_ms FROM decisions ORDER BY id");
  for (const r of rows) {
    builder.add({
      scope: r.scope,
      value: r.value,
      type: r.type,
      origin: r.origin,
      untilMs: r.until_ms,
    });
    ids.push(r.id);
  }
  const built = builder.finish(version, builtAt);
  return { bytes: built.bytes, ids: Float64Array.from(ids), positions: built.position };
}

/** Replaces the stored snapshot and id map (call inside the compaction transaction). */
export function writeStoredSnapshot(sql: SqlStorage, s: StoredSnapshot): void {
  sql.exec("DELETE FROM snapshot_chunks");
  for (let i = 0, idx = 0; i < s.bytes.length; i += CHUNK_BYTES, idx++) {
    sql.exec(
      "INSERT INTO snapshot_chunks (idx, data) VALUES (?, ?)",
      idx,
      s.bytes.subarray(i, i + CHUNK_BYTES),
    );
  }
  sql.exec("DELETE FROM base_map");
  for (let i = 0, idx = 0; i < s.ids.length; i += MAP_ROW, idx++) {
    const n = Math.min(MAP_ROW, s.ids.length - i);
    sql.exec(
      "INSERT INTO base_map (idx, ids, pos) VALUES (?, ?, ?)",
      idx,
      new Uint8Array(s.ids.buffer, s.ids.byteOffset + i * 8, n * 8),
      new Uint8Array(s.positions.buffer, s.positions.byteOffset + i * 4, n * 4),
    );
  }
}

/** Reads the stored snapshot back (object start). */
export function readStoredSnapshot(sql: SqlStorage): StoredSnapshot {
  const chunks = sql
    .exec<{ data: ArrayBuffer }>("SELECT data FROM snapshot_chunks ORDER BY idx")
    .toArray()
    .map((r) => new Uint8Array(r.data));
  const map = sql
    .exec<{ ids: ArrayBuffer; pos: ArrayBuffer }>("SELECT ids, pos FROM base_map ORDER BY idx")
    .toArray();
  return {
    bytes: concat(chunks),
    ids: new Float64Array(concat(map.map((r) => new Uint8Array(r.ids))).buffer),
    positions: new Int32Array(concat(map.map((r) => new Uint8Array(r.pos))).buffer),
  };
}

/** Snapshot index of decision `id`, or null when it is not part of the snapshot. */
export function snapshotIndexOf(s: StoredSnapshot, id: number): number | null {
  let lo = 0;
  let hi = s.ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < s.ids.length && s.ids[lo] === id && s.positions[lo]! >= 0 ? s.positions[lo]! : null;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

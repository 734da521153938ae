import { bucketKey } from "../../engine/buckets";

/**
 * Where a bucket partition lives. The key is the engine's partition key (scenario NUL group), the
 * content key of the registered file (machines share a bucket only when they run the same
 * content: issue 12, hole 3), plus the machine for per-machine scenarios (CrowdSec's behaviour:
 * each agent has its own buckets).
 * Keys are spread over a fixed number of bucket objects by a hash of the group (+ machine), so
 * every scenario of one source IP lands in the same object: an event that several scenarios take
 * costs one RPC, not one per scenario. `shards = 0` gives one object per key instead.
 * Runtime-neutral (the bench computes the Worker's RPC fan-out with it).
 */

/** Bucket partitioning of a scenario (`scenario_settings.buckets`). */
type BucketsMode = "deployment" | "machine";

/**
 * The partition key of `(scenario, group)` poured with content `contentKey`, per machine when the
 * scenario says so.
 */
export function partitionKey(
  scenario: string,
  group: string,
  contentKey: string,
  mode: BucketsMode,
  machineId: string,
): string {
  const key = `${bucketKey(scenario, group)}\u0000${contentKey}`;
  return mode === "machine" ? `${key}\u0000${machineId}` : key;
}

/** FNV-1a over UTF-16 code units: stable across isolates and releases. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The name of the bucket object that owns a partition. */
export function bucketObjectName(
  target: { key: string; group: string; mode: BucketsMode; machineId: string },
  shards: number,
): string {
  // NUL separators are fine in SQLite but not in an object name.
  if (shards <= 0) return `key:${encodeURIComponent(target.key)}`;
  const spread =
    target.mode === "machine" ? `${target.group}\u0000${target.machineId}` : target.group;
  return `shard:${fnv1a(spread) % shards}/${shards}`;
}

/** Every object name of a sharded deployment (what stats and housekeeping visit). */
export function allShardNames(shards: number): string[] {
  return Array.from({ length: shards }, (_, i) => `shard:${i}/${shards}`);
}

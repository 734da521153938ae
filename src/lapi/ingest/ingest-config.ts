import { parseGoDuration } from "../../shared/duration";
import { ConfigError } from "../config";
import type { Env } from "../env";

/** Settings of the ingestion path, from the Worker's vars (see wrangler.toml). */
export interface IngestConfig {
  /** Bucket objects keys are spread over; 0 = one object per bucket key. */
  shards: number;
  /** How long event ids are remembered (dedup in the objects, the D1 ledgers), ms. */
  retentionMs: number;
}

export const DEFAULT_SHARDS = 32;
const DEFAULT_RETENTION = "24h";

/** Reads `BUCKET_SHARDS` and `INGEST_RETENTION`; a bad value is a deployment error. */
export function loadIngestConfig(env: Env): IngestConfig {
  const rawShards = env.BUCKET_SHARDS ?? "";
  const shards = rawShards === "" ? DEFAULT_SHARDS : Number(rawShards);
  if (!Number.isInteger(shards) || shards < 0 || shards > 4096) {
    throw new ConfigError(`BUCKET_SHARDS: '${rawShards}' is not a whole number in 0..4096`);
  }
  const retention = parseGoDuration(env.INGEST_RETENTION || DEFAULT_RETENTION, {
    allowDays: true,
  });
  if (!retention.ok || retention.ms <= 0) {
    throw new ConfigError(`INGEST_RETENTION: '${env.INGEST_RETENTION}' is not a duration`);
  }
  return { shards, retentionMs: retention.ms };
}

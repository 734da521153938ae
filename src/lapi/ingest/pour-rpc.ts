import type { BucketOverflow } from "../../engine/buckets";
import type { QueuedEvent } from "../../engine/buckets/queued-event";

/**
 * The RPC contract between the two owners of the ingestion path (arguments and results are
 * structured-cloned): the bucket objects (`src/lapi/buckets`), which own buckets and outboxes,
 * and the overflow delivery (`deliver.ts`), which owns overflow → postoverflows → `storeAlerts`
 * → ack. Both sides import this file; neither imports the other.
 */

/** One partition an event goes to, resolved by the Worker. */
export interface PourTarget {
  /** Partition key (`partitionKey`): scenario, group, content and, per-machine, the machine. */
  key: string;
  scenario: string;
  /** `hub_contents.key` of the registered file defining the scenario (file + data files). */
  contentKey: string;
}

export interface PourEvent {
  id: string;
  /** Agent read time (ms): "now" for LIVE buckets. */
  time: number;
  event: QueuedEvent;
  targets: PourTarget[];
}

export interface PourRequest {
  /** The machine whose request this is: alerts of the overflows it causes are its alerts. */
  machineId: string;
  events: PourEvent[];
}

/** An overflow waiting in an object's outbox until it is stored as an alert. */
export interface OutboxEntry {
  /** Unique id; the D1 delivery ledger keys on it. */
  id: string;
  machineId: string;
  /** Agent read time of the event that caused it (LIVE time of a reprocessed overflow). */
  time: number;
  overflow: BucketOverflow;
}

export interface PourResponse {
  /** (event, partition) pours done now. */
  poured: number;
  /** Per request event: targets ignored because that (event id, partition) was already poured. */
  duplicates: number[];
  /** Targets whose content is not registered: nothing of the request was poured. */
  unknown: { scenario: string; contentKey: string }[];
  /**
   * Overflows to deliver before answering: those of this request, and those of its duplicates
   * whose delivery was never acknowledged (a retried batch).
   */
  outbox: OutboxEntry[];
  /**
   * Other requests' overflows whose delivery lease ran out (their request died): the caller
   * delivers them too, but its own answer does not depend on them.
   */
  orphans: OutboxEntry[];
  /**
   * Bucket instances this request created, by scenario (1.4.6 `cs_bucket_created_total{name}`):
   * a partition without a live instance, or a counter restarted after its duration.
   */
  created: [name: string, count: number][];
  /**
   * Instances this request ended, by scenario: every one that overflowed or whose counter
   * duration ran out (1.4.6 decrements its `cs_buckets{name}` gauge then).
   */
  ended: [name: string, count: number][];
}

/** Pour and dedup counters of one object (all machines, or one). */
export interface BucketObjectStats {
  pours: number;
  duplicates: number;
  instances: number;
  pendingOverflows: number;
}

/**
 * The methods of `BucketObject` as callers see them. The generated stub type turns results that
 * carry `unknown` (the overflow's alert as expressions read it) into `never`; they are plain data
 * and cross the RPC boundary by structured clone, so callers go through this interface instead.
 */
export interface BucketObjectApi {
  pour(request: PourRequest): Promise<PourResponse>;
  ack(ids: string[]): Promise<void>;
  stats(machineId?: string): Promise<BucketObjectStats>;
}

/** Outbox entries of one bucket object, handed to the delivery (which acks them to `object`). */
export interface OutboxBatch {
  /** Name of the bucket object holding the entries. */
  object: string;
  entries: OutboxEntry[];
}

/** What a delivery did: overflows handled (whitelisted and already stored ones included). */
export interface Settled {
  overflows: number;
  /** Ids of the alerts created now. */
  alertIds: number[];
}

/**
 * The Worker's delivery entrypoint (binding `DELIVERY`) as a bucket object's alarm calls it: the
 * same delivery the events endpoint runs, for entries whose request died.
 */
export interface OverflowDeliveryApi {
  deliver(batches: OutboxBatch[]): Promise<Settled>;
}

/** The stub of bucket object `name`. */
export function bucketObject<T extends Rpc.DurableObjectBranded>(
  namespace: DurableObjectNamespace<T>,
  name: string,
): BucketObjectApi {
  return namespace.getByName(name) as unknown as BucketObjectApi;
}

/** The delivery entrypoint behind a service binding, typed as its contract. */
export function overflowDelivery(
  binding: Fetcher | Rpc.WorkerEntrypointBranded,
): OverflowDeliveryApi {
  return binding as unknown as OverflowDeliveryApi;
}

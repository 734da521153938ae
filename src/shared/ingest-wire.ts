/**
 * The wire format between the agent and the LAPI's ingestion endpoints (Rampart's own API, not
 * CrowdSec's): hub registration and event batches. Shared by the agent (producer), the Worker
 * (validator) and the tests, so both sides agree on one zod schema.
 *
 * Design: the agent sends *signals*, not raw events. It already holds the hub, so it parses each
 * line and evaluates every scenario's `filter` and `groupby` itself; only events that some
 * scenario accepts travel, each with the bucket partitions it goes to. Most log lines match no
 * scenario (benign traffic), so this cuts the traffic and the Worker CPU to the part that needs
 * shared state: the pour into deployment-wide buckets. The Worker still compiles the registered
 * scenario (capacity, leakspeed, distinct, cancel_on, overflow_filter, scope…) to pour.
 */
import { z } from "zod";

/** `POST /v1/rampart/hub`: the agent's scenarios and postoverflows, registered after login. */
export const HUB_PATH = "/v1/rampart/hub";
/** `POST /v1/rampart/events`: a batch of filtered events (signals). */
export const EVENTS_PATH = "/v1/rampart/events";

/** Largest batch the endpoint takes (events), so one request stays within Worker limits. */
export const MAX_EVENTS_PER_BATCH = 5000;

const hubItemSchema = z
  .object({
    /** Hub name, e.g. `crowdsecurity/ssh-bf`. */
    name: z.string().min(1).max(256),
    /** sha256 (hex) of `content`, as the alert's `scenario_hash`. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    /** Hub version (`scenario_version`), "" when local. */
    version: z.string().max(64).default(""),
    /** The YAML file, verbatim (multi-document for postoverflows). */
    content: z.string().min(1),
    /**
     * Postoverflows: the stage directory the file is installed in (`s00-enrich`,
     * `s01-whitelist`); stages run in order and one where no node succeeds ends the pipeline.
     * Absent = `s01-whitelist`, where the hub's whitelists live.
     */
    stage: z
      .string()
      .regex(/^s\d\d-[a-z0-9_-]+$/)
      .optional(),
  })
  .strict();

/** Body of `POST /v1/rampart/hub`. Items replace the stored ones of the same kind and name. */
export const hubRegistrationSchema = z
  .object({
    scenarios: z.array(hubItemSchema).default([]),
    postoverflows: z.array(hubItemSchema).default([]),
    /** Data files the items reference (`data[].dest_file` → text content). */
    data: z.record(z.string().min(1), z.string()).default({}),
  })
  .strict();

export type HubItemWire = z.infer<typeof hubItemSchema>;
export type HubRegistration = z.infer<typeof hubRegistrationSchema>;

/** One bucket partition an event is poured into: scenario name + `groupby` value ("" = none). */
export const bucketTargetSchema = z
  .object({
    scenario: z.string().min(1),
    /** sha256 the agent compiled the filter from; a mismatch means the registry is stale. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    group: z.string(),
  })
  .strict();

/**
 * One event of a batch. `id` is stable across retries (a file line's id derives from the file
 * identity and byte offset), so the LAPI ignores an id it has already poured. `event` is the
 * bucket engine's `QueuedEvent` (plain data); `time` is the agent's wall clock when the line was
 * read (ms), used as "now" by LIVE buckets so spooled events keep their real pace.
 */
export const wireEventSchema = z
  .object({
    id: z.string().min(1).max(200),
    time: z.number().int().nonnegative(),
    buckets: z.array(bucketTargetSchema).min(1),
    event: z.record(z.string(), z.unknown()),
  })
  .strict();

export type WireEvent = z.infer<typeof wireEventSchema>;

/** Body of `POST /v1/rampart/events` (JSON, optionally `Content-Encoding: gzip`). */
export const eventBatchSchema = z
  .object({
    events: z.array(wireEventSchema).max(MAX_EVENTS_PER_BATCH),
  })
  .strict();

export type EventBatch = z.infer<typeof eventBatchSchema>;

/** Answer of `POST /v1/rampart/events`: sent only once every overflow is stored as an alert. */
export interface EventBatchResult {
  /** Events poured now. */
  accepted: number;
  /** Events whose id had already been ingested (retries): not poured again. */
  duplicates: number;
  /** Bucket overflows the batch caused (including those postoverflows whitelisted). */
  overflows: number;
  /** Ids of the alerts created from them (`POST /v1/alerts` path, profiles applied). */
  alerts: string[];
}

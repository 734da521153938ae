import { z } from "zod";
import type { QueuedEvent } from "../../engine/buckets/queued-event";

/**
 * The shape of the bucket engine's `QueuedEvent` as the wire carries it (`WireEvent.event`). The
 * wire schema keeps it an open record; the Worker checks it here before anything is poured, so a
 * malformed event is a 400 for the whole batch instead of a crash inside a bucket object.
 */

const strings = z.record(z.string(), z.string());

/** ISO time text, or "" for Go's zero time (what `snapshotEvent` writes). */
const isoTime = z
  .string()
  .refine((t) => t === "" || !Number.isNaN(Date.parse(t)), "not an ISO time");

const alertSource = z
  .object({
    AsName: z.string(),
    AsNumber: z.string(),
    Cn: z.string(),
    IP: z.string(),
    Latitude: z.number(),
    Longitude: z.number(),
    Range: z.string(),
    Scope: z.string(),
    Value: z.string(),
  })
  .passthrough();

export const queuedEventSchema = z.object({
  Type: z.union([z.literal(0), z.literal(1)]),
  ExpectMode: z.union([z.literal(0), z.literal(1)]),
  Whitelisted: z.boolean(),
  Stage: z.string(),
  Line: z.object({
    Raw: z.string(),
    Src: z.string(),
    Time: isoTime,
    Labels: strings,
    Module: z.string(),
  }),
  Parsed: strings,
  Enriched: strings,
  Meta: strings,
  Time: isoTime,
  StrTime: z.string(),
  MarshaledTime: z.string(),
  Overflow: z
    .object({
      Sources: z.record(z.string(), alertSource),
      Alert: z.record(z.string(), z.unknown()).nullable(),
    })
    .nullable(),
});

/** Validates one wire event body; the message names the first bad field. */
export function parseQueuedEvent(
  value: unknown,
): { ok: true; event: QueuedEvent } | { ok: false; message: string } {
  const r = queuedEventSchema.safeParse(value);
  if (r.success) return { ok: true, event: r.data as QueuedEvent };
  const issue = r.error.issues[0]!;
  return { ok: false, message: `${issue.path.join(".") || "event"}: ${issue.message}` };
}

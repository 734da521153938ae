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

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Own keys of `v`, each a string value (`strings` above, without copying). */
function isStringMap(v: unknown): boolean {
  if (!isRecord(v)) return false;
  for (const k in v) if (typeof v[k] !== "string") return false;
  return true;
}

const isIsoTime = (v: unknown) =>
  typeof v === "string" && (v === "" || !Number.isNaN(Date.parse(v)));

/** The keys `queuedEventSchema` keeps; the fast path takes only objects with exactly these. */
const EVENT_KEYS = Object.keys(queuedEventSchema.shape);
const LINE_KEYS = ["Raw", "Src", "Time", "Labels", "Module"];

/** Exactly these keys (zod would strip any other, so such an object takes the zod path). */
function hasKeys(v: Record<string, unknown>, keys: readonly string[]): boolean {
  let n = 0;
  for (const k in v) {
    if (!Object.hasOwn(v, k)) return false;
    n++;
  }
  return n === keys.length && keys.every((k) => Object.hasOwn(v, k));
}

/**
 * What `queuedEventSchema` accepts unchanged, checked without building a copy: a log event
 * (`Overflow: null`) as every agent sends it. Anything else — an overflow event, extra keys, a
 * bad field — goes through zod, which copies, strips and names the bad field.
 */
function isPlainLogEvent(v: unknown): v is QueuedEvent {
  if (!isRecord(v) || !hasKeys(v, EVENT_KEYS)) return false;
  const line = v.Line;
  return (
    (v.Type === 0 || v.Type === 1) &&
    (v.ExpectMode === 0 || v.ExpectMode === 1) &&
    typeof v.Whitelisted === "boolean" &&
    typeof v.Stage === "string" &&
    isRecord(line) &&
    hasKeys(line, LINE_KEYS) &&
    typeof line.Raw === "string" &&
    typeof line.Src === "string" &&
    isIsoTime(line.Time) &&
    isStringMap(line.Labels) &&
    typeof line.Module === "string" &&
    isStringMap(v.Parsed) &&
    isStringMap(v.Enriched) &&
    isStringMap(v.Meta) &&
    isIsoTime(v.Time) &&
    typeof v.StrTime === "string" &&
    typeof v.MarshaledTime === "string" &&
    v.Overflow === null
  );
}

/**
 * Validates one wire event body; the message names the first bad field. A well-formed log event
 * is returned as is (zod's copy of every map cost more than a tenth of a batch's CPU time).
 */
export function parseQueuedEvent(
  value: unknown,
): { ok: true; event: QueuedEvent } | { ok: false; message: string } {
  if (isPlainLogEvent(value)) return { ok: true, event: value };
  const r = queuedEventSchema.safeParse(value);
  if (r.success) return { ok: true, event: r.data as QueuedEvent };
  const issue = r.error.issues[0]!;
  return { ok: false, message: `${issue.path.join(".") || "event"}: ${issue.message}` };
}

import { type AlertSource, type OverflowAlert, PipelineEvent, stringMap } from "../event.js";

/**
 * An event as a bucket keeps it in its queue: plain, serialisable data (a Durable Object persists
 * bucket states), with what alerts and queue-reading expressions need. Immutable once made, so
 * one snapshot is shared by every instance the event is poured into.
 */
export interface QueuedEvent {
  Type: number;
  ExpectMode: number;
  Whitelisted: boolean;
  Stage: string;
  Line: { Raw: string; Src: string; Time: string; Labels: Record<string, string>; Module: string };
  Parsed: Record<string, string>;
  Enriched: Record<string, string>;
  Meta: Record<string, string>;
  /** `evt.Time` as ISO text; "" for Go's zero time. */
  Time: string;
  StrTime: string;
  MarshaledTime: string;
  /** OVFLW events (reprocess): the alert and sources the overflow carried. */
  Overflow: { Sources: Record<string, AlertSource>; Alert: OverflowAlert | null } | null;
}

/** Alerts and sources are plain data (no methods survive a Durable Object's storage either). */
const plainCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const iso = (d: Date): string => (d.getTime() === 0 ? "" : d.toISOString());

/** Copies the parts of `evt` a bucket needs into plain data. */
export function snapshotEvent(evt: PipelineEvent): QueuedEvent {
  return {
    Type: evt.Type,
    ExpectMode: evt.ExpectMode,
    Whitelisted: evt.Whitelisted,
    Stage: evt.Stage,
    Line: {
      Raw: evt.Line.Raw,
      Src: evt.Line.Src,
      Time: iso(evt.Line.Time),
      Labels: { ...evt.Line.Labels },
      Module: evt.Line.Module,
    },
    Parsed: { ...evt.Parsed },
    Enriched: { ...evt.Enriched },
    Meta: { ...evt.Meta },
    Time: iso(evt.Time),
    StrTime: evt.StrTime,
    MarshaledTime: evt.MarshaledTime,
    Overflow:
      evt.Type === 1
        ? { Sources: plainCopy(evt.Overflow.Sources), Alert: plainCopy(evt.Overflow.Alert) }
        : null,
  };
}

/** Rebuilds an event expressions can read (`evt.GetMeta`, missing keys as "") from a snapshot. */
export function reviveEvent(q: QueuedEvent): PipelineEvent {
  const evt = new PipelineEvent({
    Type: q.Type,
    ExpectMode: q.ExpectMode,
    Time: new Date(q.Time === "" ? 0 : q.Time),
    Line: {
      Raw: q.Line.Raw,
      Src: q.Line.Src,
      Time: new Date(q.Line.Time === "" ? 0 : q.Line.Time),
      Labels: q.Line.Labels,
      Module: q.Line.Module,
    },
  });
  evt.Whitelisted = q.Whitelisted;
  evt.Stage = q.Stage;
  evt.Parsed = stringMap(q.Parsed);
  evt.Enriched = stringMap(q.Enriched);
  evt.Meta = stringMap(q.Meta);
  evt.StrTime = q.StrTime;
  evt.MarshaledTime = q.MarshaledTime;
  evt.Process = true;
  if (q.Overflow) {
    evt.Overflow.Sources = q.Overflow.Sources;
    evt.Overflow.Alert = q.Overflow.Alert;
    evt.Overflow.APIAlerts = q.Overflow.Alert ? [q.Overflow.Alert] : [];
  }
  return evt;
}

/**
 * CrowdSec's `types.Event` (1.4.6 `pkg/types/event.go`) with Go field names, so that hub
 * expressions such as `evt.Line.Labels.type`, `evt.Meta.source_ip` or `evt.GetType()` run unchanged.
 * Maps are objects whose prototype carries their Go zero value (`withZeroValue`), so a missing
 * key reads as `""` in expressions; `Overflow.Alert` is `null` on LOG events, as the nil
 * `*models.Alert` pointer is in Go.
 */

import { withZeroValue } from "./expr/index.js";

/**
 * Prototypes carrying the Go zero value of CrowdSec's maps for the expression engine (a missing
 * key of a `map[string]string` reads as ""). Sharing one marked prototype is much cheaper than
 * marking every map of every event; the prototype has no other properties (null-based), so no
 * inherited key can shadow a missing one.
 */
const STRING_MAP: object = withZeroValue(Object.create(null), "");
const ANY_MAP: object = withZeroValue(Object.create(null), null);

/** A new Go `map[string]string` (optionally filled from `init`). */
export function stringMap(init?: Record<string, string>): Record<string, string> {
  const map = Object.create(STRING_MAP) as Record<string, string>;
  if (init) Object.assign(map, init);
  return map;
}

/** `Event.Type` values. */
export const EventType = { LOG: 0, OVFLW: 1 } as const;

/** `Event.ExpectMode` values: LIVE (tail) or TIMEMACHINE (replay, `-dsn`). */
export const ExpectMode = { LIVE: 0, TIMEMACHINE: 1 } as const;

/** `types.Line`: what acquisition produced. */
export interface Line {
  Raw: string;
  Src: string;
  Time: Date;
  Labels: Record<string, string>;
  Process: boolean;
  Module: string;
}

/** `models.Source` as expressions see it on overflow events. */
export interface AlertSource {
  AsName: string;
  AsNumber: string;
  Cn: string;
  IP: string;
  Latitude: number;
  Longitude: number;
  Range: string;
  Scope: string;
  Value: string;
}

/** The subset of `models.Alert` that postoverflow expressions read. */
export interface OverflowAlert {
  Scenario: string;
  Remediation: boolean;
  Source: AlertSource | null;
  Events: { Timestamp: string; Meta: { Key: string; Value: string }[] }[];
  [key: string]: unknown;
}

/** `types.RuntimeAlert`: only meaningful on OVFLW events. */
export interface RuntimeAlert {
  Mapkey: string;
  BucketId: string;
  Whitelisted: boolean;
  Reprocess: boolean;
  Sources: Record<string, AlertSource>;
  Alert: OverflowAlert | null;
  APIAlerts: OverflowAlert[];
  /** 1.4.6 `RuntimeAlert.GetSources`: the keys of `Sources` (Go map order is unspecified). */
  GetSources(): string[];
}

/** The fields a caller may provide when creating an event; everything else gets Go zero values. */
export interface EventInit {
  Type?: number;
  ExpectMode?: number;
  Line?: Partial<Line>;
  Time?: Date;
}

/**
 * The event flowing through parsers, buckets and postoverflows. A class (not a plain object) so
 * that the Go methods hub expressions call (`evt.GetType()`, `evt.GetMeta(k)`) live on the
 * prototype.
 */
export class PipelineEvent {
  Type: number;
  ExpectMode: number;
  Whitelisted = false;
  WhitelistReason = "";
  Stage = "";
  Line: Line;
  Parsed: Record<string, string> = stringMap();
  Enriched: Record<string, string> = stringMap();
  /** HEAD-only `Unmarshaled` map, filled by the `UnmarshalJSON` enricher. */
  Unmarshaled: Record<string, unknown> = Object.create(ANY_MAP);
  Overflow: RuntimeAlert;
  /** Zero time (epoch 0 here) until the parser sets it to now; `isZeroTime` tells them apart. */
  Time: Date;
  StrTime = "";
  StrTimeFormat = "";
  MarshaledTime = "";
  Process = false;
  Meta: Record<string, string> = stringMap();

  constructor(init: EventInit = {}) {
    this.Type = init.Type ?? EventType.LOG;
    this.ExpectMode = init.ExpectMode ?? ExpectMode.LIVE;
    this.Time = init.Time ?? new Date(0);
    this.Line = {
      Raw: "",
      Src: "",
      Time: new Date(0),
      Process: false,
      Module: "",
      ...init.Line,
      // Go's map[string]string: a missing label reads as "".
      Labels: stringMap(init.Line?.Labels),
    };
    this.Overflow = {
      Mapkey: "",
      BucketId: "",
      Whitelisted: false,
      Reprocess: false,
      Sources: {},
      Alert: null,
      APIAlerts: [],
      GetSources() {
        return Object.keys(this.Sources);
      },
    };
  }

  /** `"log"` or `"overflow"`, like 1.4.6 `Event.GetType` (anything else logs an error in Go). */
  GetType(): string {
    if (this.Type === EventType.OVFLW) return "overflow";
    if (this.Type === EventType.LOG) return "log";
    return "";
  }

  /**
   * LOG: `Meta[key]`. OVFLW: the first non-empty value of `key` among the alert's events, as
   * 1.4.6 `Event.GetMeta` walks `Overflow.Alert.Events[].Meta`.
   */
  GetMeta(key: string): string {
    if (this.Type === EventType.OVFLW) {
      for (const event of this.Overflow.Alert?.Events ?? []) {
        for (const meta of event.Meta) {
          if (meta.Key === key && meta.Value !== "") return meta.Value;
        }
      }
      return "";
    }
    return this.Meta[key] ?? "";
  }

  /** HEAD `Event.SetMeta`: sets `Meta[key]` and returns true (filters use it in a ternary). */
  SetMeta(key: string, value: string): boolean {
    this.Meta[key] = value;
    return true;
  }

  /** HEAD `Event.SetParsed`: sets `Parsed[key]` and returns true. */
  SetParsed(key: string, value: string): boolean {
    this.Parsed[key] = value;
    return true;
  }
}

/** Creates a LOG event for one acquired line. */
export function newLogEvent(
  line: Partial<Line>,
  expectMode: number = ExpectMode.LIVE,
): PipelineEvent {
  return new PipelineEvent({ Type: EventType.LOG, ExpectMode: expectMode, Line: line });
}

/** True for Go's zero `time.Time`, which this port represents as the epoch. */
export function isZeroTime(time: Date): boolean {
  return time.getTime() === 0;
}

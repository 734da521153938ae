import { ExpectMode, type PipelineEvent } from "../event.js";
import {
  addYears,
  compileLayout,
  type GoLayout,
  goParseLayout,
  isGoZero,
  marshalNow,
  marshalText,
  toEpochMillis,
} from "./go-time.js";

/**
 * The layouts HEAD `GenDateParse` tries, in order (`pkg/parser/enrich_date.go`): 1.4.6's fifteen
 * plus ISO 8601 without a zone (`2006-01-02T15:04:05`, read as UTC). Kept as data so a reviewer
 * can diff it against CrowdSec.
 */
export const DATE_LAYOUTS = [
  "2006-01-02T15:04:05Z07:00", // time.RFC3339
  "02/Jan/2006:15:04:05 -0700",
  "Mon Jan 2 15:04:05 2006",
  "02-Jan-2006 15:04:05 europe/paris",
  "01/02/2006 15:04:05",
  "2006-01-02 15:04:05.999999999 -0700 MST",
  "Jan  2 15:04:05",
  "Mon Jan 02 15:04:05.000000 2006",
  "2006-01-02T15:04:05Z07:00",
  "2006/01/02",
  "2006/01/02 15:04",
  "2006-01-02",
  "2006-01-02 15:04",
  "2006/01/02 15:04:05",
  "2006-01-02 15:04:05",
  "2006-01-02T15:04:05",
] as const;

const PREPARED_LAYOUTS: readonly GoLayout[] = DATE_LAYOUTS.map(compileLayout);

/** A parsed date: its `MarshaledTime` text and the instant (epoch ms) for `evt.Time`. */
interface ParsedDate {
  text: string;
  ms: number;
}

function parseWithLayout(layout: GoLayout, value: string, now: Date): ParsedDate | null {
  let parsed = goParseLayout(layout, value);
  if (parsed === null || isGoZero(parsed)) return null;
  if (parsed.year === 0) parsed = addYears(parsed, now.getUTCFullYear());
  const text = marshalText(parsed);
  return text === null ? null : { text, ms: toEpochMillis(parsed) };
}

function genParse(value: string, now: Date): ParsedDate | null {
  for (const layout of PREPARED_LAYOUTS) {
    const out = parseWithLayout(layout, value, now);
    if (out !== null) return out;
  }
  return null;
}

/**
 * `parseDateWithFormat`: Go `time.Parse`; a year-less result (year 0) gets the current year
 * added; the result is Go's `MarshalText` (RFC3339Nano with the parsed offset). "" on failure.
 */
export function parseDateWithLayout(layout: string | GoLayout, value: string, now: Date): string {
  const prepared = typeof layout === "string" ? compileLayout(layout) : layout;
  return parseWithLayout(prepared, value, now)?.text ?? "";
}

/** `GenDateParse`: the first layout that parses wins; "" when none does. */
export function genDateParse(value: string, now: Date): string {
  return genParse(value, now)?.text ?? "";
}

const INT64_MAX = 9223372036854775807n;

/**
 * HEAD `exprhelpers.ParseUnixTime` as `ParseDate` uses it: the text before the first `.` must be
 * a Go `ParseInt` integer > 0 (so `1690466804.2161960.0` is 1690466804 s; a fraction is dropped,
 * not read as milliseconds), and the result is `Format(time.RFC3339)` — whole seconds, no
 * fraction. Go formats in the process's local zone; here always UTC (what CrowdSec's containers
 * run in). Seconds beyond what a JS Date holds (year 275760) are not a timestamp here, where Go
 * would print a six-digit year.
 */
export function parseUnixDate(value: string): ParsedDate | null {
  const head = value.split(".")[0]!;
  if (!/^[+-]?\d+$/.test(head)) return null;
  const seconds = BigInt(head);
  if (seconds <= 0n || seconds > INT64_MAX) return null;
  const ms = Number(seconds) * 1000;
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return null;
  const p2 = (n: number) => String(n).padStart(2, "0");
  const text = `${String(date.getUTCFullYear()).padStart(4, "0")}-${p2(date.getUTCMonth() + 1)}-${p2(date.getUTCDate())}T${p2(date.getUTCHours())}:${p2(date.getUTCMinutes())}:${p2(date.getUTCSeconds())}Z`;
  return { text, ms };
}

/**
 * The `ParseDate` enricher (HEAD `ParseDate`): tries `evt.StrTimeFormat` first, then the fixed
 * layouts, then a unix epoch in seconds, and falls back to the current time (UTC) when nothing
 * parses — CrowdSec never leaves MarshaledTime empty. A parsed date also becomes `evt.Time` for a
 * TIMEMACHINE event (replays); LIVE events keep their acquisition time.
 */
export function parseDateEnricher(now: () => Date) {
  // Consecutive log lines often share their timestamp: the last result is reused when the value,
  // the format and the current year are unchanged. "now" fallbacks are never reused.
  let last: { key: string; out: ParsedDate } | null = null;
  // `StrTimeFormat` layouts come from a handful of hub parsers; keep them prepared (bounded).
  const formats = new Map<string, GoLayout>();
  const formatLayout = (format: string): GoLayout => {
    let layout = formats.get(format);
    if (!layout) {
      if (formats.size >= 64) formats.clear();
      layout = compileLayout(format);
      formats.set(format, layout);
    }
    return layout;
  };
  const found = (out: ParsedDate, evt: PipelineEvent): Record<string, string> => {
    if (evt.ExpectMode === ExpectMode.TIMEMACHINE) evt.Time = new Date(out.ms);
    return { MarshaledTime: out.text };
  };
  return (value: string, evt: PipelineEvent): Record<string, string> => {
    const current = now();
    const key = `${current.getUTCFullYear()}\u0000${evt.StrTimeFormat}\u0000${value}`;
    if (last !== null && last.key === key) return found(last.out, evt);
    let out: ParsedDate | null = null;
    if (value !== "") {
      if (evt.StrTimeFormat !== "") {
        out = parseWithLayout(formatLayout(evt.StrTimeFormat), value, current);
      }
      out ??= genParse(value, current) ?? parseUnixDate(value);
    }
    if (out === null) return { MarshaledTime: marshalNow(current) };
    last = { key, out };
    return found(out, evt);
  };
}

import type { PipelineEvent } from "../event.js";
import {
  addYears,
  compileLayout,
  type GoLayout,
  goParseLayout,
  isGoZero,
  marshalNow,
  marshalText,
} from "./go-time.js";

/**
 * The layouts 1.4.6 `GenDateParse` tries, in order (`pkg/parser/enrich_date.go`). Kept as data so
 * a reviewer can diff it against CrowdSec.
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
] as const;

const PREPARED_LAYOUTS: readonly GoLayout[] = DATE_LAYOUTS.map(compileLayout);

/**
 * 1.4.6 `parseDateWithFormat`: Go `time.Parse`; a year-less result (year 0) gets the current
 * year added; the result is Go's `MarshalText` (RFC3339Nano with the parsed offset). "" on failure.
 */
export function parseDateWithLayout(layout: string | GoLayout, value: string, now: Date): string {
  const prepared = typeof layout === "string" ? compileLayout(layout) : layout;
  let parsed = goParseLayout(prepared, value);
  if (parsed === null || isGoZero(parsed)) return "";
  if (parsed.year === 0) parsed = addYears(parsed, now.getUTCFullYear());
  return marshalText(parsed) ?? "";
}

/** 1.4.6 `GenDateParse`: the first layout that parses wins; "" when none does. */
export function genDateParse(value: string, now: Date): string {
  for (const layout of PREPARED_LAYOUTS) {
    const out = parseDateWithLayout(layout, value, now);
    if (out !== "") return out;
  }
  return "";
}

/**
 * The `ParseDate` enricher: tries `evt.StrTimeFormat` first, then the fixed layouts, and falls
 * back to the current time (UTC) when nothing parses — CrowdSec never leaves MarshaledTime empty.
 */
export function parseDateEnricher(now: () => Date) {
  // Consecutive log lines often share their timestamp: the last result is reused when the value,
  // the format and the current year are unchanged. "now" fallbacks are never reused.
  let last: { key: string; out: string } | null = null;
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
  return (value: string, evt: PipelineEvent): Record<string, string> => {
    const current = now();
    const key = `${current.getUTCFullYear()}\u0000${evt.StrTimeFormat}\u0000${value}`;
    if (last !== null && last.key === key) return { MarshaledTime: last.out };
    let out = "";
    if (evt.StrTimeFormat !== "") {
      out = parseDateWithLayout(formatLayout(evt.StrTimeFormat), value, current);
    }
    if (out === "") out = genDateParse(value, current);
    if (out === "") return { MarshaledTime: marshalNow(current) };
    last = { key, out };
    return { MarshaledTime: out };
  };
}

import type { PipelineEvent } from "../event.js";
import { addYears, goParse, isGoZero, marshalNow, marshalText } from "./go-time.js";

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

/**
 * 1.4.6 `parseDateWithFormat`: Go `time.Parse`; a year-less result (year 0) gets the current
 * year added; the result is Go's `MarshalText` (RFC3339Nano with the parsed offset). "" on failure.
 */
export function parseDateWithLayout(layout: string, value: string, now: Date): string {
  let parsed = goParse(layout, value);
  if (parsed === null || isGoZero(parsed)) return "";
  if (parsed.year === 0) parsed = addYears(parsed, now.getUTCFullYear());
  return marshalText(parsed) ?? "";
}

/** 1.4.6 `GenDateParse`: the first layout that parses wins; "" when none does. */
export function genDateParse(value: string, now: Date): string {
  for (const layout of DATE_LAYOUTS) {
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
  // Consecutive log lines share timestamps (many lines per second), so parsed results are cached
  // per (format, value, current year). Bounded: cleared when full. "now" fallbacks are not cached.
  const cache = new Map<string, string>();
  return (value: string, evt: PipelineEvent): Record<string, string> => {
    const current = now();
    const key = `${current.getUTCFullYear()}\u0000${evt.StrTimeFormat}\u0000${value}`;
    const cached = cache.get(key);
    if (cached !== undefined) return { MarshaledTime: cached };
    let out = "";
    if (evt.StrTimeFormat !== "") out = parseDateWithLayout(evt.StrTimeFormat, value, current);
    if (out === "") out = genDateParse(value, current);
    if (out === "") return { MarshaledTime: marshalNow(current) };
    if (cache.size >= DATE_CACHE_SIZE) cache.clear();
    cache.set(key, out);
    return { MarshaledTime: out };
  };
}

const DATE_CACHE_SIZE = 4096;

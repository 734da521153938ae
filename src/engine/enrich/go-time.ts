/**
 * A port of the parts of Go's `time.Parse` / `Time.MarshalText` that CrowdSec's `ParseDate`
 * enricher depends on (Go 1.19 `time/format.go`): reference-date layouts (`2006-01-02 15:04:05`),
 * the "a space in the layout matches one or more spaces" rule, fractional seconds accepted after
 * `05` even when the layout has none, case-insensitive month/day names, numeric and named zones
 * (unknown names get a zero offset), and RFC3339Nano output that keeps the parsed offset.
 * The process' local zone is taken to be UTC, as in CrowdSec's Debian/Docker deployments.
 */

import { GO_MONTHS, GO_WEEKDAYS } from "../../shared/go-calendar.js";
import { type Chunk, compileLayout, type GoLayout } from "./go-layout.js";

export { compileLayout, type GoLayout } from "./go-layout.js";
export { addYears, isGoZero, marshalNow, marshalText, toEpochMillis } from "./go-time-format.js";

/** A wall-clock time plus the zone offset it was written in. */
export interface GoTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanosecond: number;
  /** Offset east of UTC in seconds. */
  offset: number;
}

const LONG_MONTHS: readonly string[] = GO_MONTHS;
const SHORT_MONTHS = LONG_MONTHS.map((m) => m.slice(0, 3));
const LONG_DAYS: readonly string[] = GO_WEEKDAYS;
const SHORT_DAYS = LONG_DAYS.map((d) => d.slice(0, 3));

const isDigit = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
};

/**
 * Parse failures are thrown as this class, created without a stack trace: ParseDate tries up to
 * 15 layouts per event, and capturing a stack for each failed attempt dominated its cost.
 */
class ParseError {
  constructor(readonly reason: string) {}
}

/** Go `getnum`: one or two digits; `fixed` requires two. */
function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigit(s, 0)) throw new ParseError("bad number");
  if (!isDigit(s, 1)) {
    if (fixed) throw new ParseError("bad number");
    return [s.charCodeAt(0) - 48, s.slice(1)];
  }
  return [(s.charCodeAt(0) - 48) * 10 + (s.charCodeAt(1) - 48), s.slice(2)];
}

/** Go `getnum3`: one to three digits. */
function getnum3(s: string, fixed: boolean): [number, string] {
  let n = 0;
  let i = 0;
  for (; i < 3 && isDigit(s, i); i++) n = n * 10 + s.charCodeAt(i) - 48;
  if (i === 0 || (fixed && i !== 3)) throw new ParseError("bad number");
  return [n, s.slice(i)];
}

/** Go `skip`: literal prefix match where a run of spaces matches one or more spaces. */
function skip(value: string, prefix: string): string {
  let v = 0;
  let p = 0;
  while (p < prefix.length) {
    if (prefix.charCodeAt(p) === 32) {
      if (v < value.length && value.charCodeAt(v) !== 32) throw new ParseError("bad value");
      while (p < prefix.length && prefix.charCodeAt(p) === 32) p++;
      while (v < value.length && value.charCodeAt(v) === 32) v++;
      continue;
    }
    if (v >= value.length || value.charCodeAt(v) !== prefix.charCodeAt(p)) {
      throw new ParseError("bad value");
    }
    v++;
    p++;
  }
  return v === 0 ? value : value.slice(v);
}

/** Case-insensitive ASCII name lookup (Go `lookup`); returns the index and the rest. */
function lookup(table: readonly string[], value: string): [number, string] {
  for (let i = 0; i < table.length; i++) {
    const name = table[i]!;
    if (value.length < name.length) continue;
    let j = 0;
    for (; j < name.length; j++) {
      // ASCII letters only: OR-ing 0x20 folds upper case onto lower case.
      if ((value.charCodeAt(j) | 0x20) !== (name.charCodeAt(j) | 0x20)) break;
    }
    if (j === name.length) return [i, value.slice(name.length)];
  }
  throw new ParseError("bad value for field");
}

function daysIn(month: number, year: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

const isLeap = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/** Go `parseTimeZone`: a zone abbreviation at the start of `value`; returns its length or 0. */
function zoneLength(value: string): number {
  if (value.length < 3) return 0;
  if (value.startsWith("ChST") || value.startsWith("MeST")) return 4;
  if (value.startsWith("GMT")) {
    let n = 3;
    if (value[3] === "+" || value[3] === "-") {
      n = 4;
      while (n < value.length && isDigit(value, n)) n++;
      if (n === 4) return 3;
    }
    return n;
  }
  if (value[0] === "+" || value[0] === "-") {
    if (/^[+-]\d\d(\d\d)?/.test(value)) return /^[+-]\d{4}/.test(value) ? 5 : 3;
    return 0;
  }
  let n = 0;
  while (n < value.length && value.charCodeAt(n) >= 65 && value.charCodeAt(n) <= 90) n++;
  if (n === 3 || n === 4 || n === 5) {
    if (n === 4 && value[3] !== "T") return 0;
    if (n === 5 && value[4] !== "T") return 0;
    return n;
  }
  return 0;
}

/** Layout elements whose value must start with a digit / a letter. */
const NUMERIC_FIRST = new Set([
  "2006",
  "06",
  "01",
  "02",
  "15",
  "03",
  "04",
  "05",
  "002",
  "1",
  "2",
  "3",
  "4",
  "5",
]);
const ALPHA_FIRST = new Set(["January", "Jan", "Monday", "Mon", "PM", "pm", "MST"]);

/**
 * Go `time.Parse(layout, value)`. Returns null on error (Go returns an error). Zone-less values
 * are UTC; a zone name other than UTC/GMT gets offset 0, as Go fabricates for unknown zones.
 */
export function goParse(layout: string, value: string): GoTime | null {
  return goParseLayout(compileLayout(layout), value);
}

/** `goParse` with a prepared layout (the hot path: ParseDate tries 15 of them per event). */
export function goParseLayout(layout: GoLayout, value: string): GoTime | null {
  const chunks = layout.chunks;
  // Cheap first-character rejection: ParseDate tries up to 15 layouts per event and most fail
  // on the very first character (a digit where a month name is expected, or the reverse).
  const first = chunks[0];
  if (first !== undefined && value.length > 0) {
    const digit = isDigit(value, 0);
    if ("std" in first) {
      if (NUMERIC_FIRST.has(first.std) && !digit) return null;
      if (ALPHA_FIRST.has(first.std) && digit) return null;
    } else if (first.literal[0] !== " " && value[0] !== first.literal[0]) return null;
  }
  try {
    return parseStrict(chunks, value);
  } catch (error) {
    if (error instanceof ParseError) return null;
    throw error;
  }
}

function parseStrict(chunks: readonly Chunk[], input: string): GoTime {
  let value = input;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanosecond = 0;
  let pmSet = false;
  let amSet = false;
  let offset: number | null = null;
  let zoneName = "";
  for (let ci = 0; ci < chunks.length; ci++) {
    const chunk = chunks[ci]!;
    if ("literal" in chunk) {
      value = skip(value, chunk.literal);
      continue;
    }
    const std = chunk.std;
    switch (std) {
      case "2006":
        if (value.length < 4 || !/^\d{4}/.test(value)) throw new ParseError("year");
        year = Number(value.slice(0, 4));
        value = value.slice(4);
        break;
      case "06": {
        if (value.length < 2 || !/^\d\d/.test(value)) throw new ParseError("year");
        const y = Number(value.slice(0, 2));
        year = y >= 69 ? y + 1900 : y + 2000;
        value = value.slice(2);
        break;
      }
      case "January":
        [month, value] = lookup(LONG_MONTHS, value);
        month++;
        break;
      case "Jan":
        [month, value] = lookup(SHORT_MONTHS, value);
        month++;
        break;
      case "01":
      case "1":
        [month, value] = getnum(value, std === "01");
        if (month <= 0 || month > 12) throw new ParseError("month");
        break;
      case "Monday":
        [, value] = lookup(LONG_DAYS, value);
        break;
      case "Mon":
        [, value] = lookup(SHORT_DAYS, value);
        break;
      case "02":
      case "_2":
      case "2":
        if (std === "_2" && value.length > 1 && value[0] === " ") value = value.slice(1);
        [day, value] = getnum(value, std === "02");
        break;
      case "002":
      case "__2":
        if (std === "__2") value = value.replace(/^ {1,2}/, "");
        [yday, value] = getnum3(value, std === "002");
        if (yday < 1 || yday > 366) throw new ParseError("day-of-year");
        break;
      case "15":
        [hour, value] = getnum(value, false);
        if (hour < 0 || hour >= 24) throw new ParseError("hour");
        break;
      case "03":
      case "3":
        [hour, value] = getnum(value, std === "03");
        if (hour < 0 || hour > 12) throw new ParseError("hour");
        break;
      case "04":
      case "4":
        [minute, value] = getnum(value, std === "04");
        if (minute < 0 || minute >= 60) throw new ParseError("minute");
        break;
      case "05":
      case "5": {
        [second, value] = getnum(value, std === "05");
        if (second < 0 || second >= 60) throw new ParseError("second");
        // A fractional second in the value but not in the layout is still accepted.
        const next = chunks[ci + 1];
        const nextIsFrac = next !== undefined && "std" in next && /^[.,]/.test(next.std);
        if (value.length >= 2 && (value[0] === "." || value[0] === ",") && isDigit(value, 1)) {
          if (nextIsFrac) break;
          let n = 2;
          while (n < value.length && isDigit(value, n)) n++;
          nanosecond = nanos(value.slice(1, n));
          value = value.slice(n);
        }
        break;
      }
      case "PM":
      case "pm": {
        const p = value.slice(0, 2);
        if (std === "PM" ? p === "PM" : p === "pm") pmSet = true;
        else if (std === "PM" ? p === "AM" : p === "am") amSet = true;
        else throw new ParseError("ampm");
        value = value.slice(2);
        break;
      }
      case "MST": {
        if (value.length >= 3 && value.startsWith("UTC")) {
          zoneName = "UTC";
          value = value.slice(3);
          break;
        }
        const n = zoneLength(value);
        if (n === 0) throw new ParseError("zone");
        zoneName = value.slice(0, n);
        value = value.slice(n);
        break;
      }
      default:
        if (std.startsWith("-") || std.startsWith("Z")) {
          if (std.startsWith("Z") && value.length >= 1 && value[0] === "Z") {
            value = value.slice(1);
            offset = 0;
            break;
          }
          const form = std.slice(1);
          const pattern =
            form === "07:00:00"
              ? /^([+-])(\d\d):(\d\d):(\d\d)/
              : form === "070000"
                ? /^([+-])(\d\d)(\d\d)(\d\d)/
                : form === "07:00"
                  ? /^([+-])(\d\d):(\d\d)/
                  : form === "0700"
                    ? /^([+-])(\d\d)(\d\d)/
                    : /^([+-])(\d\d)/;
          const m = pattern.exec(value);
          if (!m) throw new ParseError("zone offset");
          const h = Number(m[2]);
          const mi = Number(m[3] ?? "0");
          const s = Number(m[4] ?? "0");
          if (h > 24 || mi > 60 || s > 60) throw new ParseError("zone offset");
          offset = (h * 3600 + mi * 60 + s) * (m[1] === "-" ? -1 : 1);
          value = value.slice(m[0].length);
          break;
        }
        if (/^[.,](0+|9+)$/.test(std)) {
          if (std[1] === "0") {
            if (value.length < std.length || (value[0] !== "." && value[0] !== ",")) {
              throw new ParseError("fraction");
            }
            const frac = value.slice(1, std.length);
            if (!/^\d+$/.test(frac)) throw new ParseError("fraction");
            nanosecond = nanos(frac);
            value = value.slice(std.length);
          } else {
            if (value.length < 2 || (value[0] !== "." && value[0] !== ",") || !isDigit(value, 1)) {
              break;
            }
            let n = 1;
            while (n < 10 && isDigit(value, n)) n++;
            nanosecond = nanos(value.slice(1, n));
            value = value.slice(n);
          }
          break;
        }
        throw new ParseError(`unsupported layout element ${std}`);
    }
  }
  if (value.length > 0) throw new ParseError("extra text");
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    let m = 1;
    let d = yday;
    if (month >= 0 || day >= 0) throw new ParseError("day-of-year with month/day");
    while (m <= 12 && d > daysIn(m, year)) {
      d -= daysIn(m, year);
      m++;
    }
    if (m > 12) throw new ParseError("day-of-year");
    month = m;
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) throw new ParseError("day out of range");
  if (offset === null) {
    // A named zone: UTC (the local zone here) or unknown ⇒ offset 0; GMT+N is honoured.
    offset = 0;
    const gmt = /^GMT([+-]\d+)$/.exec(zoneName);
    if (gmt) offset = Number(gmt[1]) * 3600;
  }
  return { year, month, day, hour, minute, second, nanosecond, offset };
}

function nanos(digits: string): number {
  const d = digits.slice(0, 9).padEnd(9, "0");
  return Number(d);
}

import { GO_MONTHS } from "../../shared/go-calendar.js";
import { RuntimeFault } from "./errors.js";

/**
 * Go `time.Parse` for expr's `date()` builtin: a layout is written with Go's reference time
 * (`2006-01-02 15:04:05 -0700 MST`). Without a layout, expr v1.17 tries `2006-01-02`, `15:04:05`,
 * `2006-01-02 15:04:05`, RFC 3339, RFC 822, RFC 850 and RFC 1123 in turn. A third argument names
 * the zone of layouts without an offset (`UTC`, `Local`, or an IANA name).
 */
const DEFAULT_LAYOUTS = [
  "2006-01-02",
  "15:04:05",
  "2006-01-02 15:04:05",
  "2006-01-02T15:04:05Z07:00",
  "02 Jan 06 15:04 MST",
  "Monday, 02-Jan-06 15:04:05 MST",
  "Mon, 02 Jan 2006 15:04:05 MST",
];

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const LONG_MONTHS: readonly string[] = GO_MONTHS;
const DAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun";
const LONG_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday";

/** Layout elements, longest first so `January` wins over `Jan` and `2006` over `2`. */
const ELEMENTS: readonly [string, string][] = [
  ["January", `(${LONG_MONTHS.join("|")})`],
  ["Monday", `(?:${LONG_DAYS})`],
  ["Z07:00", "(Z|[+-]\\d\\d:\\d\\d)"],
  ["-07:00", "([+-]\\d\\d:\\d\\d)"],
  ["Z0700", "(Z|[+-]\\d{4})"],
  ["-0700", "([+-]\\d{4})"],
  ["2006", "(\\d{4})"],
  ["-07", "([+-]\\d\\d)"],
  ["Jan", `(${MONTHS.join("|")})`],
  ["Mon", `(?:${DAYS})`],
  ["MST", "([A-Z]{3,5}|[+-]\\d+)"],
  ["002", "(\\d{3})"],
  ["_2", "( ?\\d{1,2})"],
  ["01", "(\\d\\d)"],
  ["02", "(\\d\\d)"],
  ["03", "(\\d\\d)"],
  ["04", "(\\d\\d)"],
  ["05", "(\\d\\d)"],
  ["06", "(\\d\\d)"],
  ["15", "(\\d\\d?)"],
  ["PM", "(AM|PM)"],
  ["pm", "(am|pm)"],
  ["1", "(\\d\\d?)"],
  ["2", "(\\d\\d?)"],
  ["3", "(\\d\\d?)"],
  ["4", "(\\d\\d?)"],
  ["5", "(\\d\\d?)"],
];

interface Compiled {
  regex: RegExp;
  fields: string[];
}

function compileLayout(layout: string): Compiled {
  let pattern = "^";
  const fields: string[] = [];
  let i = 0;
  while (i < layout.length) {
    const fraction = /^[.,](0+|9+)/.exec(layout.slice(i));
    if (fraction && !/\d/.test(layout[i + fraction[0].length] ?? "")) {
      pattern += fraction[1]![0] === "0" ? `[.,](\\d{${fraction[1]!.length}})` : "(?:[.,](\\d+))?";
      fields.push("fraction");
      i += fraction[0].length;
      continue;
    }
    const element = ELEMENTS.find(([name]) => layout.startsWith(name, i));
    if (element) {
      pattern += element[1];
      if (!["Monday", "Mon"].includes(element[0])) fields.push(element[0]);
      i += element[0].length;
      continue;
    }
    pattern += layout[i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    i++;
  }
  return { regex: new RegExp(`${pattern}$`), fields };
}

/** Offset in minutes of `zone` at the given UTC instant (IANA names through `Intl`). */
function zoneOffset(zone: string, utc: number): number {
  if (zone === "UTC" || zone === "") return 0;
  if (zone === "Local") return -new Date(utc).getTimezoneOffset();
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
  } catch {
    throw new RuntimeFault(`unknown time zone ${zone}`);
  }
  const name = format.formatToParts(new Date(utc)).find((p) => p.type === "timeZoneName")?.value;
  const m = /GMT([+-])(\d\d):?(\d\d)?/.exec(name ?? "");
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : 0;
}

function parseWith(layout: string, value: string, zone: string): Date | null {
  const { regex, fields } = compileLayout(layout);
  const m = regex.exec(value);
  if (!m) return null;
  let year = 1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let millis = 0;
  let pm: boolean | null = null;
  let offset: number | null = null;
  fields.forEach((field, k) => {
    const text = m[k + 1];
    if (text === undefined) return;
    const n = Number(text.trim());
    switch (field) {
      case "2006":
        year = n;
        break;
      case "06":
        year = n + (n >= 69 ? 1900 : 2000);
        break;
      case "01":
      case "1":
        month = n;
        break;
      case "Jan":
        month = MONTHS.indexOf(text) + 1;
        break;
      case "January":
        month = LONG_MONTHS.indexOf(text) + 1;
        break;
      case "02":
      case "2":
      case "_2":
        day = n;
        break;
      case "002":
        month = 1;
        day = n;
        break;
      case "15":
      case "03":
      case "3":
        hour = n;
        break;
      case "04":
      case "4":
        minute = n;
        break;
      case "05":
      case "5":
        second = n;
        break;
      case "fraction":
        millis = Number(`0.${text}`) * 1000;
        break;
      case "PM":
      case "pm":
        pm = text.toUpperCase() === "PM";
        break;
      case "MST":
        if (text === "UTC" || text === "GMT") offset = 0;
        break;
      default: {
        // Numeric offsets: Z, ±hh, ±hhmm, ±hh:mm.
        if (text === "Z") offset = 0;
        else {
          const digits = text.slice(1).replace(":", "");
          const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
          offset = text[0] === "-" ? -minutes : minutes;
        }
      }
    }
  });
  if (pm !== null && hour <= 12) hour = (hour % 12) + (pm ? 12 : 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    throw new RuntimeFault(`parsing time ${JSON.stringify(value)}: value out of range`);
  }
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const date = new Date(local);
  date.setUTCFullYear(year);
  const minutes = offset ?? zoneOffset(zone, date.getTime());
  return new Date(date.getTime() - minutes * 60_000);
}

export function parseGoDate(value: string, layout?: string, zone?: string): Date {
  if (layout !== undefined) {
    const date = parseWith(layout, value, zone ?? "UTC");
    if (date) return date;
    throw new RuntimeFault(
      `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse`,
    );
  }
  for (const candidate of DEFAULT_LAYOUTS) {
    const date = parseWith(candidate, value, "UTC");
    if (date) return date;
  }
  throw new RuntimeFault(`invalid date ${value}`);
}

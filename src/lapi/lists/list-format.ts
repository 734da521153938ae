import { formatAddress, type IpRange, parseIpOrRange } from "../../shared/ip-range";
import type { MinPrefix } from "../../shared/min-prefix";

/**
 * The line formats of third-party lists, read strictly: every line is an entry, a comment, blank,
 * or a bad line that is counted and reported (a file with any bad line is rejected whole by the
 * sync, never half-applied).
 *
 * - `plain`: one IP (scope `ip`) or IP/CIDR (scope `range`) a line; `#` and `;` start a comment,
 *   at the start of a line or after the value (Spamhaus DROP's text form: `1.10.16.0/20 ; SBL…`).
 * - `cidr`: the same, but every value must be CIDR notation.
 * - `csv`: a header row naming a `value` column (or `ip`, `cidr`, `range`), then one row a value
 *   (RFC 4180 quoting; the header of `cscli decisions list -o raw` and of `decisions import`).
 * - `spamhaus-json`: Spamhaus's NDJSON (`{"cidr":"1.10.16.0/20","sblid":…,"rir":…}` a line) ended
 *   by a `{"type":"metadata",…,"records":N}` line whose count must match.
 */
export const LIST_FORMATS = ["plain", "cidr", "csv", "spamhaus-json"] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

export type ListScope = "Ip" | "Range";

/** One entry: the decision value (canonical text) and its block. */
export interface ListEntry {
  value: string;
  range: IpRange;
}

export interface BadLine {
  line: number;
  text: string;
  reason: string;
}

/** What a whole file gave. */
export interface ParseSummary {
  /** Entry lines read (before duplicate removal, which the database does). */
  entries: number;
  badLines: number;
  /** The first {@link MAX_EXAMPLES} bad lines. */
  examples: BadLine[];
}

export const MAX_EXAMPLES = 10;
const MAX_EXAMPLE_TEXT = 120;

/** A streaming reader of one file: feed it lines in order, then `finish`. */
export interface ListParser {
  line(text: string): void;
  finish(): ParseSummary;
}

/** The canonical value of a block for `scope`, or why it cannot be one. */
function entryOf(
  raw: string,
  scope: ListScope,
  min: MinPrefix,
  requireCidr: boolean,
): ListEntry | string {
  if (requireCidr && !raw.includes("/")) return "not a CIDR block";
  const range = parseIpOrRange(raw);
  if (!range) return raw.includes("/") ? "not a CIDR block" : "not an IP address";
  const full = range.size * 8;
  if (scope === "Ip") {
    if (range.prefix !== full) return "a range in a list of scope ip";
    return { value: formatAddress(range.start), range };
  }
  if (range.prefix < (range.size === 4 ? min.v4 : min.v6)) {
    return `wider than /${range.size === 4 ? min.v4 : min.v6} (MIN_DECISION_PREFIX)`;
  }
  return { value: `${formatAddress(range.start)}/${range.prefix}`, range };
}

/** Splits one CSV record (RFC 4180; a record spanning lines is not supported: bad line). */
export function splitCsv(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        field += line.slice(i, q);
        if (line[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(field);
      if (i === line.length) return out;
      if (line[i] !== ",") return null;
      i++;
    } else {
      const comma = line.indexOf(",", i);
      if (comma < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

const CSV_COLUMNS = ["value", "ip", "cidr", "range"];

/**
 * A parser for `format`/`scope`; `onEntry` receives each valid entry as its line is read.
 * `min` is the LAPI's MIN_DECISION_PREFIX: wider ranges are bad lines, as POST /v1/alerts
 * refuses them without `--force`.
 */
export function createListParser(
  format: ListFormat,
  scope: ListScope,
  min: MinPrefix,
  onEntry: (entry: ListEntry) => void,
): ListParser {
  let lineNo = 0;
  let entries = 0;
  let badLines = 0;
  const examples: BadLine[] = [];
  let csvColumn: number | null = null;
  let metadataRecords: number | null = null;
  let afterMetadata = false;

  const bad = (text: string, reason: string) => {
    badLines++;
    if (examples.length < MAX_EXAMPLES) {
      const shown = text.length > MAX_EXAMPLE_TEXT ? `${text.slice(0, MAX_EXAMPLE_TEXT)}…` : text;
      examples.push({ line: lineNo, text: shown, reason });
    }
  };
  const value = (text: string, raw: string) => {
    const e = entryOf(raw, scope, min, format === "cidr");
    if (typeof e === "string") bad(text, e);
    else {
      entries++;
      onEntry(e);
    }
  };

  const readLine = (text: string) => {
    const line = text.endsWith("\r") ? text.slice(0, -1) : text;
    const trimmed = line.trim();
    if (format === "plain" || format === "cidr") {
      const cut = trimmed.search(/[#;]/);
      const v = (cut < 0 ? trimmed : trimmed.slice(0, cut)).trim();
      if (v === "") return;
      if (/\s/.test(v)) return bad(line, "more than one value on the line");
      return value(line, v);
    }
    if (trimmed === "") return;
    if (format === "csv") {
      const fields = splitCsv(line);
      if (!fields) return bad(line, "malformed CSV quoting");
      if (csvColumn === null) {
        const names = fields.map((f) => f.trim().toLowerCase());
        const at = CSV_COLUMNS.map((c) => names.indexOf(c)).find((i) => i >= 0);
        if (at === undefined) return bad(line, `no ${CSV_COLUMNS.join("/")} column in the header`);
        csvColumn = at;
        return;
      }
      const v = fields[csvColumn];
      if (v === undefined) return bad(line, "missing the value column");
      return value(line, v.trim());
    }
    if (afterMetadata) return bad(line, "content after the metadata record");
    let record: unknown;
    try {
      record = JSON.parse(trimmed);
    } catch {
      return bad(line, "not a JSON object");
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      return bad(line, "not a JSON object");
    }
    const r = record as Record<string, unknown>;
    if (r.type === "metadata") {
      afterMetadata = true;
      if (typeof r.records !== "number") return bad(line, "metadata without a records count");
      metadataRecords = r.records;
      return;
    }
    if (typeof r.cidr !== "string") return bad(line, "no cidr field");
    return value(line, r.cidr.trim());
  };

  return {
    line(text) {
      lineNo++;
      readLine(text);
    },
    finish() {
      if (format === "csv" && csvColumn === null) bad("", "no header row");
      if (format === "spamhaus-json") {
        if (metadataRecords === null) bad("", "no metadata record (truncated file?)");
        else if (metadataRecords !== entries + badLines) {
          bad("", `metadata says ${metadataRecords} records, the file has ${entries + badLines}`);
        }
      }
      // An empty answer is far likelier a broken upstream than a list emptied on purpose.
      if (entries === 0 && badLines === 0) bad("", "no entries (empty file)");
      return { entries, badLines, examples };
    },
  };
}

/**
 * Splits a byte stream into lines (LF; a trailing CR is the parser's to drop) and feeds them to
 * `onLine`, awaiting it so that a consumer writing chunks to a database applies back-pressure.
 * More than `maxBytes` bytes is an error (the stream is cancelled).
 */
export async function forEachLine(
  body: ReadableStream<Uint8Array>,
  onLine: (line: string) => void | Promise<void>,
  maxBytes: number,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let rest = "";
  let bytes = 0;
  try {
    await readLines();
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }

  async function readLines() {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > maxBytes) throw new ListFileError(`larger than ${maxBytes} bytes`);
      rest += decoder.decode(value, { stream: true });
      let from = 0;
      for (let nl = rest.indexOf("\n"); nl >= 0; nl = rest.indexOf("\n", from)) {
        await onLine(rest.slice(from, nl));
        from = nl + 1;
      }
      rest = rest.slice(from);
    }
    rest += decoder.decode();
    if (rest !== "") await onLine(rest);
  }
}

/** The file cannot be read at all (too large, not UTF-8): the sync is rejected. */
export class ListFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ListFileError";
  }
}

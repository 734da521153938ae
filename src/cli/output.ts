/**
 * Rendering: commands collect data, then hand it to these helpers. cscli's three formats —
 * `human` (ASCII tables like cscli's tablewriter), `json` (one-space indent, as cscli's
 * `json.MarshalIndent(x, "", " ")`) and `raw` (CSV with a header row).
 */
import Table from "cli-table3";
import { stringify } from "yaml";
import { CliError, EXIT } from "./cli-error.js";

/** The `-o` values. */
export const OUTPUT_FORMATS = ["human", "json", "raw"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Where commands write; `color` is true only on a TTY (and without NO_COLOR / --no-color). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  color: boolean;
  /** Whether stderr is a terminal (progress bars only then). */
  interactive: boolean;
}

/** Parses `-o`. */
export function parseOutput(value: string | undefined): OutputFormat {
  const v = value ?? "human";
  if ((OUTPUT_FORMATS as readonly string[]).includes(v)) return v as OutputFormat;
  throw new CliError(`unknown output format '${v}' (expected human, json or raw)`, EXIT.usage);
}

/** cscli's tablewriter borders (`+`, `-`, `|`). */
const ASCII_BORDERS = {
  top: "-",
  "top-mid": "+",
  "top-left": "+",
  "top-right": "+",
  bottom: "-",
  "bottom-mid": "+",
  "bottom-left": "+",
  "bottom-right": "+",
  left: "|",
  "left-mid": "+",
  mid: "-",
  "mid-mid": "+",
  right: "|",
  "right-mid": "+",
  middle: "|",
};

/** An ASCII table in cscli's layout; headers coloured only when `color`. */
export function table(
  head: string[],
  rows: (string | number | boolean | null | undefined)[][],
  color: boolean,
): string {
  // Colours are applied here rather than by cli-table3, whose colour library guesses on its own.
  const t = new Table({
    head: head.map((h) => paint(color, "cyan", h)),
    style: { head: [], border: [], compact: true },
    chars: ASCII_BORDERS,
  });
  for (const row of rows)
    t.push(row.map((cell) => (cell === null || cell === undefined ? "" : String(cell))));
  return `${t.toString()}\n`;
}

/**
 * cscli's JSON: `json.MarshalIndent(x, "", " ")` for lists, two spaces for `alerts inspect`
 * (no trailing newline in 1.4.6; we add one).
 */
export function json(value: unknown, indent = 1): string {
  return `${JSON.stringify(value ?? null, null, indent)}\n`;
}

/** YAML for `-o raw` of single objects (cscli prints inspected items as YAML). */
export function yaml(value: unknown): string {
  return stringify(value);
}

function csvCell(cell: unknown): string {
  const text = cell === null || cell === undefined ? "" : String(cell);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV with a header row (Go's encoding/csv quoting). */
export function csv(head: string[], rows: unknown[][]): string {
  return `${[head, ...rows].map((row) => row.map(csvCell).join(",")).join("\n")}\n`;
}

const ANSI = { green: 32, red: 31, yellow: 33, cyan: 36, bold: 1 } as const;

/** Wraps `text` in an ANSI colour when `on`. */
export function paint(on: boolean, colour: keyof typeof ANSI, text: string): string {
  return on ? `\u001b[${ANSI[colour]}m${text}\u001b[0m` : text;
}

/**
 * `rampart decisions import`: decisions from a CSV/JSON/plain-values file, uploaded in chunks, each
 * chunk one alert carrying many decisions with origin `cscli-import` (as cscli 1.5+ does; the LAPI
 * stores alerts that arrive with decisions as they are, CrowdSec
 * pkg/apiserver/controllers/v1/alerts.go `CreateAlert`).
 */
import { readFileSync } from "node:fs";
import { SingleBar } from "cli-progress";
import { Command } from "commander";
import { CliError, EXIT } from "../cli-error.js";
import { checkCount, checkDuration, checkIp, checkRange, checkScope } from "../input-checks.js";
import type { NewAlert, NewDecision } from "../lapi-types.js";
import { examples, type LapiCommandDeps, outputOf } from "./context.js";

/** One decision of an import file; missing fields take the command-line defaults. */
export interface ImportRow {
  value?: string;
  duration?: string;
  scope?: string;
  reason?: string;
  type?: string;
}

/** Default decisions per alert (one `POST /v1/alerts` each). */
export const DEFAULT_BATCH = 1000;

/** Splits CSV text with quoted fields (RFC 4180, as Go's encoding/csv reads it). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      if (row.some((c) => c !== "")) rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  row.push(cell);
  if (row.some((c) => c !== "")) rows.push(row);
  return rows;
}

const FIELDS = ["value", "duration", "scope", "reason", "type"] as const;

/** Reads the rows of an import file in `format`. */
export function parseImport(text: string, format: "csv" | "json" | "values"): ImportRow[] {
  if (format === "values") {
    return text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((value) => ({ value }));
  }
  if (format === "json") {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new CliError(`invalid JSON: ${(error as Error).message}`, EXIT.usage);
    }
    if (!Array.isArray(data))
      throw new CliError("invalid JSON: expected an array of decisions", EXIT.usage);
    return data.map((item, i) => {
      if (!item || typeof item !== "object")
        throw new CliError(`item ${i}: not an object`, EXIT.usage);
      const row: ImportRow = {};
      for (const f of FIELDS) {
        const v = (item as Record<string, unknown>)[f];
        if (v !== undefined && v !== null) row[f] = String(v);
      }
      return row;
    });
  }
  const [head, ...body] = parseCsv(text);
  if (!head) return [];
  const columns = head.map((h) => h.trim().toLowerCase());
  if (!columns.includes("value"))
    throw new CliError("CSV header has no 'value' column", EXIT.usage);
  return body.map((cells) => {
    const row: ImportRow = {};
    columns.forEach((c, i) => {
      if ((FIELDS as readonly string[]).includes(c) && cells[i] !== undefined && cells[i] !== "") {
        row[c as (typeof FIELDS)[number]] = cells[i]!.trim();
      }
    });
    return row;
  });
}

/** Validated decisions from rows; the first bad row fails the whole import (nothing is sent). */
export function toDecisions(
  rows: ImportRow[],
  defaults: Required<Omit<ImportRow, "value">>,
): NewDecision[] {
  return rows.map((row, i) => {
    const where = `decision ${i + 1}`;
    if (!row.value) throw new CliError(`${where}: missing value`, EXIT.usage);
    let scope: string;
    let duration: string;
    try {
      scope = checkScope(row.scope ?? defaults.scope, true);
      if (scope === "Ip") checkIp(row.value);
      if (scope === "Range") checkRange(row.value);
      duration = checkDuration(row.duration ?? defaults.duration);
    } catch (error) {
      throw new CliError(`${where}: ${(error as Error).message}`, EXIT.usage);
    }
    return {
      duration,
      origin: "cscli-import",
      scenario: row.reason ?? defaults.reason,
      scope,
      type: row.type ?? defaults.type,
      value: row.value,
    };
  });
}

function guessFormat(file: string, given?: string): "csv" | "json" | "values" {
  const format =
    given ?? (file.endsWith(".json") ? "json" : file.endsWith(".csv") ? "csv" : "values");
  if (format !== "csv" && format !== "json" && format !== "values") {
    throw new CliError(`unknown format '${format}' (expected csv, json or values)`, EXIT.usage);
  }
  return format;
}

/** Dependencies of the import command beyond the LAPI ones. */
export interface ImportDeps extends LapiCommandDeps {
  readInput?: (file: string) => string;
}

function readInputFile(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch {
    throw new CliError(`cannot read '${file}': no such file or not readable`, EXIT.usage);
  }
}

/** `rampart decisions import`. */
export function makeDecisionsImportCommand(deps: ImportDeps): Command {
  const cmd = new Command("import")
    .description("Import decisions from a CSV, JSON or plain list of values (origin cscli-import)")
    .requiredOption("-i, --input <file>", "file to import ('-' for stdin)")
    .option("--format <format>", "csv, json or values (default: from the file extension)")
    .option("-d, --duration <duration>", "default duration", "4h")
    .option("--scope <scope>", "default scope", "Ip")
    .option("-R, --reason <reason>", "default reason", "manual")
    .option("-t, --type <type>", "default decision type", "ban")
    .option("--batch <n>", "decisions per uploaded alert", String(DEFAULT_BATCH))
    .action(async (o, command: Command) => {
      const batch = checkCount(o.batch, "--batch");
      if (batch === 0) throw new CliError("--batch must be at least 1", EXIT.usage);
      const text = (deps.readInput ?? readInputFile)(o.input);
      const rows = parseImport(text, guessFormat(o.input, o.format));
      const decisions = toDecisions(rows, {
        duration: o.duration,
        scope: o.scope,
        reason: o.reason,
        type: o.type,
      });
      if (decisions.length === 0)
        throw new CliError(`no decisions found in '${o.input}'`, EXIT.usage);
      const bar = deps.io.interactive
        ? new SingleBar({
            format: "Importing [{bar}] {value}/{total} decisions",
            stream: process.stderr,
          })
        : undefined;
      bar?.start(decisions.length, 0);
      const now = deps
        .now()
        .toISOString()
        .replace(/\.\d+Z$/, "Z");
      const alertIds: string[] = [];
      try {
        for (let start = 0; start < decisions.length; start += batch) {
          const chunk = decisions.slice(start, start + batch);
          const scenario = `import ${o.input}: ${chunk.length} IPs`;
          const alert: NewAlert = {
            capacity: 0,
            decisions: chunk,
            events: [],
            events_count: 1,
            leakspeed: "0",
            message: "",
            scenario,
            scenario_hash: "",
            scenario_version: "",
            simulated: false,
            source: { scope: "cscli/manual-import", value: o.input },
            start_at: now,
            stop_at: now,
          };
          alertIds.push(...(await deps.client.addAlerts([alert])));
          bar?.update(start + chunk.length);
        }
      } finally {
        bar?.stop();
      }
      const summary = { imported: decisions.length, alerts: alertIds.map(Number) };
      if (outputOf(command) === "json") deps.io.stdout(`${JSON.stringify(summary, null, 1)}\n`);
      else
        deps.io.stdout(`Imported ${decisions.length} decisions in ${alertIds.length} alert(s)\n`);
    });
  return examples(cmd, [
    "rampart decisions import -i bans.csv            # header: value,duration,scope,reason,type",
    'rampart decisions import -i bans.json           # [{"value":"1.2.3.4","duration":"24h"}]',
    "cat ips.txt | rampart decisions import -i - --format values -d 12h",
  ]);
}

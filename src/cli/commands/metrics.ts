/**
 * `rampart metrics`: cscli 1.4.6's metric tables over the samples of the agent's Prometheus
 * endpoint (acquisition, parsers) and of the LAPI's `GET /metrics` (routes, machines, bouncers,
 * decisions, alerts, and the buckets, which run in the LAPI). CrowdSec serves both from one
 * process; here they are two scrapes merged. `metrics show bouncers` sums the usage metrics
 * bouncers push (`POST /v1/usage-metrics`, read back from `GET /admin/v1/usage-metrics`).
 */
import { Command } from "commander";
import { parsePrometheusText, type Sample } from "../../shared/prometheus-text.js";
import { CliError } from "../cli-error.js";
import type { CliConfig } from "../config.js";
import type { LapiClient } from "../lapi-client.js";
import type { UsageMetricsRow } from "../lapi-types.js";
import { type FilledTable, fillTables, HUMAN_ORDER } from "../metrics/metric-tables.js";
import { type CliIo, table } from "../output.js";
import { examples, outputOf } from "./context.js";

/** Dependencies; `fetchText` is injectable for tests. */
export interface MetricsDeps {
  io: CliIo;
  client: LapiClient;
  config: () => Pick<CliConfig, "prometheusUrl">;
  fetchText?: (url: string) => Promise<string>;
}

interface UsageItem {
  name: string;
  unit: string;
  value: number;
  labels?: Record<string, string>;
}

/** One bouncer's usage totals: origin → "name (unit)" → value, and the first window start. */
export interface BouncerUsage {
  name: string;
  since: number | null;
  byOrigin: Map<string, Map<string, number>>;
}

/** Sums the stored remediation-component payloads per bouncer, origin and metric. */
export function bouncerUsage(rows: UsageMetricsRow[]): BouncerUsage[] {
  const out = new Map<string, BouncerUsage>();
  for (const r of rows) {
    if (r.generated_type !== "RC") continue;
    const entry = out.get(r.generated_by) ?? {
      name: r.generated_by,
      since: null,
      byOrigin: new Map(),
    };
    out.set(r.generated_by, entry);
    // Stored as CrowdSec stores it: `{"metrics": [{meta, items}], …}` per payload.
    const payload = r.payload as {
      metrics?:
        | {
            meta?: { utc_now_timestamp?: number; window_size_seconds?: number };
            items?: UsageItem[] | null;
          }[]
        | null;
    } | null;
    for (const m of payload?.metrics ?? []) {
      const start = (m?.meta?.utc_now_timestamp ?? 0) - (m?.meta?.window_size_seconds ?? 0);
      if (m?.meta?.utc_now_timestamp && (entry.since === null || start < entry.since)) {
        entry.since = start;
      }
      for (const item of m?.items ?? []) {
        const origin = item.labels?.origin ?? "";
        const column = `${item.name} (${item.unit})`;
        const cells = entry.byOrigin.get(origin) ?? new Map<string, number>();
        cells.set(column, (cells.get(column) ?? 0) + item.value);
        entry.byOrigin.set(origin, cells);
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Go's `json.MarshalIndent(v, "", " ")` of string-keyed maps (keys sorted, `<>&` escaped). */
export function goIndent(value: unknown, depth = 0): string {
  if (value === null || typeof value !== "object") {
    return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  }
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  if (entries.length === 0) return "{}";
  const pad = " ".repeat(depth + 1);
  const body = entries.map(([k, v]) => `${pad}${goIndent(k)}: ${goIndent(v, depth + 1)}`);
  return `{\n${body.join(",\n")}\n${" ".repeat(depth)}}`;
}

async function defaultFetchText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
}

function describeFailure(what: string, where: string, error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return `${what} metrics unavailable at ${where} (${cause ?? (error as Error).message})`;
}

function renderTables(tables: FilledTable[], color: boolean): string {
  let out = "";
  // cscli 1.4.6 prints "\n<title>:" before each table that has rows.
  const ordered = HUMAN_ORDER.map((name) => tables.find((t) => t.jsonName === name)!);
  for (const t of ordered) {
    if (t.rows.length > 0) out += `\n${t.title}:\n${table(t.head, t.rows, color)}`;
  }
  return out;
}

/** `rampart metrics`. */
export function makeMetricsCommand(deps: MetricsDeps): Command {
  const cmd = new Command("metrics")
    .description("Show the agent's and the LAPI's metrics as cscli metrics does")
    // cscli's `-u/--url`; here `--url` is the LAPI's (a global option).
    .option(
      "--agent-url <url>",
      "agent Prometheus endpoint (default prometheus_url or http://127.0.0.1:6060/metrics)",
    )
    .option("--no-lapi", "skip the LAPI's /metrics")
    .option("--no-agent", "skip the agent's Prometheus endpoint")
    .action(async (o, command: Command) => {
      const format = outputOf(command);
      const samples: Sample[] = [];
      const warnings: string[] = [];
      if (o.agent) {
        const url: string = o.agentUrl ?? deps.config().prometheusUrl;
        try {
          samples.push(...parsePrometheusText(await (deps.fetchText ?? defaultFetchText)(url)));
        } catch (error) {
          warnings.push(describeFailure("agent", url, error));
        }
      }
      if (o.lapi) {
        try {
          samples.push(...parsePrometheusText(await deps.client.prometheusMetrics()));
        } catch (error) {
          if (error instanceof CliError && !o.agent) throw error;
          warnings.push(`LAPI metrics unavailable: ${(error as Error).message}`);
        }
      }
      if (warnings.length > 0 && samples.length === 0 && (!o.agent || !o.lapi)) {
        throw new CliError(warnings.join("; "));
      }
      const tables = fillTables(samples);
      deps.io.stdout(
        format === "json"
          ? `${tables.map((t) => goIndent(t.json)).join("")}\n`
          : renderTables(tables, deps.io.color),
      );
      for (const w of warnings) deps.io.stderr(`warning: ${w}\n`);
    });

  cmd
    .command("show")
    .description("Show one group of metrics: bouncers (the usage metrics bouncers push)")
    .argument("<group>", "bouncers")
    .action(async (group: string, _o, sub: Command) => {
      if (group !== "bouncers") {
        throw new CliError(`unknown metrics group '${group}' (known: bouncers)`, 2);
      }
      const format = outputOf(sub);
      const usage = bouncerUsage(await deps.client.usageMetrics({ type: "RC", limit: "1000" }));
      if (format === "json") {
        const out: Record<string, unknown> = {};
        for (const b of usage) {
          out[b.name] = Object.fromEntries(
            [...b.byOrigin].map(([origin, cells]) => [origin, Object.fromEntries(cells)]),
          );
        }
        deps.io.stdout(`${goIndent(out)}\n`);
        return;
      }
      let text = "";
      for (const b of usage) {
        const columns = [...new Set([...b.byOrigin.values()].flatMap((c) => [...c.keys()]))].sort();
        const origins = [...b.byOrigin.keys()].sort();
        const rows = origins.map((origin) => [
          origin === "" ? "-" : origin,
          ...columns.map((c) => b.byOrigin.get(origin)!.get(c) ?? "-"),
        ]);
        rows.push([
          "Total",
          ...columns.map((c) =>
            origins.reduce((n, origin) => n + (b.byOrigin.get(origin)!.get(c) ?? 0), 0),
          ),
        ]);
        const since = b.since === null ? "" : ` since ${new Date(b.since * 1000).toISOString()}`;
        text += `\nBouncer Metrics (${b.name})${since}:\n${table(["Origin", ...columns], rows, deps.io.color)}`;
      }
      deps.io.stdout(text === "" ? "No bouncer metrics found.\n" : text);
    });

  return examples(cmd, [
    "rampart metrics",
    "rampart metrics --no-agent -o json",
    "rampart metrics --agent-url http://agent:6060/metrics --no-lapi",
    "rampart metrics show bouncers",
  ]);
}

/**
 * `rampart metrics`: the LAPI's stored usage metrics (what bouncers and agents push to
 * `POST /v1/usage-metrics`, read back from `GET /admin/v1/usage-metrics`) and the agent's
 * Prometheus figures, as cscli-style tables.
 */
import { Command } from "commander";
import { parsePrometheusText } from "../../shared/prometheus-text.js";
import { CliError } from "../cli-error.js";
import type { CliConfig } from "../config.js";
import type { LapiClient } from "../lapi-client.js";
import type { UsageMetricsRow } from "../lapi-types.js";
import { AGENT_TABLES, type FilledTable, fillTables } from "../metrics/metric-tables.js";
import { type CliIo, json, table } from "../output.js";
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

/** Totals per (component, metric, labels) over every stored payload window. */
export function usageTotals(rows: UsageMetricsRow[]): (string | number)[][] {
  const totals = new Map<string, { row: (string | number)[]; value: number }>();
  for (const r of rows) {
    // Stored as CrowdSec stores it: `{"metrics": [{meta, items}], "type"?}` per payload.
    const payload = r.payload as { metrics?: { items?: UsageItem[] | null }[] | null } | null;
    for (const m of payload?.metrics ?? []) {
      for (const item of m?.items ?? []) {
        const labels = Object.entries(item.labels ?? {})
          .sort()
          .map(([k, v]) => `${k}=${v}`)
          .join(",");
        const key = [r.generated_by, item.name, labels, item.unit].join("\u0000");
        const entry = totals.get(key) ?? {
          row: [r.generated_by, r.generated_type, item.name, labels, item.unit],
          value: 0,
        };
        entry.value += item.value;
        totals.set(key, entry);
      }
    }
  }
  return [...totals.values()].map(({ row, value }) => [...row.slice(0, 4), value, row[4]!]);
}

async function defaultFetchText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
}

/** `rampart metrics`. */
export function makeMetricsCommand(deps: MetricsDeps): Command {
  const cmd = new Command("metrics")
    .description("Show LAPI usage metrics and the agent's Prometheus metrics")
    .option(
      "--url <url>",
      "agent Prometheus endpoint (default prometheus_url or http://127.0.0.1:6060/metrics)",
    )
    .option("--no-lapi", "skip the LAPI usage metrics")
    .option("--no-agent", "skip the agent's Prometheus metrics")
    .action(async (o, command: Command) => {
      const format = outputOf(command);
      const usage = o.lapi ? usageTotals(await deps.client.usageMetrics({})) : [];
      let agent: FilledTable[] = [];
      let agentError: string | undefined;
      if (o.agent) {
        const url: string = o.url ?? deps.config().prometheusUrl;
        try {
          agent = fillTables(
            AGENT_TABLES,
            parsePrometheusText(await (deps.fetchText ?? defaultFetchText)(url)),
          );
        } catch (error) {
          const cause = (error as { cause?: { code?: string } }).cause?.code;
          agentError = `agent metrics unavailable at ${url} (${cause ?? (error as Error).message})`;
        }
      }
      if (o.lapi === false && agentError) throw new CliError(agentError);
      if (format === "json") {
        const tables = Object.fromEntries(
          agent.map((t) => [
            t.title,
            t.rows.map((r) => Object.fromEntries(t.head.map((h, i) => [h, r[i]]))),
          ]),
        );
        deps.io.stdout(
          json({
            usage: usage.map(([component, type, metric, labels, value, unit]) => ({
              component,
              type,
              metric,
              labels,
              value,
              unit,
            })),
            agent: agentError ? null : tables,
          }),
        );
        if (agentError) deps.io.stderr(`warning: ${agentError}\n`);
        return;
      }
      let out = "";
      if (o.lapi) {
        out += "Usage Metrics (pushed to the LAPI by bouncers and agents):\n";
        out +=
          usage.length === 0
            ? "  (none yet)\n"
            : table(
                ["Component", "Type", "Metric", "Labels", "Value", "Unit"],
                usage,
                deps.io.color,
              );
      }
      for (const t of agent) out += `${t.title}:\n${table(t.head, t.rows, deps.io.color)}`;
      deps.io.stdout(out);
      if (agentError) deps.io.stderr(`warning: ${agentError}\n`);
    });
  return examples(cmd, [
    "rampart metrics",
    "rampart metrics --no-agent -o json",
    "rampart metrics --url http://agent:6060/metrics --no-lapi",
  ]);
}

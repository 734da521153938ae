/**
 * `rampart alerts list|inspect|delete|flush` (cscli alerts). Flush has no database here, so it
 * deletes over the wire: `--max-age` with `DELETE /v1/alerts?created_before=`, `--max-items` by
 * deleting the oldest alerts one by one.
 */
import { Command } from "commander";
import { CliError, EXIT } from "../cli-error.js";
import { asCscliAlert } from "../cscli-model.js";
import { checkCount, checkDuration, checkId } from "../input-checks.js";
import type { Alert, Query } from "../lapi-types.js";
import { csv, json, type OutputFormat, table, yaml } from "../output.js";
import { examples, type LapiCommandDeps, outputOf } from "./context.js";
import { filterQuery } from "./decisions.js";

/** "ban:1 captcha:2" — decision counts per type, as cscli's alerts table shows them. */
function decisionSummary(alert: Alert): string {
  const counts = new Map<string, number>();
  for (const d of alert.decisions ?? []) counts.set(d.type, (counts.get(d.type) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${t}:${n}`).join(" ");
}

/** cscli 1.4.6 AlertsToTable (`machine`: `-m` adds the sending machine). */
export function renderAlerts(
  alerts: Alert[],
  format: OutputFormat,
  color: boolean,
  machine = false,
): string {
  if (format === "json") return json(alerts.length === 0 ? null : alerts.map(asCscliAlert));
  const as = (a: Alert) => [a.source.as_number, a.source.as_name].filter(Boolean).join(" ");
  const withMachine = <T>(cells: T[], extra: T) => (machine ? [...cells, extra] : cells);
  if (format === "raw") {
    return csv(
      withMachine(
        ["id", "scope", "value", "reason", "country", "as", "decisions", "created_at"],
        "machine",
      ),
      alerts.map((a) => {
        const cells: unknown[] = [a.id, a.source.scope, a.source.value, a.scenario];
        cells.push(a.source.cn ?? "", as(a), decisionSummary(a), a.created_at);
        return withMachine(cells, a.machine_id);
      }),
    );
  }
  if (alerts.length === 0) return "No active alerts\n";
  return table(
    withMachine(["ID", "value", "reason", "country", "as", "decisions", "created_at"], "machine"),
    alerts.map((a) => {
      const cells: (string | number)[] = [a.id, `${a.source.scope}:${a.source.value}`, a.scenario];
      cells.push(a.source.cn ?? "", as(a), decisionSummary(a), a.created_at);
      return withMachine(cells, a.machine_id);
    }),
    color,
  );
}

/** cscli 1.4.6 DisplayOneAlert. */
export function renderAlert(alert: Alert, details: boolean, color: boolean): string {
  const s = alert.source;
  const lines = [
    "",
    "################################################################################################",
    "",
    ` - ID         : ${alert.id}`,
    ` - Date       : ${alert.created_at}`,
    ` - Machine    : ${alert.machine_id}`,
    ` - Simulation : ${alert.simulated}`,
    ` - Reason     : ${alert.scenario}`,
    ` - Events Count : ${alert.events_count}`,
    ` - Scope:Value: ${s.scope}:${s.value}`,
    ` - Country    : ${s.cn ?? ""}`,
    ` - AS         : ${s.as_name ?? ""}`,
    ` - Begin      : ${alert.start_at}`,
    ` - End        : ${alert.stop_at}`,
    "",
    " - Active Decisions  :",
  ];
  let out = `${lines.join("\n")}\n`;
  out += table(
    ["ID", "scope:value", "action", "expiration", "created_at"],
    (alert.decisions ?? []).map((d) => [
      d.id,
      `${d.scope}:${d.value}`,
      d.type,
      d.duration,
      alert.created_at,
    ]),
    color,
  );
  if (details) {
    out += "\n - Events  :\n";
    for (const event of alert.events ?? []) {
      out += `\n- Date: ${event.timestamp}\n`;
      out += table(
        ["Key", "Value"],
        (event.meta ?? []).map((m) => [m.key ?? "", m.value ?? ""]),
        color,
      );
    }
  }
  return out;
}

function alertFilters(cmd: Command): Command {
  return cmd
    .option("--scope <scope>", "alerts of this source scope (Ip, Range…)")
    .option("-v, --value <value>", "alerts of this source value")
    .option("-s, --scenario <scenario>", "alerts from this scenario")
    .option("-i, --ip <ip>", "alerts whose decisions apply to this IP")
    .option("-r, --range <range>", "alerts whose decisions apply to this range")
    .option("--contained", "match decisions contained by the range instead of containing it");
}

function list(deps: LapiCommandDeps): Command {
  const cmd = alertFilters(
    new Command("list")
      .alias("ls")
      .description("List alerts")
      .option("-a, --all", "include alerts from the Central API and blocklists")
      .option("--since <duration>", "alerts started within this duration (e.g. 4h)")
      .option("--until <duration>", "alerts started before now minus this duration")
      .option("--type <type>", "alerts with a decision of this type")
      .option("--origin <origin>", "alerts with a decision of this origin")
      .option("-l, --limit <n>", "number of alerts to get (0 = all)", "50")
      .option("-m, --machine", "also show the machine that sent each alert"),
  ).action(async (o, command: Command) => {
    const query: Query = {
      include_capi: o.all ? "true" : "false",
      ...filterQuery(o),
      limit: String(checkCount(o.limit, "--limit")),
    };
    if (o.type) query.decision_type = o.type;
    if (o.since) query.since = checkDuration(o.since, "--since");
    if (o.until) query.until = checkDuration(o.until, "--until");
    const alerts = await deps.client.listAlerts(query);
    deps.io.stdout(renderAlerts(alerts, outputOf(command), deps.io.color, o.machine === true));
  });
  return examples(cmd, [
    "rampart alerts list",
    "rampart alerts list -i 1.2.3.4 -o json",
    "rampart alerts list --since 1h -s crowdsecurity/ssh-bf",
  ]);
}

function inspect(deps: LapiCommandDeps): Command {
  const cmd = new Command("inspect")
    .description("Show one or more alerts in detail")
    .argument("<alert_id...>", "alert ids")
    .option("-d, --details", "also show the alert's events")
    .action(async (ids: string[], o, command: Command) => {
      const format = outputOf(command);
      for (const id of ids) {
        const alert = await deps.client.getAlert(checkId(id, "alert id"));
        if (format === "json") deps.io.stdout(json(asCscliAlert(alert), 2));
        else if (format === "raw") deps.io.stdout(yaml(alert));
        else deps.io.stdout(renderAlert(alert, o.details === true, deps.io.color));
      }
    });
  return examples(cmd, [
    "rampart alerts inspect 12",
    "rampart alerts inspect -d 12",
    "rampart alerts inspect 12 -o json",
  ]);
}

function del(deps: LapiCommandDeps): Command {
  const cmd = alertFilters(
    new Command("delete")
      .alias("remove")
      .description("Delete alerts (and, by cascade, their decisions)")
      .option("--id <id>", "the alert with this id")
      .option("-a, --all", "every alert"),
  ).action(async (o, command: Command) => {
    let deleted: number;
    if (o.id !== undefined) deleted = await deps.client.deleteAlert(checkId(o.id, "alert id"));
    else {
      const query = filterQuery(o);
      if (Object.keys(query).length === 0 && !o.all) {
        throw new CliError("at least one filter or --all must be specified", EXIT.usage);
      }
      // cscli (cmd/crowdsec-cli/alerts.go) sends limit=0 with --all so nothing caps the deletion.
      if (o.all) query.limit = "0";
      deleted = await deps.client.deleteAlerts(query);
    }
    if (outputOf(command) === "human") deps.io.stdout(`${deleted} alert(s) deleted\n`);
  });
  return examples(cmd, [
    "rampart alerts delete -i 1.2.3.4",
    "rampart alerts delete --id 12",
    "rampart alerts delete --all",
  ]);
}

function flush(deps: LapiCommandDeps): Command {
  const cmd = new Command("flush")
    .description("Delete old alerts: older than --max-age, and all but the newest --max-items")
    .option("--max-age <duration>", "delete alerts created before now minus this duration", "7d")
    .option("--max-items <n>", "keep at most this many alerts (0 = no limit)", "0")
    .action(async (o, command: Command) => {
      const maxAge = checkDuration(o.maxAge, "--max-age");
      const maxItems = checkCount(o.maxItems, "--max-items");
      let deleted = await deps.client.deleteAlerts({ created_before: maxAge });
      if (maxItems > 0) {
        const alerts = await deps.client.listAlerts({
          limit: "0",
          include_capi: "true",
          sort: "DESC",
        });
        for (const alert of alerts.slice(maxItems))
          deleted += await deps.client.deleteAlert(alert.id);
      }
      if (outputOf(command) === "json") deps.io.stdout(json({ deleted }));
      else deps.io.stdout(`${deleted} alert(s) flushed\n`);
    });
  return examples(cmd, [
    "rampart alerts flush",
    "rampart alerts flush --max-age 24h --max-items 5000",
  ]);
}

/** `rampart alerts`. */
export function makeAlertsCommand(deps: LapiCommandDeps): Command {
  return new Command("alerts")
    .alias("alert")
    .description("Manage alerts (list, inspect, delete, flush)")
    .addCommand(list(deps))
    .addCommand(inspect(deps))
    .addCommand(del(deps))
    .addCommand(flush(deps));
}

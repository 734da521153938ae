/** How cscli 1.4.6 renders `decisions list` (cmd/crowdsec-cli/decisions.go DecisionsToTable). */
import { asCscliAlert } from "../cscli-model.js";
import type { Alert } from "../lapi-types.js";
import { csv, json, type OutputFormat, table } from "../output.js";

/** One rendered decision row: every decision of every alert, newest alert first. */
function rows(alerts: Alert[]) {
  return alerts.flatMap((alert) =>
    (alert.decisions ?? []).map((d) => ({
      id: d.simulated ? `(simul)${d.id}` : String(d.id),
      rawId: d.id,
      origin: d.origin,
      scopeValue: `${d.scope}:${d.value}`,
      reason: d.scenario,
      action: d.type,
      country: alert.source.cn ?? "",
      as: [alert.source.as_number, alert.source.as_name].filter(Boolean).join(" "),
      events: alert.events_count,
      expiration: d.duration,
      simulated: d.simulated === true,
      alertId: alert.id,
      machine: alert.machine_id,
    })),
  );
}

/** Renders the alerts `GET /v1/alerts` returned as cscli's decisions list (`machine`: `-m`). */
export function renderDecisions(
  alerts: Alert[],
  format: OutputFormat,
  color: boolean,
  machine = false,
): string {
  if (format === "json") return json(alerts.length === 0 ? null : alerts.map(asCscliAlert));
  const list = rows(alerts);
  const withMachine = <T>(cells: T[], extra: T) => (machine ? [...cells, extra] : cells);
  if (format === "raw") {
    const head = ["id", "source", "ip", "reason", "action", "country", "as", "events_count"];
    return csv(
      withMachine([...head, "expiration", "simulated", "alert_id"], "machine"),
      list.map((r) => {
        const cells: unknown[] = [r.rawId, r.origin, r.scopeValue, r.reason, r.action, r.country];
        cells.push(r.as, r.events, r.expiration, r.simulated, r.alertId);
        return withMachine(cells, r.machine);
      }),
    );
  }
  if (list.length === 0) return "No active decisions\n";
  const head = ["ID", "Source", "Scope:Value", "Reason", "Action", "Country", "AS", "Events"];
  return table(
    withMachine([...head, "expiration", "Alert ID"], "Machine"),
    list.map((r) => {
      const cells: (string | number)[] = [r.id, r.origin, r.scopeValue, r.reason, r.action];
      cells.push(r.country, r.as, r.events, r.expiration, r.alertId);
      return withMachine(cells, r.machine);
    }),
    color,
  );
}

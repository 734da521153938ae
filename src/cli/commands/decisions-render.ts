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
    })),
  );
}

/** Renders the alerts `GET /v1/alerts` returned as cscli's decisions list. */
export function renderDecisions(alerts: Alert[], format: OutputFormat, color: boolean): string {
  if (format === "json") return json(alerts.length === 0 ? null : alerts.map(asCscliAlert));
  const list = rows(alerts);
  if (format === "raw") {
    return csv(
      [
        "id",
        "source",
        "ip",
        "reason",
        "action",
        "country",
        "as",
        "events_count",
        "expiration",
        "simulated",
        "alert_id",
      ],
      list.map((r) => [
        r.rawId,
        r.origin,
        r.scopeValue,
        r.reason,
        r.action,
        r.country,
        r.as,
        r.events,
        r.expiration,
        r.simulated,
        r.alertId,
      ]),
    );
  }
  if (list.length === 0) return "No active decisions\n";
  return table(
    [
      "ID",
      "Source",
      "Scope:Value",
      "Reason",
      "Action",
      "Country",
      "AS",
      "Events",
      "expiration",
      "Alert ID",
    ],
    list.map((r) => [
      r.id,
      r.origin,
      r.scopeValue,
      r.reason,
      r.action,
      r.country,
      r.as,
      r.events,
      r.expiration,
      r.alertId,
    ]),
    color,
  );
}

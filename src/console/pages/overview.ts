import { api, query } from "../api";
import { hourlyBars } from "../chart";
import { badge, field, h, mount, table, when } from "../dom";

interface Overview {
  window: { since: string; until: string };
  alerts_per_hour: { hour: string; count: number }[];
  decisions_per_hour: { hour: string; count: number }[];
  alerts_total: number;
  active_decisions: number;
  top_scenarios: { scenario: string; count: number }[];
  top_countries: { country: string; count: number }[];
  top_as: { number: string; name: string; count: number }[];
  machines: {
    machine_id: string;
    ip_address: string;
    version: string;
    validated: boolean;
    last_heartbeat: string | null;
    stale: boolean;
  }[];
  bouncers: {
    name: string;
    ip_address: string;
    type: string;
    version: string;
    revoked: boolean;
    last_pull: string | null;
    stale: boolean;
  }[];
  stale_after_seconds: number;
}

const WINDOWS = ["1h", "24h", "7d", "31d"];

export async function overviewPage(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const window = params.get("window") ?? "24h";
  const o = await api<Overview>("GET", `console/overview${query({ window })}`);
  const form = h(
    "form",
    {
      class: "filters",
      onchange: () => {
        location.hash = `#/overview${query({ window: field(form, "window") })}`;
      },
    },
    h(
      "label",
      {},
      "Window ",
      h(
        "select",
        { name: "window" },
        ...WINDOWS.map((w) => h("option", { value: w, selected: w === window }, w)),
      ),
    ),
  );
  const staleNote = `stale: no heartbeat / pull for ${o.stale_after_seconds / 60} min`;
  mount(
    root,
    h("h1", {}, "Overview"),
    form,
    h(
      "div",
      { class: "cards" },
      h("div", { class: "card", id: "alerts-total" }, h("strong", {}, o.alerts_total), " alerts"),
      h(
        "div",
        { class: "card", id: "active-decisions" },
        h("strong", {}, o.active_decisions),
        " active decisions",
      ),
      h("div", { class: "card" }, h("strong", {}, o.machines.length), " agents"),
      h("div", { class: "card" }, h("strong", {}, o.bouncers.length), " bouncers"),
    ),
    h(
      "div",
      { class: "charts" },
      hourlyBars("Alerts per hour", o.alerts_per_hour, o.window.since, o.window.until),
      hourlyBars("Decisions per hour", o.decisions_per_hour, o.window.since, o.window.until),
    ),
    h(
      "div",
      { class: "grid" },
      h(
        "section",
        { id: "top-scenarios" },
        h("h2", {}, "Top scenarios"),
        table(
          ["Scenario", "Alerts"],
          o.top_scenarios.map((s) => [
            h("a", { href: `#/alerts${query({ scenario: s.scenario })}` }, s.scenario),
            s.count,
          ]),
        ),
      ),
      h(
        "section",
        {},
        h("h2", {}, "Top source countries"),
        table(
          ["Country", "Alerts"],
          o.top_countries.map((c) => [c.country || "unknown", c.count]),
        ),
      ),
      h(
        "section",
        {},
        h("h2", {}, "Top source AS"),
        table(
          ["AS", "Name", "Alerts"],
          o.top_as.map((a) => [a.number || "unknown", a.name, a.count]),
        ),
      ),
    ),
    h("h2", {}, "Agents"),
    h("p", { class: "note" }, staleNote),
    table(
      ["Machine", "IP", "Version", "Validated", "Last heartbeat"],
      o.machines.map((m) => [
        m.machine_id,
        m.ip_address,
        m.version,
        m.validated ? badge("yes") : badge("pending", "warn"),
        h("span", {}, when(m.last_heartbeat), " ", m.stale ? badge("stale", "bad") : null),
      ]),
      "no agents",
    ),
    h("h2", {}, "Bouncers"),
    table(
      ["Name", "IP", "Type", "Version", "Last pull"],
      o.bouncers.map((b) => [
        b.name,
        b.ip_address,
        b.type,
        b.version,
        h("span", {}, when(b.last_pull), " ", b.stale ? badge("stale", "bad") : null),
      ]),
      "no bouncers",
    ),
  );
}

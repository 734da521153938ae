import { api, query } from "../api";
import { h, mount, table, when } from "../dom";
import { filterForm, readForm } from "./filter-form";

interface AlertRow {
  id: number;
  machine_id: string;
  scenario: string;
  events_count: number;
  start_at: string;
  source: { scope: string; value: string; as_number: string; as_name: string; cn: string };
  created_at: string;
  decisions: number;
  active_decisions: number;
}

/** The filters of `cscli alerts list` (names of GET /v1/alerts). */
const FILTERS = [
  { name: "ip", label: "IP" },
  { name: "range", label: "Range" },
  { name: "scope", label: "Scope" },
  { name: "value", label: "Value" },
  { name: "scenario", label: "Scenario" },
  { name: "decision_type", label: "Decision type" },
  { name: "origin", label: "Origin" },
  { name: "since", label: "Since (e.g. 4h)" },
  { name: "until", label: "Until (e.g. 1h)" },
  { name: "has_active_decision", label: "With active decision", checkbox: true },
  { name: "contained", label: "Contained in IP/range (--contained)", checkbox: true },
  { name: "hide_capi", label: "Hide CAPI / lists alerts", checkbox: true },
];

/** Form fields → GET /v1/alerts parameters (the two reversed checkboxes become false values). */
function toQuery(form: Record<string, string>): Record<string, string> {
  const { contained, hide_capi, ...rest } = form;
  return {
    ...rest,
    contains: contained === "true" ? "false" : "",
    include_capi: hide_capi === "true" ? "false" : "",
  };
}

function fromQuery(params: URLSearchParams): Record<string, string> {
  const current = Object.fromEntries(FILTERS.map((f) => [f.name, params.get(f.name) ?? ""]));
  current.contained = params.get("contains") === "false" ? "true" : "";
  current.hide_capi = params.get("include_capi") === "false" ? "true" : "";
  return current;
}

export async function alertsPage(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const current = fromQuery(params);
  const form = filterForm(FILTERS, current, (f) => {
    location.hash = `#/alerts${query(toQuery(readForm(f, FILTERS)))}`;
  });
  const body = h("div", {});
  const more = h("div", {});
  mount(root, h("h1", {}, "Alerts"), form, body, more);
  const rows: AlertRow[] = [];
  const load = async (cursor: string) => {
    const page = await api<{ alerts: AlertRow[]; next_cursor: string | null }>(
      "GET",
      `console/alerts${query({ ...toQuery(current), cursor, limit: "50" })}`,
    );
    rows.push(...page.alerts);
    mount(
      body,
      table(
        ["ID", "Value", "Reason", "Country", "AS", "Decisions", "Events", "Created"],
        rows.map((a) => [
          h("a", { href: `#/alerts/${a.id}` }, a.id),
          `${a.source.scope}:${a.source.value}`,
          a.scenario,
          a.source.cn,
          [a.source.as_number, a.source.as_name].filter(Boolean).join(" "),
          `${a.active_decisions}/${a.decisions}`,
          a.events_count,
          when(a.created_at),
        ]),
        "no alerts match",
      ),
    );
    const next = page.next_cursor;
    mount(
      more,
      next ? h("button", { type: "button", onclick: () => void load(next) }, "Load more") : null,
    );
  };
  await load("");
}

interface AlertDetail {
  id: number;
  scenario: string;
  message: string;
  machine_id: string;
  events_count: number;
  start_at: string;
  stop_at: string;
  source: Record<string, unknown>;
  decisions:
    | {
        id: number;
        type: string;
        scope: string;
        value: string;
        origin: string;
        duration: string;
      }[]
    | null;
  events: { timestamp: string; meta: { key: string; value: string }[] }[] | null;
}

export async function alertPage(root: HTMLElement, id: string): Promise<void> {
  const a = await api<AlertDetail>("GET", `console/alerts/${encodeURIComponent(id)}`);
  const src = Object.entries(a.source)
    .filter(([, v]) => v !== "" && v !== 0)
    .map(([k, v]) => h("li", {}, h("b", {}, k), " ", String(v)));
  mount(
    root,
    h("p", {}, h("a", { href: "#/alerts" }, "← Alerts")),
    h("h1", {}, `Alert ${a.id}`),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Scenario"),
      h("dd", {}, a.scenario),
      h("dt", {}, "Message"),
      h("dd", {}, a.message),
      h("dt", {}, "Machine"),
      h("dd", {}, a.machine_id),
      h("dt", {}, "Start / stop"),
      h("dd", {}, `${a.start_at} → ${a.stop_at}`),
      h("dt", {}, "Events"),
      h("dd", {}, a.events_count),
    ),
    h("h2", {}, "Source"),
    h("ul", {}, ...src),
    h("h2", {}, "Decisions"),
    table(
      ["ID", "Type", "Scope:value", "Origin", "Remaining"],
      (a.decisions ?? []).map((d) => [d.id, d.type, `${d.scope}:${d.value}`, d.origin, d.duration]),
      "no decisions",
    ),
    h("h2", {}, "Events"),
    ...(a.events ?? []).map((e, i) =>
      h(
        "details",
        { open: i < 3 },
        h("summary", {}, e.timestamp),
        table(
          ["Key", "Value"],
          e.meta.map((m) => [m.key, m.value]),
        ),
      ),
    ),
    a.events?.length ? null : h("p", { class: "empty" }, "no events"),
  );
}

import { type ApiFailure, api, query } from "../api";
import { badge, field, h, mount, table, when } from "../dom";
import { filterForm, readForm } from "./filter-form";

interface DecisionRow {
  id: number;
  alert_id: number;
  scenario: string;
  type: string;
  scope: string;
  value: string;
  origin: string;
  until: string;
  expired: boolean;
}

const FILTERS = [
  { name: "ip", label: "IP or range" },
  { name: "scenario", label: "Scenario" },
  { name: "origin", label: "Origin" },
  { name: "type", label: "Type" },
  { name: "include_expired", label: "Include expired", checkbox: true },
];

export async function decisionsPage(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const current = Object.fromEntries(FILTERS.map((f) => [f.name, params.get(f.name) ?? ""]));
  const status = h("p", { class: "status", role: "status", id: "decision-status" });
  const show = (text: string, bad = false) => {
    status.textContent = text;
    status.className = bad ? "status bad" : "status";
  };
  const search = filterForm(FILTERS, current, (f) => {
    location.hash = `#/decisions${query(readForm(f, FILTERS))}`;
  });
  const add: HTMLFormElement = h(
    "form",
    {
      class: "filters",
      id: "add-decision",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const value = field(add, "value");
        try {
          await api("POST", "console/decisions", {
            scope: value.includes("/") ? "Range" : "Ip",
            value,
            duration: field(add, "duration") || "4h",
            type: field(add, "type") || "ban",
            ...(field(add, "reason") ? { reason: field(add, "reason") } : {}),
          });
          show(`Decision added on ${value}`);
          add.reset();
          await list();
        } catch (err) {
          show(`Not added: ${(err as Error).message}`, true);
        }
      },
    },
    h("label", {}, "IP or range", h("input", { name: "value", required: true })),
    h("label", {}, "Duration", h("input", { name: "duration", value: "4h" })),
    h("label", {}, "Type", h("input", { name: "type", value: "ban" })),
    h("label", {}, "Reason", h("input", { name: "reason" })),
    h("button", { type: "submit" }, "Add decision"),
  );
  const body = h("div", {});
  const more = h("div", {});
  mount(
    root,
    h("h1", {}, "Decisions"),
    h("h2", {}, "Add"),
    add,
    status,
    h("h2", {}, "Search"),
    search,
    body,
    more,
  );

  const rows: DecisionRow[] = [];
  const render = () =>
    mount(
      body,
      table(
        ["ID", "Value", "Type", "Reason", "Origin", "Until", ""],
        rows.map((d) => [
          d.id,
          `${d.scope}:${d.value}`,
          d.type,
          d.scenario,
          d.origin,
          h("span", {}, when(d.until), " ", d.expired ? badge("expired", "warn") : null),
          d.expired
            ? null
            : h(
                "button",
                {
                  type: "button",
                  class: "danger",
                  "data-decision": d.id,
                  onclick: async () => {
                    try {
                      await api("DELETE", `console/decisions/${d.id}`);
                      show(`Decision ${d.id} on ${d.value} deleted`);
                      await list();
                    } catch (err) {
                      show(`Not deleted: ${(err as ApiFailure).message}`, true);
                    }
                  },
                },
                "Delete",
              ),
        ]),
        "no decisions match",
      ),
    );
  const load = async (cursor: string) => {
    const page = await api<{ decisions: DecisionRow[]; next_cursor: string | null }>(
      "GET",
      `console/decisions${query({ ...current, cursor, limit: "50" })}`,
    );
    rows.push(...page.decisions);
    render();
    const next = page.next_cursor;
    mount(
      more,
      next ? h("button", { type: "button", onclick: () => void load(next) }, "Load more") : null,
    );
  };
  const list = async () => {
    rows.length = 0;
    await load("");
  };
  await list();
}

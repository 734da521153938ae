import { api } from "../api";
import { badge, field, h, mount, table, when } from "../dom";

interface Bouncer {
  name: string;
  ip_address: string;
  type: string;
  version: string;
  revoked: boolean;
  auto_created: boolean;
  last_pull: string | null;
}

export async function bouncersPage(root: HTMLElement, shownKey?: { name: string; key: string }) {
  const status = h("p", { class: "status", role: "status" });
  const add: HTMLFormElement = h(
    "form",
    {
      class: "filters",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const r = await api<{ name: string; api_key: string }>("POST", "bouncers", {
            name: field(add, "name"),
          });
          await bouncersPage(root, { name: r.name, key: r.api_key });
        } catch (err) {
          status.textContent = `Not added: ${(err as Error).message}`;
        }
      },
    },
    h("label", {}, "Name", h("input", { name: "name", required: true })),
    h("button", { type: "submit" }, "Add bouncer"),
  );
  const bouncers = await api<Bouncer[]>("GET", "bouncers");
  mount(
    root,
    h("h1", {}, "Bouncers"),
    add,
    shownKey
      ? h(
          "div",
          { class: "key", id: "new-key" },
          h("p", {}, `API key of ${shownKey.name} — shown only now, copy it:`),
          h("code", {}, shownKey.key),
        )
      : null,
    status,
    table(
      ["Name", "IP", "Type", "Version", "Last pull", ""],
      bouncers.map((b) => [
        h("span", {}, b.name, " ", b.revoked ? badge("revoked", "bad") : null),
        b.ip_address,
        b.type,
        b.version,
        when(b.last_pull),
        b.auto_created
          ? null
          : h(
              "button",
              {
                type: "button",
                class: "danger",
                onclick: async () => {
                  try {
                    await api("DELETE", `bouncers/${encodeURIComponent(b.name)}`);
                    await bouncersPage(root);
                  } catch (err) {
                    status.textContent = `Not deleted: ${(err as Error).message}`;
                  }
                },
              },
              "Delete",
            ),
      ]),
      "no bouncers",
    ),
  );
}

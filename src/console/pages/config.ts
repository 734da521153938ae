import { api } from "../api";
import { h, mount, table, when } from "../dom";

interface Allowlist {
  name: string;
  description?: string;
  created_at: string;
  items: { value: string; description?: string; expiration: string | null }[];
}

export async function allowlistsPage(root: HTMLElement): Promise<void> {
  const lists = await api<Allowlist[]>("GET", "allowlists");
  mount(
    root,
    h("h1", {}, "Allowlists"),
    lists.length === 0 ? h("p", { class: "empty" }, "no allowlists") : null,
    ...lists.map((l) =>
      h(
        "section",
        {},
        h("h2", {}, l.name),
        l.description ? h("p", {}, l.description) : null,
        table(
          ["Value", "Comment", "Expires"],
          l.items.map((i) => [
            i.value,
            i.description ?? "",
            i.expiration ? when(i.expiration) : "never",
          ]),
          "empty list",
        ),
      ),
    ),
  );
}

interface ConfigDocument {
  kind: string;
  source: string;
  updated_at: number | string | null;
  content: string;
}

export async function profilesPage(root: HTMLElement): Promise<void> {
  const [profiles, notifications] = await Promise.all([
    api<ConfigDocument>("GET", "profiles"),
    api<ConfigDocument>("GET", "notifications"),
  ]);
  const doc = (title: string, d: ConfigDocument) =>
    h(
      "section",
      {},
      h("h2", {}, title),
      h("p", { class: "note" }, d.source === "default" ? "built-in default" : "stored"),
      h("pre", { class: "yaml" }, d.content || "(empty)"),
    );
  mount(
    root,
    h("h1", {}, "Profiles"),
    h("p", { class: "note" }, "Read-only here; change them with rampart profiles (admin API PUT)."),
    doc("profiles.yaml", profiles),
    doc("Notifiers", notifications),
  );
}

import { api } from "../api";
import { badge, h, mount, table, when } from "../dom";

interface Machine {
  machineId: string;
  ipAddress: string;
  isValidated: boolean;
  version: string;
  os: string;
  last_heartbeat: string | null;
}

export async function machinesPage(root: HTMLElement): Promise<void> {
  const status = h("p", { class: "status", role: "status" });
  const act = async (what: string, method: string, path: string) => {
    try {
      await api(method, path);
      status.textContent = what;
      await machinesPage(root);
    } catch (err) {
      status.textContent = `Failed: ${(err as Error).message}`;
    }
  };
  const machines = await api<Machine[]>("GET", "machines");
  mount(
    root,
    h("h1", {}, "Machines"),
    status,
    table(
      ["Name", "IP", "Version", "OS", "Status", "Last heartbeat", ""],
      machines.map((m) => {
        const id = encodeURIComponent(m.machineId);
        return [
          m.machineId,
          m.ipAddress,
          m.version,
          m.os,
          m.isValidated ? badge("validated") : badge("pending", "warn"),
          when(m.last_heartbeat),
          h(
            "span",
            { class: "actions" },
            m.isValidated
              ? null
              : h(
                  "button",
                  {
                    type: "button",
                    onclick: () =>
                      act(`${m.machineId} validated`, "POST", `machines/${id}/validate`),
                  },
                  "Validate",
                ),
            h(
              "button",
              {
                type: "button",
                class: "danger",
                onclick: () => act(`${m.machineId} deleted`, "DELETE", `machines/${id}`),
              },
              "Delete",
            ),
          ),
        ];
      }),
      "no machines",
    ),
  );
}

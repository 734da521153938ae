/**
 * `rampart allowlists create|add|remove|list|inspect|check|delete` (cscli 1.6.6+ allowlists).
 * Edits go through the admin API; `check` uses the machine route `GET /v1/allowlists/check/:ip`.
 */
import { Command } from "commander";
import { parseIpOrRange } from "../../shared/ip-range.js";
import { CliError, EXIT } from "../cli-error.js";
import type { Allowlist } from "../lapi-types.js";
import { csv, json, type OutputFormat, table } from "../output.js";
import { examples, type LapiCommandDeps, outputOf } from "./context.js";

function checkValues(values: string[]): string[] {
  for (const v of values) {
    if (!parseIpOrRange(v))
      throw new CliError(`'${v}' is not an IP address or a CIDR range`, EXIT.usage);
  }
  return values;
}

/** The lists table of `allowlists list`. */
export function renderAllowlists(lists: Allowlist[], format: OutputFormat, color: boolean): string {
  if (format === "json") return json(lists);
  const rows = lists.map((l) => [
    l.name,
    l.description ?? "",
    l.created_at,
    l.updated_at,
    l.console_managed === true,
    l.items?.length ?? 0,
  ]);
  const head = ["Name", "Description", "Created at", "Updated at", "Managed by Console", "Size"];
  if (format === "raw")
    return csv(
      ["name", "description", "created_at", "updated_at", "console_managed", "size"],
      rows,
    );
  if (lists.length === 0) return "No allowlists\n";
  return table(head, rows, color);
}

/** One list with its items (`allowlists inspect`). */
export function renderAllowlist(list: Allowlist, format: OutputFormat, color: boolean): string {
  if (format === "json") return json(list);
  const items = (list.items ?? []).map((i) => [
    i.value,
    i.description ?? "",
    i.created_at,
    i.expiration ?? "never",
  ]);
  if (format === "raw") return csv(["value", "comment", "created_at", "expiration"], items);
  return (
    `Allowlist: ${list.name}\nDescription: ${list.description ?? ""}\nCreated at: ${list.created_at}\nUpdated at: ${list.updated_at}\n` +
    `Managed by Console: ${list.console_managed === true ? "yes" : "no"}\n\n` +
    (items.length === 0
      ? "(no items)\n"
      : table(["Value", "Comment", "Created at", "Expiration"], items, color))
  );
}

/** `rampart allowlists`. */
export function makeAllowlistsCommand(deps: LapiCommandDeps): Command {
  const create = examples(
    new Command("create")
      .description("Create an allowlist")
      .argument("<name>", "allowlist name")
      .option("-d, --description <text>", "description", "")
      .action(async (name: string, o, command: Command) => {
        const list = await deps.client.createAllowlist(name, o.description);
        if (outputOf(command) === "json") deps.io.stdout(json(list));
        else deps.io.stdout(`allowlist '${name}' created successfully\n`);
      }),
    ["rampart allowlists create office -d 'office egress IPs'"],
  );
  const add = examples(
    new Command("add")
      .description("Add IPs or ranges to an allowlist (expires the active decisions they cover)")
      .argument("<name>", "allowlist name")
      .argument("<value...>", "IPs or CIDR ranges")
      .option(
        "-e, --expiration <duration>",
        "expire the items after this duration (e.g. 7d) or at an RFC3339 time",
      )
      .option("-d, --comment <text>", "comment stored with the items")
      .action(async (name: string, values: string[], o, command: Command) => {
        const r = await deps.client.addAllowlistItems(name, {
          values: checkValues(values),
          ...(o.expiration ? { expiration: o.expiration } : {}),
          ...(o.comment ? { comment: o.comment } : {}),
        });
        if (outputOf(command) === "json") deps.io.stdout(json(r));
        else {
          deps.io.stdout(
            `added ${r.added} value(s) to allowlist '${name}'${r.skipped ? ` (${r.skipped} already present)` : ""}\n`,
          );
          if (r.decisions_expired)
            deps.io.stdout(`${r.decisions_expired} active decision(s) expired\n`);
        }
      }),
    [
      "rampart allowlists add office 192.0.2.10 198.51.100.0/24 -d 'VPN'",
      "rampart allowlists add office 203.0.113.7 -e 7d",
    ],
  );
  const remove = examples(
    new Command("remove")
      .description("Remove values from an allowlist")
      .argument("<name>", "allowlist name")
      .argument("<value...>", "IPs or CIDR ranges")
      .action(async (name: string, values: string[], _o, command: Command) => {
        const removed = await deps.client.removeAllowlistItems(name, values);
        if (outputOf(command) === "json") deps.io.stdout(json({ removed }));
        else deps.io.stdout(`removed ${removed} value(s) from allowlist '${name}'\n`);
      }),
    ["rampart allowlists remove office 192.0.2.10"],
  );
  const list = examples(
    new Command("list")
      .alias("ls")
      .description("List allowlists")
      .action(async (_o, command: Command) => {
        deps.io.stdout(
          renderAllowlists(await deps.client.listAllowlists(), outputOf(command), deps.io.color),
        );
      }),
    ["rampart allowlists list"],
  );
  const inspect = examples(
    new Command("inspect")
      .description("Show an allowlist and its live items")
      .argument("<name>", "allowlist name")
      .action(async (name: string, _o, command: Command) => {
        deps.io.stdout(
          renderAllowlist(await deps.client.getAllowlist(name), outputOf(command), deps.io.color),
        );
      }),
    ["rampart allowlists inspect office -o json"],
  );
  const check = examples(
    new Command("check")
      .description("Tell whether IPs or ranges are allowlisted (exit code 1 when one is not)")
      .argument("<value...>", "IPs or CIDR ranges")
      .action(async (values: string[], _o, command: Command) => {
        const results = [];
        for (const value of checkValues(values))
          results.push({ value, ...(await deps.client.checkAllowlisted(value)) });
        const format = outputOf(command);
        if (format === "json") deps.io.stdout(json(results));
        else if (format === "raw")
          deps.io.stdout(
            csv(
              ["value", "allowlisted", "reason"],
              results.map((r) => [r.value, r.allowlisted, r.reason]),
            ),
          );
        else
          for (const r of results)
            deps.io.stdout(
              r.allowlisted
                ? `${r.value} is allowlisted by ${r.reason}\n`
                : `${r.value} is not allowlisted\n`,
            );
        if (results.some((r) => !r.allowlisted)) throw new CliError("", EXIT.failure);
      }),
    ["rampart allowlists check 192.0.2.10", "rampart allowlists check 198.51.100.7 -o json"],
  );
  const del = examples(
    new Command("delete")
      .description("Delete an allowlist and its items")
      .argument("<name>", "allowlist name")
      .action(async (name: string, _o, command: Command) => {
        await deps.client.deleteAllowlist(name);
        if (outputOf(command) === "human")
          deps.io.stdout(`allowlist '${name}' deleted successfully\n`);
      }),
    ["rampart allowlists delete office"],
  );
  return new Command("allowlists")
    .alias("allowlist")
    .description("Manage allowlists (IPs and ranges that never get decisions)")
    .addCommand(create)
    .addCommand(add)
    .addCommand(remove)
    .addCommand(list)
    .addCommand(inspect)
    .addCommand(check)
    .addCommand(del);
}

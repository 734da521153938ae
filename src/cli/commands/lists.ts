/**
 * `rampart lists add|list|remove|sync`: third-party blocklists the LAPI fetches itself (on its
 * cron trigger once their refresh period has passed, or at once with `sync`) and turns into
 * decisions with origin `lists` and scenario `lists:<name>`. All through the admin API.
 */
import { Command, Option } from "commander";
import { CliError, EXIT } from "../cli-error.js";
import type { ListSyncResult, ThirdPartyList } from "../lapi-types.js";
import { csv, json, type OutputFormat, table } from "../output.js";
import { examples, type LapiCommandDeps, outputOf } from "./context.js";

/** The table of `lists list`. */
export function renderLists(lists: ThirdPartyList[], format: OutputFormat, color: boolean): string {
  if (format === "json") return json(lists);
  const rows = lists.map((l) => [
    l.name,
    l.url,
    l.format,
    l.scope,
    l.type,
    l.duration,
    l.refresh,
    l.entries,
    l.last_sync_at ?? "never",
    l.last_status ?? "",
    l.last_error ?? "",
  ]);
  if (format === "raw") {
    return csv(
      [
        "name",
        "url",
        "format",
        "scope",
        "type",
        "duration",
        "refresh",
        "entries",
        "last_sync_at",
        "last_status",
        "last_error",
      ],
      rows,
    );
  }
  if (lists.length === 0) return "No lists\n";
  const head = ["Name", "URL", "Format", "Scope", "Type", "Duration", "Refresh", "Entries"];
  return table([...head, "Last sync", "Status", "Error"], rows, color);
}

/** The human report of one sync. */
export function renderSync(r: ListSyncResult): string {
  switch (r.status) {
    case "updated":
      return (
        `list '${r.name}' synced: +${r.added ?? 0} -${r.removed ?? 0} (${r.renewed ?? 0} renewed), ` +
        `${r.entries ?? 0} active entries` +
        (r.duplicates ? `, ${r.duplicates} duplicate line(s) ignored` : "") +
        "\n"
      );
    case "not_modified":
      return `list '${r.name}' not modified (${r.renewed ?? 0} renewed), ${r.entries ?? 0} active entries\n`;
    case "rejected": {
      const lines = (r.bad_examples ?? []).map(
        (b) => `  line ${b.line}: ${b.reason}${b.text ? `: ${JSON.stringify(b.text)}` : ""}\n`,
      );
      return `list '${r.name}' rejected, nothing changed: ${r.error ?? ""}\n${lines.join("")}`;
    }
    case "failed":
      return `list '${r.name}' not fetched, nothing changed: ${r.error ?? ""}\n`;
    case "busy":
      return `list '${r.name}' is being synced by another request; try again later\n`;
  }
}

/**
 * `lists add … --url U`: the program's global `-u, --url` (the LAPI URL) would take `--url`
 * wherever it appears, so after `lists add` it is read as the command's own `--list-url`.
 */
export function listsArgv(argv: readonly string[]): string[] {
  const at = argv.findIndex((a, i) => a === "lists" && argv[i + 1] === "add");
  if (at < 0) return [...argv];
  return argv.map((a, i) => {
    if (i <= at + 1) return a;
    if (a === "--url") return "--list-url";
    return a.startsWith("--url=") ? `--list-url=${a.slice(6)}` : a;
  });
}

/** `rampart lists`. */
export function makeListsCommand(deps: LapiCommandDeps): Command {
  const add = examples(
    new Command("add")
      .description("Subscribe to a third-party blocklist (fetched by the LAPI's next cron run)")
      .argument("<name>", "list name (decisions get scenario lists:<name>)")
      .requiredOption("--url, --list-url <url>", "http(s) URL of the list file")
      .addOption(
        new Option("--format <format>", "file format")
          .choices(["plain", "cidr", "csv", "spamhaus-json"])
          .makeOptionMandatory(),
      )
      .addOption(
        new Option("--scope <scope>", "decision scope").choices(["ip", "range"]).default("ip"),
      )
      .option("--type <type>", "decision type (ban, captcha…)", "ban")
      .requiredOption("--duration <duration>", "decision duration, renewed while listed (e.g. 24h)")
      .option("--refresh <duration>", "how often the LAPI fetches the list", "1h")
      .option("--max-entries <n>", "refuse files with more entries than this", (v) => {
        if (!/^\d+$/.test(v))
          throw new CliError(`--max-entries '${v}' is not a number`, EXIT.usage);
        return Number(v);
      })
      .action(async (name: string, o, command: Command) => {
        const list = await deps.client.addList({
          name,
          url: o.listUrl,
          format: o.format,
          scope: o.scope,
          type: o.type,
          duration: o.duration,
          refresh: o.refresh,
          ...(o.maxEntries === undefined ? {} : { max_entries: o.maxEntries }),
        });
        if (outputOf(command) === "json") deps.io.stdout(json(list));
        else
          deps.io.stdout(
            `list '${name}' added; run 'rampart lists sync ${name}' to fetch it now\n`,
          );
      }),
    [
      "rampart lists add spamhaus-drop --url https://www.spamhaus.org/drop/drop.txt --format cidr --scope range --duration 48h --refresh 12h",
      "rampart lists add tor --url https://example.org/tor.txt --format plain --type captcha --duration 4h",
    ],
  );
  const list = new Command("list")
    .alias("ls")
    .description("List the subscribed lists and their last sync")
    .action(async (_o, command: Command) => {
      const rows = await deps.client.listLists();
      deps.io.stdout(renderLists(rows, outputOf(command), deps.io.color));
    });
  const remove = new Command("remove")
    .alias("delete")
    .description("Unsubscribe from a list; its decisions expire now")
    .argument("<name>", "list name")
    .action(async (name: string, _o, command: Command) => {
      const expired = await deps.client.removeList(name);
      if (outputOf(command) === "json") deps.io.stdout(json({ name, decisions_expired: expired }));
      else deps.io.stdout(`list '${name}' removed, ${expired} decision(s) expired\n`);
    });
  const sync = new Command("sync")
    .description("Fetch a list now (conditional GET) and apply what changed")
    .argument("<name>", "list name")
    .action(async (name: string, _o, command: Command) => {
      const r = await deps.client.syncList(name);
      if (outputOf(command) === "json") deps.io.stdout(json(r));
      else deps.io.stdout(renderSync(r));
      if (r.status !== "updated" && r.status !== "not_modified") {
        throw new CliError(`list '${name}': ${r.status}`, EXIT.failure);
      }
    });
  return new Command("lists")
    .description("Third-party blocklists turned into decisions (origin lists)")
    .addCommand(add)
    .addCommand(list)
    .addCommand(remove)
    .addCommand(sync);
}

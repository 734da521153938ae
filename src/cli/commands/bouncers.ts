/** `rampart bouncers add|list|delete|prune` (cscli bouncers) over the admin API. */
import { randomBytes } from "node:crypto";
import { Command } from "commander";
import { parseGoDuration } from "../../shared/duration.js";
import { CliError, EXIT } from "../cli-error.js";
import { checkDuration } from "../input-checks.js";
import type { Bouncer } from "../lapi-types.js";
import { csv, json, type OutputFormat, paint, table } from "../output.js";
import { examples, type LapiCommandDeps, outputOf } from "./context.js";

/** cscli 1.4.6 bouncers list. */
export function renderBouncers(bouncers: Bouncer[], format: OutputFormat, color: boolean): string {
  if (format === "json") return json(bouncers);
  if (format === "raw") {
    return csv(
      ["name", "ip", "revoked", "last_pull", "type", "version", "auth_type"],
      bouncers.map((b) => [
        b.name,
        b.ip_address,
        b.revoked ? "pending" : "validated",
        b.last_pull ?? "",
        b.type ?? "",
        b.version ?? "",
        b.auth_type,
      ]),
    );
  }
  return table(
    ["Name", "IP Address", "Valid", "Last API pull", "Type", "Version", "Auth Type"],
    bouncers.map((b) => [
      b.name,
      b.ip_address,
      b.revoked ? paint(color, "red", "revoked") : paint(color, "green", "✔️"),
      b.last_pull ?? "never",
      b.type ?? "",
      b.version ?? "",
      b.auth_type,
    ]),
    color,
  );
}

/** Bouncers whose last pull (or creation, if they never pulled) is older than `ms`. */
export function staleBouncers(bouncers: Bouncer[], ms: number, now: Date): Bouncer[] {
  return bouncers.filter((b) => {
    const seen = Date.parse(b.last_pull ?? b.created_at ?? "");
    return Number.isFinite(seen) && now.getTime() - seen > ms;
  });
}

/** `rampart bouncers`. */
export function makeBouncersCommand(deps: LapiCommandDeps): Command {
  const list = examples(
    new Command("list")
      .alias("ls")
      .description("List bouncers")
      .action(async (_o, command: Command) => {
        deps.io.stdout(
          renderBouncers(await deps.client.listBouncers(), outputOf(command), deps.io.color),
        );
      }),
    ["rampart bouncers list", "rampart bouncers list -o json"],
  );

  const add = examples(
    new Command("add")
      .description("Add a bouncer and print its API key (shown only once)")
      .argument("<name>", "bouncer name")
      .option("-k, --key <key>", "use this API key instead of a generated one")
      .action(async (name: string, o, command: Command) => {
        // cscli 1.4.6 generates the key client-side: 16 random bytes in hex.
        const key = await deps.client.addBouncer(name, o.key ?? randomBytes(16).toString("hex"));
        const format = outputOf(command);
        if (format === "json") deps.io.stdout(json(key));
        else if (format === "raw") deps.io.stdout(`${key}\n`);
        else {
          deps.io.stdout(
            `API key for '${name}':\n\n   ${paint(deps.io.color, "green", key)}\n\nPlease keep this key since you will not be able to retrieve it!\n`,
          );
        }
      }),
    [
      "rampart bouncers add edge-worker",
      'rampart bouncers add fw --key "$(openssl rand -hex 16)"',
      "KEY=$(rampart bouncers add fw -o raw)",
    ],
  );

  const del = examples(
    new Command("delete")
      .alias("remove")
      .description("Delete bouncers (with their auto-created <name>@<ip> rows)")
      .argument("<name...>", "bouncer names")
      .action(async (names: string[], _o, command: Command) => {
        for (const name of names) {
          await deps.client.deleteBouncer(name);
          if (outputOf(command) === "human")
            deps.io.stdout(`bouncer '${name}' deleted successfully\n`);
        }
      }),
    ["rampart bouncers delete edge-worker"],
  );

  const prune = examples(
    new Command("prune")
      .description("Delete bouncers that have not pulled decisions for a while")
      .option("-d, --duration <duration>", "inactivity after which a bouncer is pruned", "60m")
      .option("--force", "delete without listing first (required to actually delete)")
      .action(async (o, command: Command) => {
        checkDuration(o.duration);
        const ms = (parseGoDuration(o.duration, { allowDays: true }) as { ms: number }).ms;
        const stale = staleBouncers(await deps.client.listBouncers(), ms, deps.now());
        const format = outputOf(command);
        if (stale.length === 0) {
          deps.io.stdout(format === "json" ? json([]) : "No bouncers to prune.\n");
          return;
        }
        if (!o.force) {
          deps.io.stdout(renderBouncers(stale, format, deps.io.color));
          throw new CliError(
            `${stale.length} bouncer(s) would be pruned; run again with --force to delete them`,
            EXIT.failure,
          );
        }
        for (const b of stale) await deps.client.deleteBouncer(b.name);
        if (format === "json") deps.io.stdout(json(stale.map((b) => b.name)));
        else deps.io.stdout(`Successfully deleted ${stale.length} bouncer(s)\n`);
      }),
    ["rampart bouncers prune -d 7d", "rampart bouncers prune -d 7d --force"],
  );

  return new Command("bouncers")
    .alias("bouncer")
    .description("Manage bouncers (add, list, delete, prune)")
    .addCommand(list)
    .addCommand(add)
    .addCommand(del)
    .addCommand(prune);
}

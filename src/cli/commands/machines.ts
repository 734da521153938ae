/** `rampart machines add|list|validate|delete|prune` (cscli machines) over the admin API. */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { stringify } from "yaml";
import { parseGoDuration } from "../../shared/duration.js";
import { CliError, EXIT } from "../cli-error.js";
import { checkDuration } from "../input-checks.js";
import type { Machine } from "../lapi-types.js";
import { csv, json, type OutputFormat, paint, table } from "../output.js";
import { examples, type LapiCommandDeps, outputOf } from "./context.js";

/** Extra dependencies: where credentials files go, and the LAPI URL written into them. */
export interface MachinesDeps extends LapiCommandDeps {
  url: () => string;
  writeFile?: (path: string, text: string) => void;
}

/** cscli 1.4.6 machines list. */
export function renderMachines(machines: Machine[], format: OutputFormat, color: boolean): string {
  if (format === "json") return json(machines);
  if (format === "raw") {
    return csv(
      [
        "machine_id",
        "ip_address",
        "updated_at",
        "validated",
        "version",
        "auth_type",
        "last_heartbeat",
      ],
      machines.map((m) => [
        m.machineId,
        m.ipAddress,
        m.updated_at ?? "",
        m.isValidated,
        m.version ?? "",
        m.auth_type,
        m.last_heartbeat ?? "",
      ]),
    );
  }
  return table(
    ["Name", "IP Address", "Last Update", "Status", "Version", "Auth Type", "Last Heartbeat"],
    machines.map((m) => [
      m.machineId,
      m.ipAddress,
      m.updated_at ?? "",
      m.isValidated ? paint(color, "green", "✔️") : paint(color, "red", "🚫"),
      m.version ?? "",
      m.auth_type,
      m.last_heartbeat ?? "-",
    ]),
    color,
  );
}

/** Machines cscli's prune removes: not validated, or silent (no heartbeat) for longer than `ms`. */
export function staleMachines(
  machines: Machine[],
  ms: number,
  now: Date,
  notValidatedOnly: boolean,
): Machine[] {
  return machines.filter((m) => {
    if (!m.isValidated) return true;
    if (notValidatedOnly) return false;
    const seen = Date.parse(m.last_heartbeat ?? m.created_at ?? "");
    return Number.isFinite(seen) && now.getTime() - seen > ms;
  });
}

/** `rampart machines`. */
export function makeMachinesCommand(deps: MachinesDeps): Command {
  const write =
    deps.writeFile ?? ((path: string, text: string) => writeFileSync(path, text, { mode: 0o600 }));

  const list = examples(
    new Command("list")
      .alias("ls")
      .description("List machines (log processors and CLI machines)")
      .action(async (_o, command: Command) => {
        deps.io.stdout(
          renderMachines(await deps.client.listMachines(), outputOf(command), deps.io.color),
        );
      }),
    ["rampart machines list", "rampart machines list -o raw"],
  );

  const add = examples(
    new Command("add")
      .description("Add a validated machine and print (or write) its credentials")
      .argument("<machine_id>", "machine id")
      .option("-p, --password <password>", "machine password")
      .option("-a, --auto", "generate a random password")
      .option(
        "-f, --file <file>",
        "write the credentials (local_api_credentials.yaml format) to this file",
      )
      .action(async (machineId: string, o) => {
        if (!o.password && !o.auto) {
          throw new CliError("please provide a password with --password or use --auto", EXIT.usage);
        }
        const password: string = o.password ?? randomBytes(32).toString("base64url");
        await deps.client.addMachine(machineId, password, true);
        const creds = stringify({ url: deps.url(), login: machineId, password });
        if (o.file) {
          write(o.file, creds);
          deps.io.stdout(
            `Machine '${machineId}' successfully added to the local API.\nAPI credentials written to '${o.file}'.\n`,
          );
        } else deps.io.stdout(creds);
      }),
    [
      "rampart machines add agent-1 --auto -f /etc/crowdsec/local_api_credentials.yaml",
      "rampart machines add agent-2 -p 'S3cret…'",
    ],
  );

  const validate = examples(
    new Command("validate")
      .description("Validate a machine registered with `lapi register`")
      .argument("<machine_id>", "machine id")
      .action(async (machineId: string, _o, command: Command) => {
        await deps.client.validateMachine(machineId);
        if (outputOf(command) === "human")
          deps.io.stdout(`machine '${machineId}' validated successfully\n`);
      }),
    ["rampart machines validate agent-1"],
  );

  const del = examples(
    new Command("delete")
      .alias("remove")
      .description("Delete machines")
      .argument("<machine_id...>", "machine ids")
      .action(async (ids: string[], _o, command: Command) => {
        for (const id of ids) {
          await deps.client.deleteMachine(id);
          if (outputOf(command) === "human")
            deps.io.stdout(`machine '${id}' deleted successfully\n`);
        }
      }),
    ["rampart machines delete agent-1"],
  );

  const prune = examples(
    new Command("prune")
      .description("Delete unvalidated machines and machines without a heartbeat for a while")
      .option(
        "-d, --duration <duration>",
        "heartbeat silence after which a machine is pruned",
        "10m",
      )
      .option("--not-validated-only", "only prune machines that were never validated")
      .option("--force", "required to actually delete")
      .action(async (o, command: Command) => {
        checkDuration(o.duration);
        const ms = (parseGoDuration(o.duration, { allowDays: true }) as { ms: number }).ms;
        const stale = staleMachines(
          await deps.client.listMachines(),
          ms,
          deps.now(),
          o.notValidatedOnly === true,
        );
        const format = outputOf(command);
        if (stale.length === 0) {
          deps.io.stdout(format === "json" ? json([]) : "No machines to prune.\n");
          return;
        }
        if (!o.force) {
          deps.io.stdout(renderMachines(stale, format, deps.io.color));
          throw new CliError(
            `${stale.length} machine(s) would be pruned; run again with --force to delete them`,
            EXIT.failure,
          );
        }
        for (const m of stale) await deps.client.deleteMachine(m.machineId);
        if (format === "json") deps.io.stdout(json(stale.map((m) => m.machineId)));
        else deps.io.stdout(`Successfully deleted ${stale.length} machine(s)\n`);
      }),
    [
      "rampart machines prune --not-validated-only --force",
      "rampart machines prune -d 24h --force",
    ],
  );

  return new Command("machines")
    .alias("machine")
    .description("Manage machines (add, list, validate, delete, prune)")
    .addCommand(list)
    .addCommand(add)
    .addCommand(validate)
    .addCommand(del)
    .addCommand(prune);
}

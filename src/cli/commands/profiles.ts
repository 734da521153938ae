/**
 * `rampart profiles show|apply`. `show` validates `<config dir>/profiles.yaml` (or `-f`) like the
 * LAPI does (the engine's profiles schema and expr compiler, as in CrowdSec pkg/csprofiles) and
 * lists the profiles in evaluation order; `show --remote` lists the ones the LAPI applies. `apply`
 * validates locally, then uploads the file through the admin API (`PUT /admin/v1/profiles`), where
 * it is validated again and used by the next alert, without a redeploy; `--notifications` uploads
 * http notifier configurations the same way.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import {
  compileProfileConfigs,
  formatIssue,
  type ProfileConfig,
  parseProfiles,
} from "../../engine/profiles/index.js";
import { CliError, EXIT } from "../cli-error.js";
import type { CliConfig } from "../config.js";
import type { LapiClient } from "../lapi-client.js";
import { type CliIo, csv, json, table } from "../output.js";
import { examples, outputOf } from "./context.js";

export type { ProfileConfig } from "../../engine/profiles/index.js";

/** Parses and checks profiles.yaml; one-line errors name the file, document and key. */
export function loadProfiles(text: string, file: string): ProfileConfig[] {
  const parsed = parseProfiles(text);
  const compiled = parsed.ok ? compileProfileConfigs(parsed.value) : parsed;
  if (!compiled.ok) {
    const line = formatIssue(compiled.issue).replace(/\s*\n\s*/g, "; ");
    throw new CliError(`${file}: ${line}`, EXIT.usage);
  }
  return compiled.value.profiles.map((p) => p.config);
}

/** Dependencies: the config dir, and the LAPI for `apply` / `show --remote`. */
export interface ProfilesDeps {
  io: CliIo;
  config: () => Pick<CliConfig, "configDir">;
  client?: LapiClient;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new CliError(`cannot read '${path}': no such file or not readable`, EXIT.usage);
  }
}

/** `rampart profiles`. */
export function makeProfilesCommand(deps: ProfilesDeps): Command {
  const pathOf = (file?: string) => file ?? join(deps.config().configDir, "profiles.yaml");
  const client = () => {
    if (!deps.client) throw new CliError("this command needs a LAPI connection", EXIT.usage);
    return deps.client;
  };
  const render = (profiles: ProfileConfig[], command: Command) => {
    const format = outputOf(command);
    if (format === "json") {
      deps.io.stdout(json(profiles));
      return;
    }
    const rows = profiles.map((p) => [
      p.name,
      p.filters.join(" || "),
      (p.decisions ?? [])
        .map((d) => `${d.type} ${d.duration ?? "4h"}${d.scope ? ` (${d.scope})` : ""}`)
        .join(", ") || "-",
      p.on_success ?? "continue",
      (p.notifications ?? []).join(", "),
    ]);
    const head = ["Name", "Filters", "Decisions", "On success", "Notifications"];
    deps.io.stdout(
      format === "raw"
        ? csv(
            head.map((h) => h.toLowerCase().replace(" ", "_")),
            rows,
          )
        : table(head, rows, deps.io.color),
    );
  };
  const show = examples(
    new Command("show")
      .description("Validate profiles.yaml and show its profiles in evaluation order")
      .option("-f, --file <path>", "profiles file (default: <config dir>/profiles.yaml)")
      .option("--remote", "show the profiles the LAPI applies instead of a local file")
      .action(async (o, command: Command) => {
        if (o.remote) {
          const doc = await client().getConfigDocument("profiles");
          const profiles = loadProfiles(doc.content, `LAPI profiles (${doc.source})`);
          if (outputOf(command) === "human") {
            deps.io.stdout(
              doc.source === "stored"
                ? `Stored profiles (updated ${new Date(doc.updated_at ?? 0).toISOString()}):\n`
                : "No profiles stored: the LAPI applies its built-in default:\n",
            );
          }
          render(profiles, command);
          return;
        }
        const path = pathOf(o.file);
        render(loadProfiles(readText(path), path), command);
      }),
    [
      "rampart profiles show",
      "rampart profiles show -f ./profiles.yaml -o json",
      "rampart profiles show --remote",
    ],
  );
  const apply = examples(
    new Command("apply")
      .description(
        "Upload profiles.yaml to the LAPI (validated locally, then by the LAPI; used by the next alert)",
      )
      .argument("[file]", "profiles file (default: <config dir>/profiles.yaml)")
      .option("-f, --file <path>", "profiles file (same as the argument)")
      .option("--notifications <path>", "also upload http notifier configurations (YAML)")
      .action(async (file: string | undefined, o) => {
        const path = pathOf(file ?? o.file);
        const text = readText(path);
        const profiles = loadProfiles(text, path);
        const notifications = o.notifications ? readText(o.notifications) : undefined;
        // Notifiers first: profiles naming them then find them in place.
        if (notifications !== undefined) {
          const r = await client().putConfigDocument("notifications", notifications);
          deps.io.stdout(`${o.notifications}: ${r.items} notifier(s) stored\n`);
        }
        const r = await client().putConfigDocument("profiles", text);
        deps.io.stdout(`${path}: ${profiles.length} profile(s) applied\n`);
        if (r.unknown_notifiers?.length) {
          deps.io.stderr(
            `warning: the profiles name notifier(s) the LAPI has no configuration for (not sent): ${r.unknown_notifiers.join(", ")}\n`,
          );
        }
      }),
    [
      "rampart profiles apply ./profiles.yaml",
      "rampart profiles apply -f ./profiles.yaml --notifications ./notifications.yaml",
    ],
  );
  return new Command("profiles")
    .description("Check, show and apply LAPI profiles (profiles.yaml)")
    .addCommand(show)
    .addCommand(apply);
}

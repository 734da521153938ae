/**
 * `rampart profiles show|apply`. `show` reads `<config dir>/profiles.yaml`, validates every
 * document like the LAPI does at startup (strict keys, contract §7) and compiles the filters and
 * `duration_expr` with the engine's expr. `apply` needs a LAPI endpoint that stores profiles; the
 * current LAPI has none, so it fails with a clear message instead of pretending.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { compileExpr } from "../../engine/expr/index.js";
import { parseGoDuration } from "../../shared/duration.js";
import { CliError, EXIT } from "../cli-error.js";
import type { CliConfig } from "../config.js";
import { type CliIo, csv, json, table } from "../output.js";
import { examples, outputOf } from "./context.js";

const decisionSchema = z
  .object({
    type: z.string().min(1),
    duration: z.string().optional(),
    scope: z.string().optional(),
    origin: z.string().optional(),
    simulated: z.boolean().optional(),
  })
  .strict();

/** One profiles.yaml document (CrowdSec `csconfig.ProfileCfg`). */
export const profileSchema = z
  .object({
    name: z.string().min(1),
    debug: z.boolean().optional(),
    filters: z.array(z.string()).min(1),
    decisions: z.array(decisionSchema).optional(),
    duration_expr: z.string().optional(),
    notifications: z.array(z.string()).optional(),
    on_success: z.enum(["break", "continue"]).optional(),
    on_failure: z.enum(["break", "continue", "apply"]).optional(),
    on_error: z.enum(["apply", "continue", "ignore", "break"]).optional(),
  })
  .strict();

export type ProfileConfig = z.infer<typeof profileSchema>;

/** Helpers the LAPI gives profile expressions (DB-backed; here only their names matter). */
const PROFILE_FUNCTIONS = Object.fromEntries(
  [
    "GetDecisionsCount",
    "GetDecisionsSinceCount",
    "GetActiveDecisionsCount",
    "GetActiveDecisionsTimeLeft",
  ].map((n) => [n, () => 0]),
);

/** Parses and checks profiles.yaml; errors name the document and key. */
export function loadProfiles(text: string, file: string): ProfileConfig[] {
  const profiles: ProfileConfig[] = [];
  const docs = parseAllDocuments(text, { version: "1.1" });
  docs.forEach((doc, i) => {
    const where = `${file}: document ${i + 1}`;
    if (doc.errors.length > 0)
      throw new CliError(
        `${where}: invalid YAML: ${doc.errors[0]!.message.split("\n")[0]}`,
        EXIT.usage,
      );
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    const parsed = profileSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CliError(
        `${where}: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
        EXIT.usage,
      );
    }
    const p = parsed.data;
    const check = (source: string, key: string) => {
      try {
        compileExpr(source, { functions: PROFILE_FUNCTIONS });
      } catch (error) {
        throw new CliError(
          `${where} (${p.name}): ${key}: ${(error as Error).message.split("\n")[0]}`,
          EXIT.usage,
        );
      }
    };
    for (const [j, f] of p.filters.entries()) check(f, `filters.${j}`);
    if (p.duration_expr) check(p.duration_expr, "duration_expr");
    (p.decisions ?? []).forEach((d, j) => {
      if (d.duration !== undefined && !parseGoDuration(d.duration, { allowDays: true }).ok) {
        throw new CliError(
          `${where} (${p.name}): decisions.${j}.duration: invalid duration '${d.duration}'`,
          EXIT.usage,
        );
      }
    });
    profiles.push(p);
  });
  if (profiles.length === 0) throw new CliError(`${file}: no profiles`, EXIT.usage);
  return profiles;
}

/** Dependencies: the config dir. */
export interface ProfilesDeps {
  io: CliIo;
  config: () => Pick<CliConfig, "configDir">;
}

/** `rampart profiles`. */
export function makeProfilesCommand(deps: ProfilesDeps): Command {
  const read = (file?: string) => {
    const path = file ?? join(deps.config().configDir, "profiles.yaml");
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      throw new CliError(`cannot read '${path}': no such file or not readable`, EXIT.usage);
    }
    return { path, profiles: loadProfiles(text, path) };
  };
  const show = examples(
    new Command("show")
      .description("Validate profiles.yaml and show its profiles in evaluation order")
      .option("-f, --file <path>", "profiles file (default: <config dir>/profiles.yaml)")
      .action((o, command: Command) => {
        const { profiles } = read(o.file);
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
      }),
    ["rampart profiles show", "rampart profiles show -f ./profiles.yaml -o json"],
  );
  const apply = examples(
    new Command("apply")
      .description("Upload profiles.yaml to the LAPI (needs a LAPI that stores profiles)")
      .option("-f, --file <path>", "profiles file (default: <config dir>/profiles.yaml)")
      .action((o) => {
        const { path } = read(o.file);
        throw new CliError(
          `${path} is valid, but applying profiles is not supported by this LAPI yet (no /admin/v1/profiles endpoint); the LAPI uses its built-in default profiles`,
          EXIT.failure,
        );
      }),
    ["rampart profiles apply -f ./profiles.yaml"],
  );
  return new Command("profiles")
    .description("Check and apply LAPI profiles (profiles.yaml)")
    .addCommand(show)
    .addCommand(apply);
}

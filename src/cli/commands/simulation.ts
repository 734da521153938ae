/**
 * `rampart simulation enable|disable|status` — edits `<config dir>/simulation.yaml` exactly like
 * cscli 1.4.6 (cmd/crowdsec-cli/simulation.go): `simulation` is the global switch and
 * `exclusions` lists the scenarios that do the *opposite* of it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { CliError, EXIT } from "../cli-error.js";
import type { CliConfig } from "../config.js";
import { type CliIo, json } from "../output.js";
import { examples, outputOf } from "./context.js";

const simulationSchema = z
  .object({
    simulation: z.boolean().nullable().default(false),
    exclusions: z.array(z.string()).nullable().default([]),
  })
  .strict();

/** The simulation config (CrowdSec's `SimulationConfig`). */
export interface SimulationConfig {
  simulation: boolean;
  exclusions: string[];
}

/** Reads `path`; a missing file means "no simulation". */
export function readSimulation(path: string): SimulationConfig {
  if (!existsSync(path)) return { simulation: false, exclusions: [] };
  let raw: unknown;
  try {
    // go-yaml reads YAML 1.1: the packaged file says `simulation: off`.
    raw = parse(readFileSync(path, "utf8"), { version: "1.1" }) ?? {};
  } catch (error) {
    throw new CliError(
      `${path}: invalid YAML: ${(error as Error).message.split("\n")[0]}`,
      EXIT.usage,
    );
  }
  const parsed = simulationSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(
      `${path}: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      EXIT.usage,
    );
  }
  return { simulation: parsed.data.simulation ?? false, exclusions: parsed.data.exclusions ?? [] };
}

/** Whether `scenario` runs in simulation under `config` (CrowdSec's `IsSimulated`). */
export function isSimulated(config: SimulationConfig, scenario: string): boolean {
  return config.exclusions.includes(scenario) ? !config.simulation : config.simulation;
}

/** `enable`/`disable` of scenarios or of the global switch; returns the new config. */
export function toggle(
  config: SimulationConfig,
  on: boolean,
  scenarios: string[],
  global: boolean,
): SimulationConfig {
  // cscli resets the exclusions when flipping the global switch.
  if (global) return { simulation: on, exclusions: [] };
  let exclusions = [...config.exclusions];
  for (const s of scenarios) {
    // Global on: simulated unless excluded. Global off: simulated only if excluded.
    const wantExcluded = config.simulation ? !on : on;
    exclusions = exclusions.filter((e) => e !== s);
    if (wantExcluded) exclusions.push(s);
  }
  return { simulation: config.simulation, exclusions };
}

/** Dependencies: where the config dir is. */
export interface SimulationDeps {
  io: CliIo;
  config: () => Pick<CliConfig, "configDir">;
}

/** `rampart simulation`. */
export function makeSimulationCommand(deps: SimulationDeps): Command {
  const file = () => join(deps.config().configDir, "simulation.yaml");
  const write = (c: SimulationConfig) => {
    try {
      writeFileSync(file(), stringify({ simulation: c.simulation, exclusions: c.exclusions }));
    } catch (error) {
      throw new CliError(
        `cannot write ${file()}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        EXIT.failure,
      );
    }
  };
  const change = (on: boolean) =>
    new Command(on ? "enable" : "disable")
      .description(
        on
          ? "Put scenarios (or everything with --global) in simulation mode"
          : "Take scenarios (or everything with --global) out of simulation mode",
      )
      .argument("[scenario...]", "scenario names, e.g. crowdsecurity/ssh-bf")
      .option(
        "-g, --global",
        on ? "enable simulation for every scenario" : "disable the global simulation",
      )
      .action((scenarios: string[], o: { global?: boolean }) => {
        if (!o.global && scenarios.length === 0) {
          throw new CliError("give scenario names or --global", EXIT.usage);
        }
        const before = readSimulation(file());
        write(toggle(before, on, scenarios, o.global === true));
        const what = o.global ? "global simulation" : scenarios.join(", ");
        deps.io.stdout(
          `${what}: ${on ? "enabled" : "disabled"}\nRun 'systemctl reload crowdsec' (or restart the agent) for it to apply.\n`,
        );
      });
  const status = new Command("status")
    .description("Show the simulation mode of scenarios")
    .action((_o, command: Command) => {
      const c = readSimulation(file());
      if (outputOf(command) === "json") {
        deps.io.stdout(json(c));
        return;
      }
      let out = `global simulation: ${c.simulation ? "enabled" : "disabled"}\n`;
      if (c.exclusions.length > 0) {
        out += `Scenarios ${c.simulation ? "not in" : "in"} simulation mode :\n`;
        for (const e of c.exclusions) out += `  - ${e}\n`;
      }
      deps.io.stdout(out);
    });
  return new Command("simulation")
    .description("Manage simulation mode (<config dir>/simulation.yaml)")
    .addCommand(
      examples(change(true), [
        "rampart simulation enable crowdsecurity/ssh-bf",
        "rampart simulation enable --global",
      ]),
    )
    .addCommand(
      examples(change(false), [
        "rampart simulation disable crowdsecurity/ssh-bf",
        "rampart simulation disable --global",
      ]),
    )
    .addCommand(
      examples(status, [
        "rampart simulation status",
        "RAMPART_CONFIG_DIR=./etc rampart simulation status -o json",
      ]),
    );
}

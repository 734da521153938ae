/**
 * Commands that work on the host rather than (only) the LAPI: hub, explain, simulation, profiles,
 * metrics, deploy. Kept apart from `program.ts` so LAPI-only tests need none of their deps.
 */
import type { Command } from "commander";
import { makeExplainCommand } from "./commands/explain.js";
import { makeHubCommand } from "./commands/hub.js";
import { makeSimulationCommand } from "./commands/simulation.js";
import type { CliConfig } from "./config.js";
import type { LapiClient } from "./lapi-client.js";
import type { CliIo } from "./output.js";

/** Dependencies of the host commands. */
export interface HostDeps {
  io: CliIo;
  now: () => Date;
  config: () => CliConfig;
  client: LapiClient;
  cwd: string;
}

/** Host commands, in the order `--help` lists them. */
export function makeHostCommands(deps: HostDeps): Command[] {
  return [makeHubCommand(deps), makeExplainCommand(deps), makeSimulationCommand(deps)];
}

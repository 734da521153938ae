/**
 * Builds the `rampart` command tree. Every dependency comes in through {@link ProgramDeps}, so
 * tests build the same program with a fake LAPI client and captured output.
 */
import { Command, CommanderError, Option } from "commander";
import { CliError, EXIT } from "./cli-error.js";
import { makeAlertsCommand } from "./commands/alerts.js";
import { makeAllowlistsCommand } from "./commands/allowlists.js";
import { makeBouncersCommand } from "./commands/bouncers.js";
import { makeDecisionsCommand } from "./commands/decisions.js";
import { makeLapiCommand } from "./commands/lapi.js";
import { listsArgv, makeListsCommand } from "./commands/lists.js";
import { makeMachinesCommand } from "./commands/machines.js";
import type { CliConfig } from "./config.js";
import type { LapiClient } from "./lapi-client.js";
import { type CliIo, OUTPUT_FORMATS } from "./output.js";

/** What the program needs from the outside world. */
export interface ProgramDeps {
  client: LapiClient;
  io: CliIo;
  now: () => Date;
  /** The resolved configuration (read lazily: `--help` must work without any). */
  config: () => CliConfig;
  /** Extra commands that need more than the LAPI (hub, explain, deploy…), added by `main`. */
  extraCommands?: Command[];
  writeFile?: (path: string, text: string) => void;
}

/** Global options, readable by every subcommand through `optsWithGlobals()`. */
export interface GlobalOptions {
  output?: string;
  url?: string;
  config?: string;
  color: boolean;
}

function applyRecursively(command: Command, io: CliIo): void {
  command.exitOverride();
  command.configureOutput({
    writeOut: (s) => io.stdout(s),
    writeErr: (s) => io.stderr(s),
    outputError: (s, write) => write(s),
  });
  for (const sub of command.commands) applyRecursively(sub, io);
}

/** The whole `rampart` program. */
export function makeProgram(deps: ProgramDeps): Command {
  const url = () => deps.config().url;
  const lapiDeps = { client: deps.client, io: deps.io, now: deps.now };
  const program = new Command("rampart")
    .description(
      "Manage a Rampart (CrowdSec-compatible) LAPI and agent host — the cscli of Rampart",
    )
    .version("0.1.0")
    .addOption(new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS))
    .option("-c, --config <file>", "CLI config file (default ~/.config/rampart/config.yaml)")
    .option("-u, --url <url>", "LAPI URL (default RAMPART_URL or http://127.0.0.1:8080/)")
    .option("--no-color", "disable colours (they are only used on a terminal anyway)")
    .showSuggestionAfterError()
    .addCommand(makeDecisionsCommand(lapiDeps))
    .addCommand(makeAlertsCommand(lapiDeps))
    .addCommand(makeBouncersCommand(lapiDeps))
    .addCommand(makeMachinesCommand({ ...lapiDeps, url, writeFile: deps.writeFile }))
    .addCommand(makeAllowlistsCommand(lapiDeps))
    .addCommand(makeListsCommand(lapiDeps))
    .addCommand(makeLapiCommand({ ...lapiDeps, url, writeFile: deps.writeFile }));
  for (const extra of deps.extraCommands ?? []) program.addCommand(extra);
  program.addHelpText(
    "after",
    `
Configuration: ~/.config/rampart/config.yaml (or --config), then RAMPART_URL, RAMPART_ADMIN_TOKEN,
RAMPART_MACHINE_ID / RAMPART_PASSWORD, RAMPART_CREDENTIALS_FILE (a CrowdSec local_api_credentials.yaml).
Against \`npm start\`'s local stack the admin token is read from .dev.vars automatically.

Examples:
  rampart decisions add -i 1.2.3.4 -d 24h
  rampart decisions list -o json
  rampart alerts inspect 1
  rampart bouncers add my-bouncer
  rampart explain --log 'Nov 21 06:00:01 host sshd[1]: Invalid user admin from 1.2.3.4 port 22' --type syslog
`,
  );
  applyRecursively(program, deps.io);
  return program;
}

/**
 * Parses `argv` and runs the command; returns the exit code. A `CliError` becomes one line on
 * stderr, anything else one "unexpected error" line (the stack only with `debug`).
 */
export async function runProgram(
  program: Command,
  argv: string[],
  io: CliIo,
  debug = false,
): Promise<number> {
  try {
    await program.parseAsync(listsArgv(argv), { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander (one line).
      return error.exitCode === 0 ? 0 : EXIT.usage;
    }
    if (error instanceof CliError) {
      if (error.message) io.stderr(`rampart: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`rampart: unexpected error: ${message.split("\n")[0]}\n`);
    if (debug && error instanceof Error) io.stderr(`${error.stack}\n`);
    return EXIT.failure;
  }
}

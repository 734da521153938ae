/** What every LAPI-backed command factory shares: its dependencies, `-o`, and help examples. */
import type { Command } from "commander";
import type { LapiClient } from "../lapi-client.js";
import { type CliIo, type OutputFormat, parseOutput } from "../output.js";

/** What LAPI-backed command factories take. */
export interface LapiCommandDeps {
  client: LapiClient;
  io: CliIo;
  /** The clock (decision expirations in human output, import alert times). */
  now: () => Date;
}

/** The `-o/--output` value of a command (a global option, so it may come before or after the verb). */
export function outputOf(command: Command): OutputFormat {
  return parseOutput((command.optsWithGlobals() as { output?: string }).output);
}

/** Appends an "Examples:" block to a command's `--help`. */
export function examples(command: Command, lines: string[]): Command {
  return command.addHelpText("after", `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
}

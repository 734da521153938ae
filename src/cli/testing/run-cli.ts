/** Runs the program in-process against a fake LAPI and captures stdout, stderr and the exit code. */
import type { Command } from "commander";
import type { CliConfig } from "../config.js";
import { DEFAULTS } from "../config.js";
import type { LapiClient } from "../lapi-client.js";
import type { CliIo } from "../output.js";
import { makeProgram, runProgram } from "../program.js";

/** What one run printed. */
export interface CliRun {
  stdout: string;
  stderr: string;
  code: number;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  config?: Partial<CliConfig>;
  now?: Date;
  files?: Map<string, string>;
  extraCommands?: (io: CliIo) => Command[];
}

/** A test configuration (no file system, no environment). */
export function testConfig(overrides: Partial<CliConfig> = {}): CliConfig {
  return {
    url: "http://lapi.test/",
    adminToken: "test-admin",
    configDir: "/nonexistent",
    hubDir: "/nonexistent/hub",
    dataDir: DEFAULTS.dataDir,
    patternsDir: "/nonexistent/patterns",
    hubUrl: DEFAULTS.hubUrl,
    hubBranch: DEFAULTS.hubBranch,
    patternsUrl: DEFAULTS.patternsUrl,
    prometheusUrl: DEFAULTS.prometheusUrl,
    ...overrides,
  };
}

/** Builds a fresh program (commander keeps state per instance) and runs `args`. */
export async function runCli(
  client: LapiClient,
  args: string[],
  options: RunCliOptions = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    color: false,
    interactive: false,
  };
  const program = makeProgram({
    client,
    io,
    now: () => options.now ?? new Date("2026-11-21T06:00:00Z"),
    config: () => testConfig(options.config),
    writeFile: (path, text) => options.files?.set(path, text),
    extraCommands: options.extraCommands?.(io),
  });
  const code = await runProgram(program, args, io);
  return { stdout, stderr, code };
}

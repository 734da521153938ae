/**
 * `rampart-agent` command line, CrowdSec-style flags: `-c <agent.yaml>`, `-t` (test the
 * configuration and exit), `-dsn <file://…> --type <label>` (one-shot acquisition). Returns the
 * exit code; only the bin's entry (`daemon/bundle-entry.ts`) sets it.
 */

import { type AcquisitionChoice, formatConfigTest, testConfiguration } from "./check-config.js";
import { ConfigError } from "./config/config-error.js";
import { runDaemon } from "./daemon/run-daemon.js";
import { runReplay } from "./replay/run-replay.js";

/** The default config path of a package install. */
export const DEFAULT_CONFIG = "/etc/rampart/agent.yaml";

/** Where `main` writes. */
export interface MainIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const USAGE = `usage: rampart-agent [-c agent.yaml] [-t] [-dsn file:///path --type <type> [--local]]
  (no -t/-dsn)    run the agent daemon (SIGTERM/SIGINT: flush and stop, SIGHUP: reload)
  -c <file>       agent configuration (default ${DEFAULT_CONFIG})
  -t              test the configuration (config, credentials, acquisition, hub) and exit;
                  with -dsn … --local the credentials file is not needed
  -dsn <dsn>      one-shot acquisition instead of the acquisition files (file:// only)
  --type <type>   labels.type of the -dsn lines
  --local         with -dsn: run the buckets in-process and print alerts (no LAPI)`;

interface Flags {
  config: string;
  test: boolean;
  dsn: string | null;
  type: string | null;
  local: boolean;
}

function parseFlags(args: readonly string[]): Flags | string {
  const flags: Flags = {
    config: DEFAULT_CONFIG,
    test: false,
    dsn: null,
    type: null,
    local: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    try {
      if (arg === "-c" || arg === "--config") flags.config = value();
      else if (arg === "-t" || arg === "--test") flags.test = true;
      else if (arg === "-dsn" || arg === "--dsn") flags.dsn = value();
      else if (arg === "-type" || arg === "--type") flags.type = value();
      else if (arg === "-local" || arg === "--local") flags.local = true;
      else if (arg === "-h" || arg === "--help") return "";
      else return `unknown flag ${arg}`;
    } catch (error) {
      return (error as Error).message;
    }
  }
  return flags;
}

/** Runs the command; returns the process exit code (a promise for the long-running modes). */
export function main(args: readonly string[], io: MainIo): number | Promise<number> {
  const flags = parseFlags(args);
  if (typeof flags === "string") {
    if (flags !== "") io.stderr(`${flags}\n`);
    io.stderr(`${USAGE}\n`);
    return flags === "" ? 0 : 2;
  }
  if (flags.dsn !== null && flags.type === null) {
    io.stderr("-dsn needs --type (the labels.type of its lines)\n");
    return 2;
  }
  if (flags.local && flags.dsn === null) {
    io.stderr("--local needs -dsn (only a one-shot replay can run without the LAPI)\n");
    return 2;
  }
  if (!flags.test && flags.dsn !== null) {
    return runReplay(
      { configPath: flags.config, dsn: flags.dsn, type: flags.type!, local: flags.local },
      io,
    );
  }
  // The daemon: acquisition → pipeline → delivery until SIGTERM (agent/daemon/).
  if (!flags.test) return runDaemon(flags.config, io);
  const acquisition: AcquisitionChoice =
    flags.dsn === null
      ? { kind: "config" }
      : { kind: "dsn", dsn: flags.dsn, type: flags.type!, local: flags.local };
  try {
    io.stdout(`${formatConfigTest(testConfiguration(flags.config, acquisition))}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`configuration test failed: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * Runs the real `cscli` 1.4.6 as a LAPI *client*: a generated config directory whose
 * `local_api_credentials.yaml` points at any LAPI (real or Rampart) with given credentials.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import {
  type CrowdsecInstall,
  crowdsecInstall,
  type LapiCredentials,
  makeTempDir,
  removeDir,
  writeCrowdsecConfig,
} from "./crowdsec-config.js";
import { type CommandResult, runCommand } from "./processes.js";

/** A cscli bound to one LAPI and one set of machine credentials. */
export interface Cscli {
  readonly configPath: string;
  readonly credentialsPath: string;
  /** The temporary directory holding the config (masked by `normalize`). */
  readonly dir: string;
  /** `cscli -c <config> --color no <args>`; add `-o json` yourself for JSON output. */
  run(args: string[], options?: { timeoutMs?: number; input?: string }): Promise<CommandResult>;
  /** Like `run`, but throws with both streams when the exit code is not 0. */
  mustRun(args: string[], options?: { timeoutMs?: number }): Promise<CommandResult>;
  /** Runs with `-o json` and parses stdout. */
  json<T = unknown>(args: string[]): Promise<T>;
  /** Current content of the credentials file (rewritten by `lapi register`). */
  credentials(): LapiCredentials;
  /** Removes the config directory. */
  cleanup(): void;
}

/** Options of {@link createCscli}. */
export interface CscliOptions {
  credentials: LapiCredentials;
  install?: CrowdsecInstall;
}

/** Writes a client-only config (no `api.server`) and returns a runner for it. */
export function createCscli(options: CscliOptions): Cscli {
  const install = options.install ?? crowdsecInstall();
  const dir = makeTempDir("cscli");
  const config = writeCrowdsecConfig({ dir, install, credentials: options.credentials });
  const run = (args: string[], runOptions: { timeoutMs?: number; input?: string } = {}) =>
    runCommand(install.cscli, ["-c", config.configPath, "--color", "no", ...args], {
      cwd: dir,
      timeoutMs: runOptions.timeoutMs,
      input: runOptions.input,
      // cscli reads no CrowdSec variables for client commands; keep the environment minimal.
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, TZ: "UTC" },
    });
  const mustRun = async (args: string[], runOptions: { timeoutMs?: number } = {}) => {
    const result = await run(args, runOptions);
    if (result.code !== 0) {
      throw new Error(
        `cscli ${args.join(" ")} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
      );
    }
    return result;
  };
  return {
    configPath: config.configPath,
    credentialsPath: config.credentialsPath,
    dir,
    run,
    mustRun,
    async json<T>(args: string[]) {
      const { stdout } = await mustRun([...args, "-o", "json"]);
      return JSON.parse(stdout) as T;
    },
    credentials() {
      return parse(readFileSync(config.credentialsPath, "utf8")) as LapiCredentials;
    },
    cleanup: () => removeDir(dir),
  };
}

/**
 * Entry point of the `rampart` binary: wires the real HTTP client, configuration and terminal
 * output into {@link makeProgram}, runs it, and is the only place that sets the exit code.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { fileMachineStore } from "./cli-machine.js";
import { type CliConfig, loadConfig } from "./config.js";
import { makeHostCommands } from "./host-commands.js";
import { createHttpLapiClient } from "./http-lapi-client.js";
import { makeSender } from "./http-transport.js";
import type { LapiClient } from "./lapi-client.js";
import type { CliIo } from "./output.js";
import { type GlobalOptions, makeProgram, runProgram } from "./program.js";

/** A client built on first use, so `--help` and local commands never need a LAPI config. */
export function lazyClient(factory: () => LapiClient): LapiClient {
  let real: LapiClient | undefined;
  return new Proxy({} as LapiClient, {
    get:
      (_target, prop) =>
      (...args: unknown[]) => {
        real ??= factory();
        return (real[prop as keyof LapiClient] as (...a: unknown[]) => unknown)(...args);
      },
  });
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Promise<number> {
  let options: () => GlobalOptions = () => ({ color: true });
  const io: CliIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    get color() {
      return process.stdout.isTTY === true && !env.NO_COLOR && options().color !== false;
    },
    interactive: process.stderr.isTTY === true,
  };
  let cached: CliConfig | undefined;
  const config = () => {
    cached ??= loadConfig({ env, cwd, configPath: options().config, url: options().url });
    return cached;
  };
  const stateDir = env.RAMPART_STATE_DIR ?? join(env.HOME ?? homedir(), ".config", "rampart");
  const client = lazyClient(() => {
    const c = config();
    return createHttpLapiClient({
      config: c,
      send: makeSender({ certFile: c.certFile, keyFile: c.keyFile, caFile: c.caFile }),
      machines: fileMachineStore(join(stateDir, "machines.yaml")),
      onMachineCreated: (login) =>
        io.stderr(
          `rampart: created machine '${login}' for the CLI through the admin API (password kept in ${join(stateDir, "machines.yaml")})\n`,
        ),
    });
  });
  const now = () => new Date();
  const program = makeProgram({
    client,
    io,
    now,
    config,
    extraCommands: makeHostCommands({ io, now, config, client, cwd }),
  });
  options = () => program.opts<GlobalOptions>();
  return runProgram(program, argv, io, Boolean(env.RAMPART_DEBUG));
}

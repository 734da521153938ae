/**
 * Commands that work on the host rather than (only) the LAPI: hub, explain, simulation, profiles,
 * metrics, deploy. Kept apart from `program.ts` so LAPI-only tests need none of their deps.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { makeDeployCommand, type RunResult } from "./commands/deploy.js";
import { makeExplainCommand } from "./commands/explain.js";
import { makeHubCommand, makeHubTypeCommands } from "./commands/hub.js";
import { makeHubTestCommand } from "./commands/hubtest.js";
import { makeMetricsCommand } from "./commands/metrics.js";
import { makeProfilesCommand } from "./commands/profiles.js";
import { makeSetupCommand } from "./commands/setup.js";
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

/** The Rampart checkout: the nearest directory at or above `cwd` with a wrangler.toml, else `cwd`. */
export function projectRoot(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "wrangler.toml"))) return dir;
    if (dirname(dir) === dir) return resolve(cwd);
  }
}

function runWrangler(
  root: string,
  args: string[],
  options: { cwd: string; input?: string },
): Promise<RunResult> {
  return new Promise((done) => {
    const child = spawn(join(root, "node_modules", ".bin", "wrangler"), args, {
      cwd: options.cwd,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", (error) =>
      done({ code: 127, stdout, stderr: `${stderr}\n${error.message}` }),
    );
    child.on("close", (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** Host commands, in the order `--help` lists them. */
export function makeHostCommands(deps: HostDeps): Command[] {
  const root = () => projectRoot(deps.cwd);
  return [
    makeHubCommand(deps),
    ...makeHubTypeCommands(deps),
    makeExplainCommand(deps),
    makeHubTestCommand(deps),
    makeSimulationCommand(deps),
    makeSetupCommand(deps),
    makeProfilesCommand(deps),
    makeMetricsCommand(deps),
    makeDeployCommand({
      io: deps.io,
      projectRoot: root,
      wrangler: (args, o) => runWrangler(root(), args, o),
    }),
  ];
}

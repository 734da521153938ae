/**
 * Starts the real CrowdSec 1.4.6 LAPI (`crowdsec -c <cfg> -no-cs`) on a free loopback port with a
 * temporary SQLite database, no Central API, a fixed `CS_LAPI_SECRET` and the default trusted IPs.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import {
  type CrowdsecConfig,
  type CrowdsecInstall,
  crowdsecInstall,
  makeTempDir,
  removeDir,
  writeCrowdsecConfig,
} from "./crowdsec-config.js";
import { type LapiTarget, randomSecret } from "./lapi-target.js";
import { freePort, runCommand, startProcess, waitFor } from "./processes.js";

/** A running real LAPI plus the configuration `cscli` must share with it. */
export interface RealLapi extends LapiTarget {
  readonly kind: "crowdsec";
  readonly config: CrowdsecConfig;
  readonly install: CrowdsecInstall;
  /** Runs `cscli -c <server config> ...` (direct-DB commands: machines, bouncers). */
  cscli(args: string[]): Promise<{ stdout: string; stderr: string; code: number | null }>;
  /** Stops and starts `crowdsec` again on the same port, configuration and database. */
  restart(): Promise<void>;
}

/** Options of {@link startRealLapi}. */
export interface RealLapiOptions {
  install?: CrowdsecInstall;
  logLevel?: "debug" | "info";
  /** profiles.yaml text (default: the packaged Debian one). */
  profiles?: string;
  /**
   * Notifier configurations (YAML texts, `type: http`): the packaged http plugin is installed
   * as `notification-http` (the name 1.4.6's broker expects) and registered. Needs root, which
   * the broker requires to own plugin binaries.
   */
  notifications?: string[];
  /** Central API credentials (`online_client`): the LAPI registers its signals and pulls there. */
  onlineApi?: { url: string; login: string; password: string };
}

/** Writes the optional profiles / notifier files and enables the plugin broker. */
function customize(
  dir: string,
  install: CrowdsecInstall,
  options: RealLapiOptions,
  configPath?: string,
) {
  if (!configPath) {
    if (options.profiles !== undefined) {
      mkdirSync(join(dir, "etc"), { recursive: true });
      writeFileSync(join(dir, "etc", "profiles.yaml"), options.profiles);
    }
    return;
  }
  if (!options.notifications?.length) return;
  const plugins = join(dir, "plugins");
  mkdirSync(plugins, { recursive: true });
  copyFileSync(
    join(install.root, "usr/lib/crowdsec/plugins/http"),
    join(plugins, "notification-http"),
  );
  options.notifications.forEach((text, i) => {
    writeFileSync(join(dir, "etc", "notifications", `notifier-${i}.yaml`), text);
  });
  const config = parse(readFileSync(configPath, "utf8")) as Record<string, Record<string, unknown>>;
  config.config_paths!.plugin_dir = `${plugins}/`;
  config.plugin_config = { user: "root", group: "root" };
  writeFileSync(configPath, stringify(config));
}

/** Starts the real LAPI and waits for `GET /health` → 200. */
export async function startRealLapi(options: RealLapiOptions = {}): Promise<RealLapi> {
  const install = options.install ?? crowdsecInstall();
  const dir = makeTempDir("real-lapi");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  customize(dir, install, options);
  const config = writeCrowdsecConfig({
    dir,
    install,
    server: { listenUri: `127.0.0.1:${port}`, onlineApi: options.onlineApi },
    logLevel: options.logLevel ?? "info",
  });
  customize(dir, install, options, config.configPath);
  // 1.4.6 refuses secrets shorter than 64 bytes ("CS_LAPI_SECRET not strong enough").
  const jwtSecret = randomSecret(96);
  const env = { ...process.env, CS_LAPI_SECRET: jwtSecret };
  let earlierLogs = "";
  const launch = async () => {
    const started = startProcess(install.crowdsec, ["-c", config.configPath, "-no-cs"], {
      cwd: dir,
      env,
    });
    try {
      await waitFor(
        "real LAPI /health",
        async () => {
          if (started.exited()) throw new Error(`crowdsec exited:\n${started.output()}`);
          const res = await fetch(`${url}health`);
          return res.status === 200;
        },
        { timeoutMs: 30_000, diagnostics: started.output },
      );
    } catch (error) {
      await started.stop();
      throw error;
    }
    return started;
  };
  const cscli = (args: string[]) =>
    runCommand(install.cscli, ["-c", config.configPath, ...args], { cwd: dir, env });
  const mustCscli = async (args: string[]) => {
    const result = await cscli(args);
    if (result.code !== 0) {
      throw new Error(`cscli ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
    }
    return result;
  };
  let server: Awaited<ReturnType<typeof launch>>;
  try {
    server = await launch();
  } catch (error) {
    removeDir(dir);
    throw error;
  }
  return {
    kind: "crowdsec",
    url,
    jwtSecret,
    config,
    install,
    cscli,
    async addMachine(machineId, password) {
      // `-f` keeps the server's own credentials file untouched.
      await mustCscli([
        "machines",
        "add",
        machineId,
        "-p",
        password,
        "-f",
        `${dir}/m-${machineId}.yaml`,
      ]);
    },
    async validateMachine(machineId) {
      await mustCscli(["machines", "validate", machineId]);
    },
    async listMachines() {
      const { stdout } = await mustCscli(["machines", "list", "-o", "json"]);
      const rows = (JSON.parse(stdout) ?? []) as { machineId: string; isValidated?: boolean }[];
      return rows.map((r) => ({ machineId: r.machineId, isValidated: r.isValidated === true }));
    },
    async deleteMachine(machineId) {
      await mustCscli(["machines", "delete", machineId]);
    },
    async addBouncer(name, key) {
      const { stdout } = await mustCscli([
        "bouncers",
        "add",
        name,
        "-o",
        "raw",
        ...(key ? ["--key", key] : []),
      ]);
      return stdout.trim();
    },
    async deleteBouncer(name) {
      await mustCscli(["bouncers", "delete", name]);
    },
    logs: () => earlierLogs + server.output(),
    async restart() {
      earlierLogs += server.output();
      await server.stop();
      server = await launch();
    },
    async stop() {
      await server.stop();
      removeDir(dir);
    },
  };
}

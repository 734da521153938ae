/**
 * The real CrowdSec 1.4.6 as operators run it: one `crowdsec` process with its LAPI and its
 * agent, Prometheus on (`level: full`, a free loopback port), tailing one log file through
 * `acquis.yaml`, so `cscli metrics` can be run against it once the lines are processed. (A
 * `mode: cat` datasource would stop the whole process once read: 1.4.6 ends acquisition, and
 * with it crowdsec, when any datasource returns.) Lines are appended once the tailer provably
 * sits at the end of the file: the file starts with one line, and `/proc/<pid>/fdinfo` shows
 * the crowdsec descriptor of it at that offset.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import {
  type CrowdsecConfig,
  type CrowdsecInstall,
  crowdsecInstall,
  type HubItemRef,
  makeTempDir,
  removeDir,
  writeCrowdsecConfig,
} from "./crowdsec-config.js";
import { freePort, type ManagedProcess, runCommand, startProcess, waitFor } from "./processes.js";

/** The line the tailed file starts with (before the tailer opens it: never read). */
const PRIMER = "primer\n";

/** Whether process `pid` holds `path` open at byte `offset` (Linux /proc). */
function holdsAt(pid: number, path: string, offset: number): boolean {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (target !== path) continue;
      const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8");
      if (new RegExp(`^pos:\\s+${offset}$`, "m").test(info)) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/** Options of {@link startCrowdsecStack}. */
export interface CrowdsecStackOptions {
  /** Lines appended to the tailed file once crowdsec tails it. */
  logLines: string[];
  /** `labels.type` of the file (default `syslog`). */
  type?: string;
  hubItems: HubItemRef[];
  install?: CrowdsecInstall;
}

/** A running stack. */
export interface CrowdsecStack {
  readonly process: ManagedProcess;
  readonly config: CrowdsecConfig;
  readonly logPath: string;
  readonly prometheusUrl: string;
  /** The LAPI's base URL (trailing slash). */
  readonly url: string;
  /** `cscli -c <config> …`. */
  cscli(args: string[]): Promise<{ stdout: string; stderr: string; code: number | null }>;
  stop(): Promise<void>;
}

/** Starts LAPI + agent and resolves once `/health` answers. */
export async function startCrowdsecStack(options: CrowdsecStackOptions): Promise<CrowdsecStack> {
  const install = options.install ?? crowdsecInstall();
  const dir = makeTempDir("crowdsec-stack");
  const logPath = join(dir, "auth.log");
  writeFileSync(logPath, PRIMER);
  const [apiPort, promPort] = [await freePort(), await freePort()];
  const config = writeCrowdsecConfig({
    dir,
    install,
    server: { listenUri: `127.0.0.1:${apiPort}` },
    hubItems: options.hubItems,
    acquisition: [{ filename: logPath, labels: { type: options.type ?? "syslog" } }],
  });
  const yaml = parse(readFileSync(config.configPath, "utf8")) as Record<string, unknown>;
  yaml.prometheus = {
    enabled: true,
    level: "full",
    listen_addr: "127.0.0.1",
    listen_port: promPort,
  };
  writeFileSync(config.configPath, stringify(yaml));
  const env = { ...process.env, CS_LAPI_SECRET: randomBytes(48).toString("hex") };
  const cscli = (args: string[]) =>
    runCommand(install.cscli, ["-c", config.configPath, ...args], { cwd: dir, env });
  const added = await cscli(["machines", "add", "localhost", "--auto", "--force"]);
  if (added.code !== 0) throw new Error(`cscli machines add: ${added.stderr}`);
  const server = startProcess(install.crowdsec, ["-c", config.configPath], { cwd: dir, env });
  const url = `http://127.0.0.1:${apiPort}/`;
  try {
    await waitFor(
      "CrowdSec stack /health",
      async () => {
        if (server.exited()) throw new Error(`crowdsec exited:\n${server.output()}`);
        return (await fetch(`${url}health`).catch(() => null))?.status === 200;
      },
      { timeoutMs: 60_000, diagnostics: server.output },
    );
    await waitFor(
      "crowdsec tailing the log at its end",
      () => holdsAt(server.child.pid!, logPath, PRIMER.length),
      {
        timeoutMs: 60_000,
        diagnostics: server.output,
      },
    );
  } catch (error) {
    await server.stop();
    removeDir(dir);
    throw error;
  }
  appendFileSync(logPath, `${options.logLines.join("\n")}\n`);
  return {
    process: server,
    config,
    logPath,
    prometheusUrl: `http://127.0.0.1:${promPort}/metrics`,
    url,
    cscli,
    async stop() {
      await server.stop();
      removeDir(dir);
    },
  };
}

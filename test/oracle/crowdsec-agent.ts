/**
 * Runs the real `crowdsec` 1.4.6 agent without its own API (`-no-api`) against a LAPI, replaying a
 * log file in time-machine mode (`-dsn file://<log> -type syslog`) with the Linux/sshd hub items.
 * The agent logs in with the machine credentials, sends heartbeats and pushes the alerts of the
 * scenarios that overflow.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CrowdsecInstall,
  crowdsecInstall,
  type HubItemRef,
  type LapiCredentials,
  makeTempDir,
  removeDir,
  writeCrowdsecConfig,
} from "./crowdsec-config.js";
import { type ManagedProcess, startProcess } from "./processes.js";

/** Hub items of the sshd replay: syslog + dateparse (collection `crowdsecurity/linux`). */
export const SSHD_HUB_ITEMS: HubItemRef[] = ["collections:crowdsecurity/linux"];

/** Options of {@link startCrowdsecAgent}. */
export interface CrowdsecAgentOptions {
  credentials: LapiCredentials;
  /** Lines of the log file to replay. */
  logLines: string[];
  /** `-type` label of the replayed file (default `syslog`). */
  type?: string;
  hubItems?: HubItemRef[];
  install?: CrowdsecInstall;
  /**
   * `replay` (default): time-machine `-dsn file://…`, exits once the file is processed (no
   * heartbeat: 1.4.6 sends the first one after a minute). `live`: tails the file through
   * `acquis.yaml` until stopped; lines are added with `append`.
   */
  mode?: "replay" | "live";
}

/** A running agent. */
export interface CrowdsecAgent {
  readonly process: ManagedProcess;
  readonly logPath: string;
  /** Appends lines to the tailed file (live mode). */
  append(lines: string[]): void;
  /** Resolves with the exit code once the agent ends by itself. */
  exited(): Promise<number | null>;
  /** The exit code wrapped in an object once exited (for polling), else `undefined`. */
  exitCode(): { code: number | null } | undefined;
  stop(): Promise<void>;
}

/** Starts the agent; in `-dsn` mode it exits by itself once the file is processed. */
export function startCrowdsecAgent(options: CrowdsecAgentOptions): CrowdsecAgent {
  const install = options.install ?? crowdsecInstall();
  const dir = makeTempDir("agent");
  const logPath = join(dir, "replay.log");
  const type = options.type ?? "syslog";
  const live = options.mode === "live";
  const config = writeCrowdsecConfig({
    dir,
    install,
    credentials: options.credentials,
    hubItems: options.hubItems ?? SSHD_HUB_ITEMS,
    acquisition: live ? [{ filenames: [logPath], labels: { type } }] : [],
  });
  writeFileSync(logPath, options.logLines.map((l) => `${l}\n`).join(""));
  const source = live ? [] : ["-dsn", `file://${logPath}`, "-type", type];
  const agent = startProcess(
    install.crowdsec,
    ["-c", config.configPath, "-no-api", ...source, "-info"],
    { cwd: dir, env: { ...process.env, TZ: "UTC" } },
  );
  let exit: { code: number | null } | undefined;
  const exitPromise = new Promise<number | null>((resolveExit) => {
    agent.child.once("close", (code) => {
      exit = { code };
      resolveExit(code);
    });
  });
  return {
    process: agent,
    logPath,
    append(lines) {
      appendFileSync(logPath, lines.map((l) => `${l}\n`).join(""));
    },
    exited: () => exitPromise,
    exitCode: () => exit,
    async stop() {
      await agent.stop();
      removeDir(dir);
    },
  };
}

/**
 * sshd "Failed password" lines, `count` per source IP, one second apart (sshd brute force as seen
 * by `crowdsecurity/ssh-bf`: capacity 5, leak 10 s → the 6th line within the burst overflows).
 */
export function sshdBruteForceLines(sources: string[], count: number, start: Date): string[] {
  const lines: string[] = [];
  let t = start.getTime();
  let pid = 4000;
  for (const ip of sources) {
    for (let i = 0; i < count; i++) {
      const stamp = syslogStamp(new Date(t));
      lines.push(
        `${stamp} bastion sshd[${pid}]: Failed password for invalid user admin${i} from ${ip} port ${40000 + i} ssh2`,
      );
      t += 1000;
      pid += 1;
    }
  }
  return lines;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** RFC 3164 timestamp (`Nov  1 05:02:03`) in UTC. */
function syslogStamp(d: Date): string {
  const day = String(d.getUTCDate()).padStart(2, " ");
  const hms = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
  return `${MONTHS[d.getUTCMonth()]} ${day} ${hms}`;
}

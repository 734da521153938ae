/**
 * Runs the real `rampart-agent` command line (its entry from source, `test/support/bins.ts`) in replay mode against a
 * LAPI: writes a throw-away agent install (agent.yaml over the Debian hub of the oracle cache, the
 * machine's `local_api_credentials.yaml`) and parses the summary the replay prints.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentCommand } from "../support/bins.js";
import { makeTempDir, removeDir, repoRoot } from "./crowdsec-config.js";
import { CROWDSEC_ROOT, DEFAULT_COLLECTIONS, DEFAULT_EXTRA_PARSERS } from "./crowdsec-dump.js";
import { type CommandResult, runCommand } from "./processes.js";

/** A written agent install. */
export interface AgentInstall {
  dir: string;
  config: string;
  remove(): void;
}

/** Options of {@link writeAgentInstall}. */
export interface AgentInstallOptions {
  lapiUrl: string;
  machineId: string;
  password: string;
  collections?: readonly string[];
  parsers?: readonly string[];
}

/** Writes agent.yaml + credentials using the oracle's hub, data and patterns directories. */
export function writeAgentInstall(options: AgentInstallOptions): AgentInstall {
  const dir = makeTempDir("agent");
  const list = (items: readonly string[]) => `[${items.join(", ")}]`;
  writeFileSync(
    join(dir, "agent.yaml"),
    [
      "lapi:",
      "  credentials_path: local_api_credentials.yaml",
      "hub:",
      `  hub_dir: ${CROWDSEC_ROOT}/usr/share/crowdsec/hub`,
      `  data_dir: ${CROWDSEC_ROOT}/usr/share/crowdsec/data`,
      `  patterns_dir: ${CROWDSEC_ROOT}/etc/crowdsec/patterns`,
      `  collections: ${list(options.collections ?? DEFAULT_COLLECTIONS)}`,
      `  parsers: ${list(options.parsers ?? DEFAULT_EXTRA_PARSERS)}`,
      "acquisition:",
      "  acquisition_path: acquis.yaml",
      "state_dir: state",
      "spool:",
      "  dir: spool",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "local_api_credentials.yaml"),
    `url: ${options.lapiUrl}\nlogin: ${options.machineId}\npassword: ${options.password}\n`,
  );
  return { dir, config: join(dir, "agent.yaml"), remove: () => removeDir(dir) };
}

/** The figures of a replay summary (`key: value` lines). */
export interface ReplayFigures {
  lines: number;
  parsed: number;
  eventsPosted: number;
  /** Bucket partitions the events went to. */
  targets: number;
  overflows: number;
  alerts: number;
  startupS: number;
  /** Sum of the batch round trips (0 with `--local`). */
  lapiS: number;
  elapsedS: number;
}

/** Reads the summary `rampart-agent -dsn` prints. */
export function parseReplaySummary(text: string): ReplayFigures {
  const num = (re: RegExp) => {
    const m = re.exec(text);
    if (!m) throw new Error(`no ${re} in replay summary:\n${text}`);
    return Number(m[1]);
  };
  return {
    lines: num(/^lines: (\d+)$/m),
    parsed: num(/^parsed: (\d+)$/m),
    eventsPosted: /^events posted: (\d+)/m.test(text) ? num(/^events posted: (\d+)/m) : 0,
    targets: num(/^bucket targets: (\d+)$/m),
    overflows: num(/^overflows: (\d+)$/m),
    alerts: num(/^alerts: (\d+)$/m),
    startupS: num(/^startup: ([\d.]+) s$/m),
    lapiS: /^lapi round trips: /m.test(text) ? num(/^lapi round trips: ([\d.]+) s$/m) : 0,
    elapsedS: num(/^elapsed: ([\d.]+) s$/m),
  };
}

/** The command line of a replay: `rampart-agent -c … -dsn file://… -type … [extra]`. */
export function agentReplayCommand(
  install: AgentInstall,
  logFile: string,
  type: string,
  extra: string[] = [],
): string[] {
  return [
    agentCommand().command,
    ...agentCommand().args,
    "-c",
    install.config,
    "-dsn",
    `file://${logFile}`,
    "-type",
    type,
    ...extra,
  ];
}

/** Runs `rampart-agent -c <config> -dsn file://<log> -type <type> [extra]` to completion. */
export function runAgentReplay(
  install: AgentInstall,
  logFile: string,
  type: string,
  extra: string[] = [],
  timeoutMs = 840_000,
): Promise<CommandResult> {
  const [cmd, ...args] = agentReplayCommand(install, logFile, type, extra);
  return runCommand(cmd!, args, { cwd: repoRoot(), timeoutMs });
}

/**
 * End-to-end replay, Rampart vs the reference CrowdSec 1.4.6, on the 100,000-line sshd and nginx
 * bench logs (`scripts/gen-logs.ts --bench`) with the Debian default collections + whitelists:
 *
 * - rampart (LAPI): `rampart-agent -dsn file://… -type …` → `wrangler dev` LAPI (local D1) →
 *   bucket Durable Objects → postoverflows → alerts; the command exits once every batch is
 *   acknowledged, i.e. once every overflow is stored as an alert;
 * - rampart (--local): the same agent with the bucket core in-process (no LAPI);
 * - crowdsec 1.4.6: `crowdsec -no-api -dsn file://… -type …` (parsers + scenarios in-process; its
 *   alerts go to a stub LAPI listener, see `test/oracle/crowdsec-dump.ts`).
 *
 * Printed: wall time of each process (startup included), its CPU time (user + system, GNU time;
 * the agent process only — the LAPI's workerd is not counted), the startup part (config, hub,
 * login and hub registration), lines/s, the events posted, bucket targets (event × scenario
 * partition), events/s into the bucket objects (events / sum of the batch round trips: post →
 * pours → alerts stored → answer; batches are sequential), alerts. Figures only.
 *
 *   npm run bench -- replay
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type AgentInstall,
  agentReplayCommand,
  parseReplaySummary,
  type ReplayFigures,
  writeAgentInstall,
} from "../../test/oracle/agent-replay.js";
import { repoRoot } from "../../test/oracle/crowdsec-config.js";
import { CROWDSEC_BIN, cpuTimeMs, runCrowdsecDump } from "../../test/oracle/crowdsec-dump.js";
import { runCommand } from "../../test/oracle/processes.js";
import { type RampartDev, startRampartDev } from "../../test/oracle/rampart-dev.js";
import { BENCH_LOGS, writeLogs } from "../gen-logs.js";

const REPO = resolve(import.meta.dirname, "../..");
const BENCH_DIR = join(REPO, ".cache/bench");
const MACHINE = "bench-agent";
const GNU_TIME = "/usr/bin/time";
const PASSWORD = "bench-agent-password-0123456789";

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const secs = (ms: number | null) => (ms === null ? "-" : `${(ms / 1000).toFixed(1)} s`);

async function replay(
  install: AgentInstall,
  file: string,
  type: string,
  extra: string[] = [],
): Promise<{ wallMs: number; cpuMs: number | null; figures: ReplayFigures }> {
  const command = agentReplayCommand(install, file, type, extra);
  // GNU time reports the agent's CPU time, which other jobs on a shared machine barely distort.
  const timed = existsSync(GNU_TIME);
  const started = performance.now();
  const run = timed
    ? await runCommand(GNU_TIME, ["-v", ...command], { cwd: repoRoot(), timeoutMs: 1_800_000 })
    : await runCommand(command[0]!, command.slice(1), { cwd: repoRoot(), timeoutMs: 1_800_000 });
  const wallMs = performance.now() - started;
  if (run.code !== 0) {
    throw new Error(
      `rampart-agent ${extra.join(" ")} exited ${run.code}:\n${run.stderr.slice(-3000)}`,
    );
  }
  // --local prints alerts on stdout and the summary on stderr.
  return {
    wallMs,
    cpuMs: timed ? cpuTimeMs(run.stderr) : null,
    figures: parseReplaySummary(extra.includes("--local") ? run.stderr : run.stdout),
  };
}

/** Benchmark entry point for `scripts/bench/index.ts`. */
export async function run(): Promise<void> {
  if (!existsSync(CROWDSEC_BIN)) {
    console.log("reference CrowdSec not unpacked (.cache/crowdsec/root): skipping replay bench");
    return;
  }
  if (!BENCH_LOGS.every((log) => existsSync(join(BENCH_DIR, log.file)))) {
    writeLogs(BENCH_DIR, BENCH_LOGS);
  }
  const rows: string[][] = [
    [
      "log",
      "engine",
      "wall",
      "CPU (agent / crowdsec)",
      "startup",
      "lines/s",
      "events",
      "targets",
      "events/s into DOs",
      "alerts",
    ],
  ];
  let lapi: RampartDev | null = null;
  const installs: AgentInstall[] = [];
  try {
    lapi = await startRampartDev();
    for (const log of BENCH_LOGS) {
      const file = join(BENCH_DIR, log.file);
      // A machine per log: its own ids, and an empty ledger for each file.
      const machine = `${MACHINE}-${log.type}`;
      await lapi.addMachine(machine, PASSWORD);
      await lapi.validateMachine(machine);
      const install = writeAgentInstall({
        lapiUrl: lapi.url,
        machineId: machine,
        password: PASSWORD,
      });
      installs.push(install);

      const ours = await replay(install, file, log.type);
      const local = await replay(install, file, log.type, ["--local"]);
      const ref = await runCrowdsecDump({ logFile: file, type: log.type, dump: false });
      const f = ours.figures;
      const lapiS = Math.max(0.001, f.lapiS);
      rows.push([
        log.file,
        "rampart agent → LAPI",
        secs(ours.wallMs),
        secs(ours.cpuMs),
        `${f.startupS.toFixed(1)} s`,
        fmt((f.lines / ours.wallMs) * 1000),
        fmt(f.eventsPosted),
        fmt(f.targets),
        fmt(f.eventsPosted / lapiS),
        fmt(f.alerts),
      ]);
      rows.push([
        log.file,
        "rampart agent --local",
        secs(local.wallMs),
        secs(local.cpuMs),
        `${local.figures.startupS.toFixed(1)} s`,
        fmt((local.figures.lines / local.wallMs) * 1000),
        "-",
        fmt(local.figures.targets),
        "-",
        fmt(local.figures.alerts),
      ]);
      rows.push([
        log.file,
        "crowdsec 1.4.6 -dsn",
        secs(ref.elapsedMs),
        secs(ref.cpuMs),
        "-",
        fmt((f.lines / ref.elapsedMs) * 1000),
        "-",
        "-",
        "-",
        // Each POST /v1/alerts body the reference sent is an array of alerts.
        fmt(ref.alerts.reduce<number>((n, body) => n + (Array.isArray(body) ? body.length : 1), 0)),
      ]);
      rows.push([
        log.file,
        "ratio (crowdsec / rampart → LAPI)",
        `${(ref.elapsedMs / ours.wallMs).toFixed(2)}x`,
        ours.cpuMs !== null && ref.cpuMs !== null ? `${(ref.cpuMs / ours.cpuMs).toFixed(2)}x` : "",
      ]);
      // The raw figures as soon as a log is done, so a later failure loses nothing.
      console.log(
        JSON.stringify({
          log: log.file,
          ours,
          local,
          ref: { ms: ref.elapsedMs, cpuMs: ref.cpuMs },
        }),
      );
    }
  } finally {
    await lapi?.stop();
    for (const install of installs) install.remove();
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  for (const row of rows) {
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    );
  }
}

/**
 * The live agent, Rampart vs the reference CrowdSec 1.4.6, tailing the same growing files in the
 * same run: sustained lines/s (tail → parse → buckets or post), lines per CPU-second, startup
 * time and RSS, on the sshd and nginx bench logs (`scripts/gen-logs.ts --bench`) with the same
 * hub on both sides (collections linux, sshd, nginx, base-http-scenarios, the whitelists parser;
 * scenarios installed as cscli would).
 *
 * - Rampart: `rampart-agent -c` from the production bundle (`npm run build:agent`, built here
 *   into `.cache/bench/`), posting signals to Rampart's LAPI under `wrangler dev`
 *   (`test/oracle/rampart-dev.ts`).
 * - Reference: `crowdsec -c … -no-api` with an `acquis.yaml` tailing the file, logged in to a
 *   real 1.4.6 LAPI (`test/oracle/real-lapi.ts`).
 *
 * Each agent runs alone on CPU 0 (`taskset -c 0` when available; the LAPIs are moved to CPU 1),
 * one after the other on a fresh empty file. Startup = spawn until the first appended line is
 * counted in `cs_filesource_hits_total`. Rampart runs as the package runs it: the bin's V8 flags
 * (`AGENT_NODE_FLAGS`), and `-t` once before the daemon (the unit's `ExecStartPre`), which also
 * fills the compiled grok cache under `state_dir`. Idle RSS is read 30 s after startup (env
 * `RAMPART_BENCH_AGENT_IDLE_S`), peak RSS is the kernel's high-water mark (VmHWM) after the whole
 * file went through. Then the bench log is appended `REPEAT` times and
 * lines/s is measured until `cs_parser_hits_total` (lines that went through the parsers, the same
 * metric name on both sides, read from each agent's Prometheus endpoint) has grown by all of
 * them. For Rampart, "delivered" is when every signal was acknowledged by the LAPI and the spool
 * is empty. CPU time and RSS come from /proc. Figures only, no assertions.
 *
 *   npm run bench -- agent
 */
import { execSync, spawnSync } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import {
  installedPath,
  parseHubIndex,
  resolveCollections,
} from "../../src/engine/hub/hub-index.js";
import { makeTempDir, removeDir } from "../../test/oracle/crowdsec-config.js";
import {
  CROWDSEC_BIN,
  DATA_DIR,
  DEFAULT_EXTRA_PARSERS,
  HUB_DIR,
  PATTERNS_DIR,
} from "../../test/oracle/crowdsec-dump.js";
import type { LapiTarget } from "../../test/oracle/lapi-target.js";
import { freePort, type ManagedProcess, startProcess } from "../../test/oracle/processes.js";
import { startRampartDev } from "../../test/oracle/rampart-dev.js";
import { startRealLapi } from "../../test/oracle/real-lapi.js";
import { BENCH_LOGS, writeLogs } from "../gen-logs.js";
import { AGENT_NODE_FLAGS } from "../package-deb.js";
import { serverPids } from "./process-memory.js";

const REPO = resolve(import.meta.dirname, "../..");
const BENCH_DIR = join(REPO, ".cache/bench");
const BUNDLE = join(BENCH_DIR, "rampart-agent.mjs");
const COLLECTIONS = [
  "crowdsecurity/linux",
  "crowdsecurity/sshd",
  "crowdsecurity/nginx",
  "crowdsecurity/base-http-scenarios",
];
/** Seconds between startup and the idle RSS reading (env `RAMPART_BENCH_AGENT_IDLE_S`). */
const IDLE_S = Number(process.env.RAMPART_BENCH_AGENT_IDLE_S ?? 30);
/** How many times the 100,000-line bench log is appended (env `RAMPART_BENCH_AGENT_REPEAT`). */
const REPEAT = Number(process.env.RAMPART_BENCH_AGENT_REPEAT ?? 1);
const CLK_TCK = 100;
const MiB = 1024 * 1024;

type Engine = "rampart" | "crowdsec";

interface RunFigures {
  engine: Engine;
  log: string;
  lines: number;
  startupMs: number;
  processMs: number;
  cpuMs: number;
  parsedOk: number;
  idleRss: number;
  peakRss: number;
  /** Rampart: signals posted and when the last was acknowledged (ms after the append). */
  signals?: number;
  deliveredMs?: number | null;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hasTaskset = spawnSync("taskset", ["-c", "0", "true"]).status === 0;

/** Sum of every sample of `name` in a Prometheus text exposition. */
function metric(text: string, name: string): number {
  let sum = 0;
  const re = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, "gm");
  for (const m of text.matchAll(re)) sum += Number(m[1]);
  return sum;
}

async function scrape(port: number): Promise<string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    return res.ok ? await res.text() : "";
  } catch {
    return "";
  }
}

/** CPU time (ms) and RSS / peak RSS (bytes) of one process. */
function proc(pid: number): { cpuMs: number; rss: number; hwm: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { cpuMs: (ticks * 1000) / CLK_TCK, rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return { cpuMs: 0, rss: 0, hwm: 0 };
  }
}

/** Moves every thread of the LAPI serving `url` to `cpu`, so it leaves CPU 0 to the agents. */
function pinServer(url: string, cpu: number): void {
  if (!hasTaskset) return;
  for (const pid of serverPids(Number(new URL(url).port))) {
    spawnSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], { stdio: "ignore" });
  }
}

function buildBundle(): void {
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const script = pkg.scripts["build:agent"];
  if (!script) throw new Error("package.json has no build:agent script");
  execSync(script.replace("dist/rampart-agent.mjs", BUNDLE), {
    cwd: REPO,
    stdio: "inherit",
    env: { ...process.env, PATH: `${join(REPO, "node_modules/.bin")}:${process.env.PATH}` },
  });
}

/** Writes Rampart's agent.yaml, credentials and acquisition; returns the config path. */
function rampartConfig(
  dir: string,
  lapi: LapiTarget,
  file: string,
  type: string,
  metricsPort: number,
) {
  writeFileSync(
    join(dir, "local_api_credentials.yaml"),
    stringify({ url: lapi.url, login: "bench-rampart", password: "bench-password-rampart" }),
  );
  writeFileSync(join(dir, "acquis.yaml"), stringify({ filenames: [file], labels: { type } }));
  const config = join(dir, "agent.yaml");
  writeFileSync(
    config,
    stringify({
      lapi: { credentials_path: join(dir, "local_api_credentials.yaml") },
      hub: {
        hub_dir: HUB_DIR,
        data_dir: DATA_DIR,
        patterns_dir: PATTERNS_DIR,
        collections: COLLECTIONS,
        parsers: [...DEFAULT_EXTRA_PARSERS],
      },
      acquisition: { acquisition_path: join(dir, "acquis.yaml") },
      state_dir: join(dir, "state"),
      spool: { dir: join(dir, "spool") },
      log: { level: "warn" },
      prometheus: { enabled: true, listen_addr: "127.0.0.1", listen_port: metricsPort },
    }),
  );
  return config;
}

/** Writes a 1.4.6 config dir (hub items installed as cscli would, scenarios included). */
function crowdsecConfig(
  dir: string,
  lapi: LapiTarget,
  file: string,
  type: string,
  metricsPort: number,
) {
  const configDir = join(dir, "etc");
  mkdirSync(configDir, { recursive: true });
  const index = parseHubIndex(readFileSync(join(HUB_DIR, ".index.json"), "utf8"));
  const resolved = resolveCollections(index, COLLECTIONS);
  const extra = DEFAULT_EXTRA_PARSERS.map((name) => index.parsers.get(name)!);
  const items = [
    ...resolved.parsers.filter((item) => !extra.includes(item)),
    ...extra,
    ...resolved.postoverflows,
    ...resolved.collections,
    ...resolved.scenarios,
  ];
  for (const item of items) {
    const target = join(configDir, installedPath(item));
    mkdirSync(resolve(target, ".."), { recursive: true });
    symlinkSync(join(HUB_DIR, item.path), target);
  }
  symlinkSync(PATTERNS_DIR, join(configDir, "patterns"));
  writeFileSync(join(configDir, "simulation.yaml"), "simulation: off\n");
  writeFileSync(join(configDir, "acquis.yaml"), stringify({ filenames: [file], labels: { type } }));
  writeFileSync(
    join(configDir, "local_api_credentials.yaml"),
    stringify({ url: lapi.url, login: "bench-crowdsec", password: "bench-password-crowdsec" }),
  );
  const config = join(dir, "config.yaml");
  writeFileSync(
    config,
    stringify({
      common: { daemonize: false, log_media: "stdout", log_level: "warning", working_dir: dir },
      config_paths: {
        config_dir: `${configDir}/`,
        data_dir: `${DATA_DIR}/`,
        hub_dir: `${HUB_DIR}/`,
        index_path: join(HUB_DIR, ".index.json"),
        simulation_path: join(configDir, "simulation.yaml"),
      },
      crowdsec_service: { acquisition_path: join(configDir, "acquis.yaml"), parser_routines: 1 },
      api: { client: { credentials_path: join(configDir, "local_api_credentials.yaml") } },
      prometheus: {
        enabled: true,
        level: "full",
        listen_addr: "127.0.0.1",
        listen_port: metricsPort,
      },
    }),
  );
  return config;
}

async function runAgent(
  engine: Engine,
  log: { file: string; type: string },
  lapi: LapiTarget,
): Promise<RunFigures> {
  const dir = makeTempDir(`bench-agent-${engine}`);
  const file = join(dir, log.file);
  writeFileSync(file, "");
  const content = readFileSync(join(BENCH_DIR, log.file), "utf8");
  const probe = `${content.slice(0, content.indexOf("\n"))}\n`;
  const lines = content.split("\n").filter(Boolean).length * REPEAT;
  const port = await freePort();
  const pin = hasTaskset ? ["taskset", "-c", "0"] : [];
  const node = [process.execPath, ...AGENT_NODE_FLAGS.split(" "), BUNDLE];
  let command: string[];
  if (engine === "rampart") {
    const config = rampartConfig(dir, lapi, file, log.type, port);
    const check = spawnSync(node[0]!, [...node.slice(1), "-c", config, "-t"], { encoding: "utf8" });
    if (check.status !== 0) throw new Error(`rampart-agent -t failed:\n${check.stderr}`);
    command = [...pin, ...node, "-c", config];
  } else {
    command = [
      ...pin,
      CROWDSEC_BIN,
      "-c",
      crowdsecConfig(dir, lapi, file, log.type, port),
      "-no-api",
    ];
  }
  const started = performance.now();
  const agent: ManagedProcess = startProcess(command[0]!, command.slice(1), { cwd: dir });
  const pid = agent.child.pid!;
  try {
    // Startup: until a line appended after the spawn has been read.
    let startupMs = -1;
    while (startupMs < 0) {
      if (agent.exited())
        throw new Error(`${engine} agent exited:\n${agent.output().slice(-3000)}`);
      if (performance.now() - started > 180_000)
        throw new Error(`${engine} agent never read a line`);
      appendFileSync(file, probe);
      await sleep(100);
      if (metric(await scrape(port), "cs_filesource_hits_total") > 0)
        startupMs = performance.now() - started;
    }
    await sleep(IDLE_S * 1000);
    const before = await scrape(port);
    const processed0 = metric(before, "cs_parser_hits_total");
    const ok0 = metric(before, "cs_parser_hits_ok_total");
    const idle = proc(pid);

    const appendedAt = performance.now();
    for (let i = 0; i < REPEAT; i++) appendFileSync(file, content);
    let processMs = -1;
    let peakRss = idle.rss;
    let text = before;
    let lastProgress = performance.now();
    let lastProcessed = processed0;
    while (processMs < 0) {
      await sleep(100);
      text = await scrape(port);
      peakRss = Math.max(peakRss, proc(pid).rss);
      const processed = metric(text, "cs_parser_hits_total") - processed0;
      if (processed >= lines) processMs = performance.now() - appendedAt;
      if (processed > lastProcessed) {
        lastProcessed = processed;
        lastProgress = performance.now();
      } else if (performance.now() - lastProgress > 60_000) {
        throw new Error(`${engine} stalled at ${processed}/${lines} lines`);
      }
    }
    const cpuMs = proc(pid).cpuMs - idle.cpuMs;
    const figures: RunFigures = {
      engine,
      log: log.file,
      lines,
      startupMs,
      processMs,
      cpuMs,
      parsedOk: metric(text, "cs_parser_hits_ok_total") - ok0,
      idleRss: idle.rss,
      peakRss,
    };
    if (engine === "rampart") {
      // Delivered: every signal acknowledged and the spool empty (bounded wait).
      figures.deliveredMs = null;
      const deadline = performance.now() + 300_000;
      while (performance.now() < deadline) {
        text = await scrape(port);
        peakRss = Math.max(peakRss, proc(pid).rss);
        const signals = metric(text, "rampart_agent_signals_total");
        const posted = metric(text, "rampart_agent_events_posted_total");
        figures.signals = signals;
        if (posted >= signals && metric(text, "rampart_agent_spool_events") === 0) {
          figures.deliveredMs = performance.now() - appendedAt;
          break;
        }
        await sleep(200);
      }
    }
    figures.peakRss = Math.max(peakRss, proc(pid).hwm);
    return figures;
  } finally {
    await agent.stop();
    removeDir(dir);
  }
}

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));
}

/** Benchmark entry point for `scripts/bench/index.ts`. */
export async function run(): Promise<void> {
  if (!existsSync(CROWDSEC_BIN)) {
    console.log("reference CrowdSec not unpacked (.cache/crowdsec/root): skipping agent bench");
    return;
  }
  if (!BENCH_LOGS.every((log) => existsSync(join(BENCH_DIR, log.file))))
    writeLogs(BENCH_DIR, BENCH_LOGS);
  // Default signal handlers skip the 'exit' hooks that SIGKILL every spawned process group
  // (`startProcess`): exit through them instead.
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`${signal}: stopping every agent and LAPI this bench started`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  console.log(`building the agent bundle into ${BUNDLE}`);
  buildBundle();
  console.log(
    `starting the LAPIs (Rampart under wrangler dev, CrowdSec 1.4.6)${hasTaskset ? "; agents on CPU 0, LAPIs on CPU 1" : "; taskset missing: agents not pinned"}`,
  );
  const [rampartLapi, crowdsecLapi] = await Promise.all([startRampartDev(), startRealLapi()]);
  try {
    pinServer(rampartLapi.url, 1);
    pinServer(crowdsecLapi.url, 1);
    await rampartLapi.addMachine("bench-rampart", "bench-password-rampart");
    await crowdsecLapi.addMachine("bench-crowdsec", "bench-password-crowdsec");
    const results: RunFigures[] = [];
    for (const log of BENCH_LOGS) {
      for (const engine of ["rampart", "crowdsec"] as const) {
        console.log(`${engine}: tailing ${log.file} × ${REPEAT}…`);
        const r = await runAgent(engine, log, engine === "rampart" ? rampartLapi : crowdsecLapi);
        results.push(r);
        // Each run as it ends, so an interrupted bench still leaves its figures.
        console.log(
          `  ${engine} ${log.file}: ${fmt((r.lines / r.processMs) * 1000)} lines/s, ` +
            `${fmt((r.lines / r.cpuMs) * 1000)} lines/CPU-s, startup ${(r.startupMs / 1000).toFixed(2)} s, ` +
            `idle RSS ${(r.idleRss / MiB).toFixed(0)} MiB, peak RSS ${(r.peakRss / MiB).toFixed(0)} MiB`,
        );
      }
    }
    const rows = [
      [
        "log",
        "agent",
        "lines",
        "parsed ok",
        "lines/s",
        "lines/CPU-s",
        "startup",
        `idle RSS (${IDLE_S} s)`,
        "peak RSS (HWM)",
        "signals delivered",
      ],
    ];
    for (const r of results) {
      rows.push([
        r.log,
        r.engine === "rampart" ? "rampart-agent" : "crowdsec 1.4.6",
        fmt(r.lines),
        fmt(r.parsedOk),
        fmt((r.lines / r.processMs) * 1000),
        fmt((r.lines / r.cpuMs) * 1000),
        `${(r.startupMs / 1000).toFixed(1)} s`,
        `${(r.idleRss / MiB).toFixed(0)} MiB`,
        `${(r.peakRss / MiB).toFixed(0)} MiB`,
        r.engine === "rampart"
          ? r.deliveredMs == null
            ? `${fmt(r.signals ?? 0)}, not drained in 300 s`
            : `${fmt(r.signals ?? 0)} in ${(r.deliveredMs / 1000).toFixed(1)} s`
          : "(in-process buckets)",
      ]);
    }
    for (const log of BENCH_LOGS) {
      const ours = results.find((r) => r.log === log.file && r.engine === "rampart")!;
      const ref = results.find((r) => r.log === log.file && r.engine === "crowdsec")!;
      rows.push([
        log.file,
        "ratio",
        "",
        "",
        `${(ref.processMs / ours.processMs).toFixed(2)}x`,
        `${(ref.cpuMs / ours.cpuMs).toFixed(2)}x`,
        `${(ref.startupMs / ours.startupMs).toFixed(2)}x`,
        `${(ref.idleRss / ours.idleRss).toFixed(2)}x`,
        `${(ref.peakRss / ours.peakRss).toFixed(2)}x`,
        "",
      ]);
    }
    table(rows);
    console.log(
      "(lines/s: from the append until every line went through the parsers, cs_parser_hits_total; " +
        "ratio columns: reference ÷ Rampart for time and memory, so > 1 means Rampart is better)",
    );
  } finally {
    await Promise.all([rampartLapi.stop(), crowdsecLapi.stop()]);
  }
}

/**
 * Parser pipeline throughput, Rampart vs the reference CrowdSec 1.4.6, on the same 100,000-line
 * sshd (syslog) and nginx logs with the same hub items (Debian default collections + whitelists,
 * parsers only — no scenarios installed on either side). A third row per log runs Rampart on the
 * current hub (the team's snapshot in `../shared/crowdsec-hub`: collections `crowdsecurity/linux`,
 * `crowdsecurity/sshd`, `crowdsecurity/nginx` + `crowdsecurity/whitelists`, their current parsers),
 * beside 1.4.6 on its own snapshot; it is left out when the snapshot is absent.
 *
 * Both sides run as separate processes under `/usr/bin/time -v` for peak RSS and CPU time.
 * Lines/s is printed over the whole process (startup and hub loading included) and over parsing
 * alone (for the reference: whole run minus a run on a one-line log; for Rampart: the parse
 * loop), per wall-clock second and per CPU second (the latter is what to read on a shared machine).
 *
 *   npm run bench -- parsers
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { debianDirectories, hubSourceFromDirectories } from "../../agent/hub/hub-fs.js";
import { ExpectMode, newLogEvent } from "../../src/engine/event.js";
import { defaultCompilerFactory } from "../../src/engine/hub/expr-compiler.js";
import type { HubSource } from "../../src/engine/hub/hub-loader.js";
import { loadHub, readHubIndex } from "../../src/engine/hub/hub-loader.js";
import {
  CROWDSEC_BIN,
  CROWDSEC_ROOT,
  cpuTimeMs,
  DEFAULT_COLLECTIONS,
  DEFAULT_EXTRA_PARSERS,
  runCrowdsecDump,
} from "../../test/oracle/crowdsec-dump.js";
import { currentHub } from "../../test/oracle/prerequisites.js";
import { BENCH_LOGS, writeLogs } from "../gen-logs.js";

const REPO = resolve(import.meta.dirname, "../..");
const BENCH_DIR = join(REPO, ".cache/bench");

interface ChildResult {
  lines: number;
  processed: number;
  loadMs: number;
  parseMs: number;
  /** CPU time (user + system) of the parse loop, ms. */
  parseCpuMs: number;
}

/** Which hub a run loads: the Debian 1.4.6 snapshot, or the current hub snapshot. */
type HubKind = "debian" | "current";

const CURRENT_COLLECTIONS = ["crowdsecurity/linux", "crowdsecurity/sshd", "crowdsecurity/nginx"];

/**
 * The current hub snapshot as a hub source. Its `data/` is laid out as the hub data host serves
 * it (`web/…`, `whitelists/…`), while items name their files by `dest_file` (the basename): index
 * every file there by basename, as `rampart hub update` would have installed them.
 */
function currentSource(): HubSource {
  const dirs = currentHub();
  const source = hubSourceFromDirectories(dirs);
  const byName = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (!byName.has(name)) byName.set(name, full);
    }
  };
  walk(dirs.dataDir);
  return {
    ...source,
    readData: (name) => {
      const full = byName.get(name);
      return full === undefined ? null : readFileSync(full, "utf8");
    },
  };
}

/** Child mode: load the hub, parse the file, print figures as JSON. */
function parseFile(file: string, type: string, kind: HubKind): ChildResult {
  const started = performance.now();
  const source =
    kind === "current"
      ? currentSource()
      : hubSourceFromDirectories(debianDirectories(CROWDSEC_ROOT));
  const hub = loadHub(source, readHubIndex(source), {
    selection: {
      collections: kind === "current" ? CURRENT_COLLECTIONS : DEFAULT_COLLECTIONS,
      parsers: DEFAULT_EXTRA_PARSERS,
    },
    includeScenarios: false,
    compilerFactory: defaultCompilerFactory,
  });
  const broken = hub.report.items.filter((item) => item.status !== "loaded");
  if (broken.length > 0) {
    throw new Error(
      `${kind} hub: ${broken.map((i) => `${i.name} (${i.status})`).join(", ")} did not load`,
    );
  }
  const loadMs = performance.now() - started;
  const src = resolve(file);
  const lines = readFileSync(file, "utf8").split("\n");
  let count = 0;
  let processed = 0;
  const parseStart = performance.now();
  const cpuStart = process.cpuUsage();
  for (const raw of lines) {
    if (raw === "") continue;
    count++;
    const evt = newLogEvent(
      { Raw: raw, Src: src, Module: "file", Labels: { type }, Process: true },
      ExpectMode.TIMEMACHINE,
    );
    if (hub.parsers.parse(evt).process) processed++;
  }
  const cpu = process.cpuUsage(cpuStart);
  return {
    lines: count,
    processed,
    loadMs,
    parseMs: performance.now() - parseStart,
    parseCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

function ensureLogs(): void {
  if (BENCH_LOGS.every((log) => existsSync(join(BENCH_DIR, log.file)))) return;
  writeLogs(BENCH_DIR, BENCH_LOGS);
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

function runOurs(
  file: string,
  type: string,
  kind: HubKind,
): ChildResult & { peakKb: number; wallMs: number; cpuMs: number | null } {
  const started = performance.now();
  const command = [
    process.execPath,
    "--import",
    "tsx",
    import.meta.filename,
    "--child",
    file,
    type,
    kind,
  ];
  const timed = existsSync("/usr/bin/time");
  const child = timed
    ? spawnSync("/usr/bin/time", ["-v", ...command], {
        cwd: REPO,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      })
    : spawnSync(command[0]!, command.slice(1), {
        cwd: REPO,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`bench child failed: ${child.stderr.slice(-2000)}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr);
  const result = JSON.parse(child.stdout.trim().split("\n").pop()!) as ChildResult;
  return { ...result, peakKb: rss ? Number(rss[1]) : 0, wallMs, cpuMs: cpuTimeMs(child.stderr) };
}

/** Benchmark entry point for `scripts/bench/index.ts`. */
export async function run(): Promise<void> {
  if (!existsSync(CROWDSEC_BIN)) {
    console.log("reference CrowdSec not unpacked (.cache/crowdsec/root): skipping parsers bench");
    return;
  }
  ensureLogs();
  mkdirSync(BENCH_DIR, { recursive: true });
  const hasCurrentHub = existsSync(join(currentHub().hubDir, ".index.json"));
  if (!hasCurrentHub)
    console.log("current hub snapshot not found (../shared/crowdsec-hub): its rows are left out");
  const rows: string[][] = [
    [
      "log",
      "engine",
      "lines",
      "parsed ok",
      "lines/s (run)",
      "lines/s (parse)",
      "lines/CPU-s (run)",
      "lines/CPU-s (parse)",
      "peak RSS",
    ],
  ];
  for (const log of BENCH_LOGS) {
    const file = join(BENCH_DIR, log.file);
    const one = join(BENCH_DIR, `one-${log.file}`);
    writeFileSync(one, `${readFileSync(file, "utf8").split("\n")[0]}\n`);

    const ours = runOurs(file, log.type, "debian");
    let current: ReturnType<typeof runOurs> | null = null;
    try {
      current = hasCurrentHub ? runOurs(file, log.type, "current") : null;
    } catch (error) {
      console.log(
        `${log.file}: the current hub did not load, its row is left out: ${(error as Error).message.split("\n").find((l) => l.startsWith("Error:")) ?? (error as Error).message}`,
      );
    }
    const startup = await runCrowdsecDump({
      logFile: one,
      type: log.type,
      scenarios: false,
      dump: false,
    });
    const ref = await runCrowdsecDump({
      logFile: file,
      type: log.type,
      scenarios: false,
      dump: false,
    });
    const refParseMs = Math.max(1, ref.elapsedMs - startup.elapsedMs);
    // CPU time is far less sensitive than wall time to other jobs sharing the machine.
    const perCpu = (ms: number | null) => (ms === null ? "-" : fmt((ours.lines / ms) * 1000));
    const refCpu = ref.cpuMs;
    const refParseCpu =
      ref.cpuMs !== null && startup.cpuMs !== null ? Math.max(1, ref.cpuMs - startup.cpuMs) : null;
    const ratio = (a: number | null, b: number | null) =>
      a === null || b === null ? "" : `${(a / b).toFixed(2)}x`;
    rows.push([
      log.file,
      "rampart",
      fmt(ours.lines),
      fmt(ours.processed),
      fmt((ours.lines / ours.wallMs) * 1000),
      fmt((ours.lines / ours.parseMs) * 1000),
      perCpu(ours.cpuMs),
      perCpu(ours.parseCpuMs),
      `${(ours.peakKb / 1024).toFixed(0)} MiB`,
    ]);
    if (current) {
      rows.push([
        log.file,
        "rampart, current hub",
        fmt(current.lines),
        fmt(current.processed),
        fmt((current.lines / current.wallMs) * 1000),
        fmt((current.lines / current.parseMs) * 1000),
        current.cpuMs === null ? "-" : fmt((current.lines / current.cpuMs) * 1000),
        fmt((current.lines / current.parseCpuMs) * 1000),
        `${(current.peakKb / 1024).toFixed(0)} MiB`,
      ]);
    }
    rows.push([
      log.file,
      "crowdsec 1.4.6",
      fmt(ours.lines),
      "-",
      fmt((ours.lines / ref.elapsedMs) * 1000),
      fmt((ours.lines / refParseMs) * 1000),
      perCpu(refCpu),
      perCpu(refParseCpu),
      `${((ref.peakRssKb ?? 0) / 1024).toFixed(0)} MiB`,
    ]);
    rows.push([
      log.file,
      "ratio",
      "",
      "",
      `${(ref.elapsedMs / ours.wallMs).toFixed(2)}x`,
      `${(refParseMs / ours.parseMs).toFixed(2)}x`,
      ratio(refCpu, ours.cpuMs),
      ratio(refParseCpu, ours.parseCpuMs),
      "",
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));
  if (existsSync("/usr/bin/time")) {
    // What Node + tsx alone take, to read Rampart's peak RSS against.
    const idle = spawnSync(
      "/usr/bin/time",
      ["-v", process.execPath, "--import", "tsx", "-e", "0"],
      { cwd: REPO, encoding: "utf8" },
    );
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(idle.stderr);
    if (rss)
      console.log(
        `(node + tsx with nothing loaded: ${(Number(rss[1]) / 1024).toFixed(0)} MiB peak RSS)`,
      );
  }
}

if (process.argv[2] === "--child") {
  const [, , , file, type, kind] = process.argv;
  console.log(JSON.stringify(parseFile(file!, type!, kind === "current" ? "current" : "debian")));
}

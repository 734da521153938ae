/**
 * Runs the reference CrowdSec 1.4.6 (Debian binary unpacked under `.cache/crowdsec/root`) in
 * one-shot replay mode on a log file and reads its `-dump-data` output back:
 *
 *   crowdsec -c <cfg> -no-api -dsn file://<log> -type <type> -dump-data <dir>
 *
 * It builds a throw-away config dir with an installed-hub layout (enabled items symlinked under
 * `<config>/parsers/<stage>/`, `<config>/scenarios/`, …) for the requested collections.
 *
 * With `-no-api` the 1.4.6 agent still logs in to a Local API at startup and aborts when that
 * fails (before writing the dump), so this runner serves the two agent endpoints it calls (watcher
 * login and alert push) from a local HTTP listener. The alerts it receives are kept for callers.
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import {
  type HubItem,
  installedPath,
  parseHubIndex,
  resolveCollections,
} from "../../src/engine/hub/hub-index.js";
import { crowdsecInstall } from "./crowdsec-config.js";

/** Where the Debian package was unpacked, relative to the repository root. */
export const CROWDSEC_ROOT = crowdsecInstall().root;
export const CROWDSEC_BIN = join(CROWDSEC_ROOT, "usr/bin/crowdsec");
export const HUB_DIR = join(CROWDSEC_ROOT, "usr/share/crowdsec/hub");
export const DATA_DIR = join(CROWDSEC_ROOT, "usr/share/crowdsec/data");
export const PATTERNS_DIR = join(CROWDSEC_ROOT, "etc/crowdsec/patterns");
const GNU_TIME = "/usr/bin/time";
/** How much of the reference's output is kept (its tail). */
const OUTPUT_TAIL = 1 << 20;

/** The Debian default collections the differential test installs. */
export const DEFAULT_COLLECTIONS = [
  "crowdsecurity/linux",
  "crowdsecurity/sshd",
  "crowdsecurity/nginx",
  "crowdsecurity/apache2",
  "crowdsecurity/base-http-scenarios",
  "crowdsecurity/http-cve",
] as const;

/**
 * Parsers the Debian package installs on top of the collections (its postinst runs
 * `cscli parsers install crowdsecurity/whitelists`); without it s02 has no always-succeeding node.
 */
export const DEFAULT_EXTRA_PARSERS = ["crowdsecurity/whitelists"] as const;

/** One event as it appears in `parser-dump.yaml` (Go field names, `omitempty`). */
export interface DumpedEvent {
  Type?: number;
  ExpectMode?: number;
  Whitelisted?: boolean;
  WhitelistReason?: string;
  Stage?: string;
  Line: {
    Raw: string;
    Src?: string;
    time?: string;
    Labels?: Record<string, string>;
    Module?: string;
  };
  Parsed?: Record<string, string>;
  Enriched?: Record<string, string>;
  Time?: string;
  StrTime?: string;
  StrTimeFormat?: string;
  MarshaledTime?: string;
  Process?: boolean;
  Meta?: Record<string, string>;
}

/** `parser-dump.yaml`: stage → node name → one entry per event the node processed, in order. */
export type ParserDump = Record<string, Record<string, { evt: DumpedEvent; success: boolean }[]>>;

export interface OracleRun {
  parserDump: ParserDump;
  /** `bucketpour-dump.yaml` `OK` list: the events that reached the buckets. */
  poured: DumpedEvent[];
  /** Raw `bucket-dump.yaml` (live buckets at exit). */
  bucketDump: unknown;
  /** Alerts pushed to the local API listener (one request body each). */
  alerts: unknown[];
  /** Wall-clock duration of the crowdsec process, milliseconds. */
  elapsedMs: number;
  /** Peak resident set size of the crowdsec process in KiB (from `/usr/bin/time -v`), if known. */
  peakRssKb: number | null;
  /** User + system CPU time of the crowdsec process in ms (from `/usr/bin/time -v`), if known. */
  cpuMs: number | null;
  /** The last MiB or so of the process output (stdout and stderr, then GNU time's report). */
  stderr: string;
}

export interface OracleOptions {
  logFile: string;
  type: string;
  /** Extra acquisition labels (`-label key:value`), e.g. `program` for docker logs. */
  labels?: Record<string, string>;
  collections?: readonly string[];
  /** Parsers installed besides the collections' members (default {@link DEFAULT_EXTRA_PARSERS}). */
  extraParsers?: readonly string[];
  /** Install scenarios too (default true); false = parsers only, as the bench measures. */
  scenarios?: boolean;
  /** Write `-dump-data` (default true). */
  dump?: boolean;
}

/** User + system time reported by GNU `time -v`, in ms; null when absent. */
export function cpuTimeMs(report: string): number | null {
  const user = /User time \(seconds\): ([\d.]+)/.exec(report);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(report);
  return user && sys ? (Number(user[1]) + Number(sys[1])) * 1000 : null;
}

/** Installs the resolved hub items into `configDir` as CrowdSec's cscli would (symlinks). */
export function installHubItems(configDir: string, items: readonly HubItem[]): void {
  for (const item of items) {
    const target = join(configDir, installedPath(item));
    mkdirSync(resolve(target, ".."), { recursive: true });
    symlinkSync(join(HUB_DIR, item.path), target);
  }
}

function startLapiListener(alerts: unknown[]): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.url?.includes("/watchers/login")) {
        res.end(JSON.stringify({ code: 200, expire: "2099-01-01T00:00:00Z", token: "oracle" }));
        return;
      }
      if (req.method === "POST" && req.url?.startsWith("/v1/alerts")) {
        try {
          alerts.push(JSON.parse(body));
        } catch {
          alerts.push(body);
        }
      }
      res.end("[]");
    });
  });
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done(server)));
}

/** Runs the reference on one log file; resolves once the process has exited and dumps are read. */
export async function runCrowdsecDump(options: OracleOptions): Promise<OracleRun> {
  const work = mkdtempSync(join(tmpdir(), "rampart-oracle-"));
  const configDir = join(work, "config");
  const dumpDir = join(work, "dump");
  mkdirSync(configDir, { recursive: true });
  mkdirSync(dumpDir);
  const alerts: unknown[] = [];
  const server = await startLapiListener(alerts);
  try {
    const port = (server.address() as AddressInfo).port;
    const index = parseHubIndex(readFileSync(join(HUB_DIR, ".index.json"), "utf8"));
    const resolved = resolveCollections(index, options.collections ?? DEFAULT_COLLECTIONS);
    const extra = (options.extraParsers ?? DEFAULT_EXTRA_PARSERS).map((name) => {
      const item = index.parsers.get(name);
      if (!item) throw new Error(`unknown hub parser ${name}`);
      return item;
    });
    if (resolved.missing.length > 0) {
      throw new Error(`missing hub items: ${resolved.missing.map((m) => m.name).join(", ")}`);
    }
    const items = [
      ...resolved.parsers.filter((item) => !extra.includes(item)),
      ...extra,
      ...resolved.postoverflows,
      ...resolved.collections,
      ...(options.scenarios === false ? [] : resolved.scenarios),
    ];
    installHubItems(configDir, items);
    symlinkSync(PATTERNS_DIR, join(configDir, "patterns"));
    writeFileSync(join(configDir, "acquis.yaml"), "");
    writeFileSync(join(configDir, "simulation.yaml"), "simulation: off\n");
    writeFileSync(
      join(configDir, "local_api_credentials.yaml"),
      `url: http://127.0.0.1:${port}/\nlogin: oracle\npassword: oracle\n`,
    );
    writeFileSync(
      join(configDir, "config.yaml"),
      [
        "common:",
        "  daemonize: false",
        "  log_media: stdout",
        "  log_level: warning",
        "config_paths:",
        `  config_dir: ${configDir}/`,
        `  data_dir: ${DATA_DIR}/`,
        `  hub_dir: ${HUB_DIR}/`,
        `  index_path: ${HUB_DIR}/.index.json`,
        `  simulation_path: ${configDir}/simulation.yaml`,
        "crowdsec_service:",
        `  acquisition_path: ${configDir}/acquis.yaml`,
        "  parser_routines: 1",
        "api:",
        "  client:",
        `    credentials_path: ${configDir}/local_api_credentials.yaml`,
        "",
      ].join("\n"),
    );
    // GNU time reports the peak RSS; without it (a minimal machine) run crowdsec directly.
    const timed = existsSync(GNU_TIME);
    const args = [
      ...(timed ? ["-v"] : []),
      CROWDSEC_BIN,
      "-c",
      join(configDir, "config.yaml"),
      "-no-api",
      "-dsn",
      `file://${resolve(options.logFile)}`,
      "-type",
      options.type,
    ];
    for (const [key, value] of Object.entries(options.labels ?? {})) {
      args.push("-label", `${key}:${value}`);
    }
    if (options.dump !== false) args.push("-dump-data", dumpDir);
    const started = performance.now();
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
      (done, fail) => {
        const child = timed
          ? spawn(GNU_TIME, args, { stdio: ["ignore", "pipe", "pipe"] })
          : spawn(args[0]!, args.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
        // Only the tail is kept: with a scenario whose data file is missing, 1.4.6 logs the whole
        // expr library for every event (~16 KB a line), past V8's string limit on 100k lines.
        let err = "";
        const keep = (chunk: Buffer) => {
          err += chunk;
          if (err.length > 2 * OUTPUT_TAIL) err = err.slice(-OUTPUT_TAIL);
        };
        child.stdout.on("data", keep);
        child.stderr.on("data", keep);
        child.on("error", fail);
        child.on("close", (exitCode) => done({ code: exitCode, stderr: err }));
      },
    );
    const elapsedMs = performance.now() - started;
    if (code !== 0) throw new Error(`crowdsec exited with ${code}:\n${stderr.slice(-4000)}`);
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
    const readDump = (name: string): unknown => {
      try {
        return parseYaml(readFileSync(join(dumpDir, name), "utf8"), { maxAliasCount: -1 });
      } catch {
        return null;
      }
    };
    const pour = readDump("bucketpour-dump.yaml") as { OK?: DumpedEvent[] } | null;
    return {
      parserDump: (readDump("parser-dump.yaml") as ParserDump | null) ?? {},
      poured: pour?.OK ?? [],
      bucketDump: readDump("bucket-dump.yaml"),
      alerts,
      elapsedMs,
      peakRssKb: rss ? Number(rss[1]) : null,
      cpuMs: cpuTimeMs(stderr),
      stderr,
    };
  } finally {
    server.closeAllConnections();
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

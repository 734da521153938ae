/**
 * Test support: a minimal hub directory built at run time (never committed hub content): the
 * Debian CrowdSec hub's syslog and sshd parsers, referenced from the oracle cache, plus
 * Rampart's own test scenario that counts failed ssh authentications per source IP and never
 * overflows. Every `Failed password` line is then exactly one signal with one bucket target,
 * which is what the delivery tests count.
 */
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { debianDirectories, type HubDirectories } from "../../agent/hub/hub-fs.js";
import { crowdsecInstall } from "../oracle/crowdsec-config.js";

/** Where the CrowdSec 1.4.6 Debian packages are unpacked (see scripts/fetch-crowdsec.ts). */
export const ORACLE_ROOT = crowdsecInstall().root;

/** The test scenario's name. */
export const TEST_SCENARIO = "rampart-test/ssh-count";

const SCENARIO = `type: leaky
name: ${TEST_SCENARIO}
description: "Counts failed ssh authentications per source IP; never overflows (delivery tests)"
filter: "evt.Meta.log_type == 'ssh_failed-auth'"
groupby: evt.Meta.source_ip
capacity: 1000000
leakspeed: 10ms
labels:
  remediation: false
`;

const PARSERS = ["crowdsecurity/syslog-logs", "crowdsecurity/sshd-logs"];

/**
 * A `Failed password` sshd line as syslog writes it; `n` picks the time (one line per second
 * from midnight), the pid, the user and the port, so the first bytes of a log differ between
 * rotations as in real logs.
 */
export function failedPasswordLine(n: number, ip: string): string {
  const two = (v: number) => String(v).padStart(2, "0");
  const time = `${two(Math.floor(n / 3600) % 24)}:${two(Math.floor(n / 60) % 60)}:${two(n % 60)}`;
  return `Nov 21 ${time} host sshd[${1000 + (n % 50000)}]: Failed password for invalid user u${n} from ${ip} port ${1024 + (n % 60000)} ssh2`;
}

/** Writes the test hub into `dir`; data and patterns come from the oracle cache. */
export function writeTestHub(dir: string, oracleRoot = ORACLE_ROOT): HubDirectories {
  const debian = debianDirectories(oracleRoot);
  const index = JSON.parse(readFileSync(join(debian.hubDir, ".index.json"), "utf8")) as {
    parsers: Record<string, { path: string }>;
  };
  const parsers: Record<string, unknown> = {};
  for (const name of PARSERS) {
    const entry = index.parsers[name]!;
    const target = join(dir, entry.path);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(debian.hubDir, entry.path), target);
    parsers[name] = entry;
  }
  const scenarioPath = `scenarios/${TEST_SCENARIO}.yaml`;
  mkdirSync(dirname(join(dir, scenarioPath)), { recursive: true });
  writeFileSync(join(dir, scenarioPath), SCENARIO);
  const testIndex = {
    parsers,
    postoverflows: {},
    scenarios: { [TEST_SCENARIO]: { path: scenarioPath, version: "0.1", versions: {} } },
    collections: {
      "rampart-test/ssh": {
        path: "collections/rampart-test/ssh.yaml",
        version: "0.1",
        versions: {},
        parsers: PARSERS,
        scenarios: [TEST_SCENARIO],
      },
    },
  };
  writeFileSync(join(dir, ".index.json"), JSON.stringify(testIndex));
  return { hubDir: dir, dataDir: debian.dataDir, patternsDir: debian.patternsDir };
}

/** Options of {@link writeAgentInstall}. */
export interface TestInstallOptions {
  lapiUrl: string;
  login?: string;
  password?: string;
  /** Globs the file datasource tails. */
  filenames: string[];
  spoolMaxBytes?: number;
  batchMaxEvents?: number;
  batchMaxDelay?: string;
  retryMaxDelay?: string;
  shutdownTimeout?: string;
  /** Prometheus port; null disables the endpoint. */
  metricsPort?: number | null;
  logLevel?: "debug" | "info" | "warn" | "error";
}

/**
 * Writes a complete agent install under `dir` (agent.yaml, credentials, acquis.yaml, the test
 * hub, state and spool directories) and returns the agent.yaml path.
 */
export function writeAgentInstall(dir: string, options: TestInstallOptions): string {
  const hub = writeTestHub(join(dir, "hub"));
  writeFileSync(
    join(dir, "local_api_credentials.yaml"),
    `url: ${options.lapiUrl}\nlogin: ${options.login ?? "host-1"}\npassword: ${options.password ?? "secret"}\n`,
  );
  writeFileSync(
    join(dir, "acquis.yaml"),
    `filenames:\n${options.filenames.map((f) => `  - ${f}\n`).join("")}labels:\n  type: syslog\n`,
  );
  const metrics =
    options.metricsPort === null || options.metricsPort === undefined
      ? "prometheus:\n  enabled: false\n"
      : `prometheus:\n  listen_port: ${options.metricsPort}\n`;
  const config = `lapi:
  credentials_path: local_api_credentials.yaml
hub:
  hub_dir: ${hub.hubDir}
  data_dir: ${hub.dataDir}
  patterns_dir: ${hub.patternsDir}
  collections: [rampart-test/ssh]
acquisition:
  acquisition_path: acquis.yaml
state_dir: state
spool:
  dir: spool
  max_bytes: ${options.spoolMaxBytes ?? 64 * 1024 * 1024}
delivery:
  batch_max_events: ${options.batchMaxEvents ?? 1000}
  batch_max_delay: ${options.batchMaxDelay ?? "200ms"}
  retry_min_delay: 50ms
  retry_max_delay: ${options.retryMaxDelay ?? "1s"}
  shutdown_timeout: ${options.shutdownTimeout ?? "10s"}
  usage_metrics_interval: 0s
log:
  level: ${options.logLevel ?? "warn"}
${metrics}`;
  const path = join(dir, "agent.yaml");
  writeFileSync(path, config);
  return path;
}

/**
 * Records "read up to the current end" for each existing file in `<stateDir>/offsets.json`, as a
 * previous run would have (with the file's first bytes, which tell a truncation apart): a first
 * start reads existing files from their end (CrowdSec's tail rule), so a test that appends right
 * after starting the agent would otherwise race the first scan.
 */
export function seedOffsets(stateDir: string, files: readonly string[]): void {
  mkdirSync(stateDir, { recursive: true });
  const offsets: Record<string, unknown> = {};
  for (const path of files) {
    const st = statSync(path);
    const head = readFileSync(path).subarray(0, 64).toString("base64");
    offsets[path] = { kind: "file", path, dev: st.dev, ino: st.ino, offset: st.size, head };
  }
  writeFileSync(join(stateDir, "offsets.json"), JSON.stringify(offsets));
}

/**
 * An `agent.yaml` over the oracle's whole Debian hub (collection `crowdsecurity/linux`, plus
 * `parsers`), with `acquis.yaml`, `local_api_credentials.yaml`, `state/` and `spool/` beside it.
 */
export function debianHubAgentYaml(parsers: readonly string[] = []): string {
  const hub = debianDirectories(ORACLE_ROOT);
  return `lapi:
  credentials_path: local_api_credentials.yaml
hub:
  hub_dir: ${hub.hubDir}
  data_dir: ${hub.dataDir}
  patterns_dir: ${hub.patternsDir}
  collections: [crowdsecurity/linux]
${parsers.length > 0 ? `  parsers: [${parsers.join(", ")}]\n` : ""}acquisition:
  acquisition_path: acquis.yaml
state_dir: state
spool:
  dir: spool
`;
}

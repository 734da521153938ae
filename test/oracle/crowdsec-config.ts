/**
 * Locating the unpacked CrowdSec 1.4.6 oracle and writing throw-away configuration directories for
 * its binaries (LAPI server, agent, cscli). Nothing from the hub is copied into the repository: hub
 * items are symlinked at run time from the package's hub snapshot, which is also how 1.4.6's
 * `cscli <type> install` marks an item as installed (a symlink from `config_dir` into `hub_dir`).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { skipUnlessPresent } from "./prerequisites.js";

/** Paths inside the unpacked Debian packages (`.cache/crowdsec/root`). */
export interface CrowdsecInstall {
  root: string;
  crowdsec: string;
  cscli: string;
  customBouncer: string;
  firewallBouncer: string;
  /** Hub snapshot shipped by the package (`.index.json` + items). */
  hubDir: string;
  /** Data files shipped by the package (`usr/share/crowdsec/data`). */
  dataFilesDir: string;
  /** Packaged `/etc/crowdsec` (profiles, simulation, grok patterns). */
  etcDir: string;
}

/** The repository root, found from this file's location. */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
}

/**
 * Describes the oracle under `root` without checking it. Default: `$CROWDSEC_ORACLE_ROOT`, else
 * `<repo>/.cache/crowdsec/root` (where `scripts/fetch-crowdsec.ts` unpacks it).
 */
export function crowdsecInstall(
  root = process.env.CROWDSEC_ORACLE_ROOT || join(repoRoot(), ".cache", "crowdsec", "root"),
): CrowdsecInstall {
  return {
    root,
    crowdsec: join(root, "usr/bin/crowdsec"),
    cscli: join(root, "usr/bin/cscli"),
    customBouncer: join(root, "usr/bin/crowdsec-custom-bouncer"),
    firewallBouncer: join(root, "usr/bin/crowdsec-firewall-bouncer"),
    hubDir: join(root, "usr/share/crowdsec/hub"),
    dataFilesDir: join(root, "usr/share/crowdsec/data"),
    etcDir: join(root, "etc/crowdsec"),
  };
}

/** Names of the oracle binaries that are missing (empty when everything is there). */
export function missingBinaries(install: CrowdsecInstall): string[] {
  return [install.crowdsec, install.cscli, install.customBouncer].filter((p) => !existsSync(p));
}

/** What a suite may need besides the oracle's binaries, hub and data files. */
export interface OracleNeeds {
  /** Root: 1.4.6's plugin broker runs only plugins owned by the user it is configured with. */
  root?: boolean;
}

/**
 * Whether a suite that needs the oracle must skip (see {@link skipUnlessPresent}: a banner
 * locally, a failure in CI). Checks the binaries, the hub snapshot and the data files.
 */
export function shouldSkipWithoutOracle(
  install: CrowdsecInstall,
  what: string,
  needs: OracleNeeds = {},
): boolean {
  const missing = [
    ...missingBinaries(install),
    ...[join(install.hubDir, ".index.json"), install.dataFilesDir, install.etcDir].filter(
      (p) => !existsSync(p),
    ),
  ];
  if (needs.root && process.getuid?.() !== 0) missing.push("root privileges");
  return skipUnlessPresent(
    what,
    missing,
    missing.includes("root privileges") && missing.length === 1
      ? "run the tests as root"
      : "run: node --import tsx scripts/fetch-crowdsec.ts (or set CROWDSEC_ORACLE_ROOT)",
  );
}

/** The oracle's install, and whether a suite that needs it skips (for one-line test headers). */
export function oracleFor(what: string, needs: OracleNeeds = {}) {
  const install = crowdsecInstall();
  return { install, skip: shouldSkipWithoutOracle(install, what, needs) };
}

/** A fresh temporary directory; remove it with {@link removeDir}. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `rampart-${prefix}-`));
}

/** Removes a directory tree, ignoring errors (used in cleanups). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

interface HubIndexItem {
  path: string;
  stage?: string;
  parsers?: string[];
  scenarios?: string[];
  postoverflows?: string[];
  collections?: string[];
}
type HubItemType = "parsers" | "scenarios" | "postoverflows" | "collections";
type HubIndex = Record<HubItemType, Record<string, HubIndexItem>>;

/** A hub item reference such as `collections:crowdsecurity/sshd`. */
export type HubItemRef = `${HubItemType}:${string}`;

/**
 * Installs hub items (and, for collections, their dependencies) into `configDir` the way 1.4.6's
 * cscli does offline: `config_dir/<type>[/<stage>]/<file>` symlinked to the hub copy.
 */
export function installHubItems(install: CrowdsecInstall, configDir: string, refs: HubItemRef[]) {
  const index = JSON.parse(readFileSync(join(install.hubDir, ".index.json"), "utf8")) as HubIndex;
  const done = new Set<string>();
  const visit = (type: HubItemType, name: string) => {
    const key = `${type}:${name}`;
    if (done.has(key)) return;
    done.add(key);
    const item = index[type][name];
    if (!item) throw new Error(`hub item ${key} not in ${install.hubDir}/.index.json`);
    const target = join(configDir, type, ...(item.stage ? [item.stage] : []), basename(item.path));
    mkdirSync(dirname(target), { recursive: true });
    if (!existsSync(target)) symlinkSync(join(install.hubDir, item.path), target);
    for (const dep of ["parsers", "scenarios", "postoverflows", "collections"] as const) {
      for (const child of item[dep] ?? []) visit(dep, child);
    }
  };
  for (const ref of refs) {
    const at = ref.indexOf(":");
    visit(ref.slice(0, at) as HubItemType, ref.slice(at + 1));
  }
  return [...done];
}

/** Machine credentials as written by cscli into `local_api_credentials.yaml`. */
export interface LapiCredentials {
  url: string;
  login: string;
  password: string;
}

/** What to put in a generated `config.yaml`. */
export interface CrowdsecConfigOptions {
  /** Directory that receives `config.yaml`, `etc/`, `data/`. */
  dir: string;
  install: CrowdsecInstall;
  /** LAPI server section; omitted → no `api.server` (agents, cscli-only configs). */
  server?: {
    listenUri: string;
    trustedIps?: string[];
    /** Central API credentials (`online_client`), written to `etc/online_api_credentials.yaml`. */
    onlineApi?: LapiCredentials;
  };
  /** Client credentials written to `etc/local_api_credentials.yaml`. */
  credentials?: LapiCredentials;
  /** Hub items to install (agents). */
  hubItems?: HubItemRef[];
  /** Documents of `acquis.yaml` (default: none, for LAPI-only and `-dsn` runs). */
  acquisition?: Record<string, unknown>[];
  /** `log_level` for everything (default `info`). */
  logLevel?: "debug" | "info" | "warning" | "error";
}

/** Files of a generated configuration. */
export interface CrowdsecConfig {
  dir: string;
  configPath: string;
  configDir: string;
  dataDir: string;
  dbPath: string;
  credentialsPath: string;
}

/**
 * Writes a self-contained `config.yaml` (and the files it points to) for the 1.4.6 binaries. Every
 * path lives under `dir`, except the read-only hub snapshot. cscli 1.4.6 loads `config_paths` even
 * for pure LAPI commands, so they are always present.
 */
export function writeCrowdsecConfig(options: CrowdsecConfigOptions): CrowdsecConfig {
  const { dir, install } = options;
  const configDir = join(dir, "etc");
  const dataDir = join(dir, "data");
  const dbPath = join(dataDir, "crowdsec.db");
  const credentialsPath = join(configDir, "local_api_credentials.yaml");
  const logLevel = options.logLevel ?? "info";
  mkdirSync(configDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(join(configDir, "notifications"), { recursive: true });
  copyPackaged(install, configDir, "profiles.yaml");
  copyPackaged(install, configDir, "simulation.yaml");
  const patterns = join(configDir, "patterns");
  if (!existsSync(patterns)) symlinkSync(join(install.etcDir, "patterns"), patterns);
  writeText(
    join(configDir, "acquis.yaml"),
    (options.acquisition ?? []).map((doc) => stringify(doc)).join("---\n"),
  );
  if (options.credentials) writeYaml(credentialsPath, options.credentials);
  const onlineCredentialsPath = join(configDir, "online_api_credentials.yaml");
  if (options.server?.onlineApi) writeYaml(onlineCredentialsPath, options.server.onlineApi);
  if (options.hubItems) installHubItems(install, configDir, options.hubItems);

  const config: Record<string, unknown> = {
    common: { daemonize: false, log_media: "stdout", log_level: logLevel, working_dir: "." },
    config_paths: {
      config_dir: `${configDir}/`,
      data_dir: `${dataDir}/`,
      simulation_path: join(configDir, "simulation.yaml"),
      hub_dir: `${install.hubDir}/`,
      index_path: join(install.hubDir, ".index.json"),
      notification_dir: join(configDir, "notifications/"),
      plugin_dir: join(dir, "plugins/"),
    },
    crowdsec_service: { acquisition_path: join(configDir, "acquis.yaml"), parser_routines: 1 },
    cscli: { output: "human", color: "no" },
    db_config: {
      log_level: logLevel,
      type: "sqlite",
      db_path: dbPath,
      use_wal: false,
      flush: { max_items: 5000, max_age: "7d" },
    },
    api: {
      client: { insecure_skip_verify: false, credentials_path: credentialsPath },
      ...(options.server
        ? {
            server: {
              log_level: logLevel,
              listen_uri: options.server.listenUri,
              profiles_path: join(configDir, "profiles.yaml"),
              // No `online_client` unless asked: the oracle talks to no Central API but Rampart's.
              ...(options.server.onlineApi
                ? { online_client: { credentials_path: onlineCredentialsPath } }
                : {}),
              trusted_ips: options.server.trustedIps ?? ["127.0.0.1", "::1"],
            },
          }
        : {}),
    },
    prometheus: { enabled: false },
  };
  const configPath = join(dir, "config.yaml");
  writeYaml(configPath, config);
  return { dir, configPath, configDir, dataDir, dbPath, credentialsPath };
}

function copyPackaged(install: CrowdsecInstall, configDir: string, file: string) {
  const target = join(configDir, file);
  if (!existsSync(target)) writeText(target, readFileSync(join(install.etcDir, file), "utf8"));
}

/** Writes a YAML document (`null` → empty file). */
export function writeYaml(path: string, value: unknown): void {
  writeText(path, value === null ? "" : stringify(value));
}

function writeText(path: string, text: string) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * Where the CLI finds its LAPI and credentials. Sources, later ones winning field by field:
 * built-in defaults → the YAML config file → a CrowdSec-style `local_api_credentials.yaml` →
 * environment variables → command-line flags. Against the local stack (`npm start`) the admin
 * token comes from the repository's `.dev.vars` when nothing else names one.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { CliError, EXIT } from "./cli-error.js";

/** Shape of the YAML config file (`~/.config/rampart/config.yaml` or `--config`). */
export const cliConfigSchema = z
  .object({
    url: z.string().url().optional(),
    admin_token: z.string().min(1).optional(),
    machine_id: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** A CrowdSec `local_api_credentials.yaml` (url, login, password). */
    credentials_file: z.string().optional(),
    /** Client certificate for mTLS deployments (PEM paths). */
    cert_file: z.string().optional(),
    key_file: z.string().optional(),
    ca_file: z.string().optional(),
    /** CrowdSec-style config dir: hub/, parsers/, scenarios/, simulation.yaml, profiles.yaml. */
    config_dir: z.string().optional(),
    hub_dir: z.string().optional(),
    data_dir: z.string().optional(),
    patterns_dir: z.string().optional(),
    /** The hub CDN: `<hub_url>/<hub_branch>/.index.json` and `<hub_url>/<hub_branch>/<item path>`. */
    hub_url: z.string().url().optional(),
    hub_branch: z
      .string()
      .regex(/^[\w.-]+$/, "a branch name")
      .optional(),
    /** Where data files come from: `<hub_data_url>/<path of their source_url>` (default: the source_url). */
    hub_data_url: z.string().url().optional(),
    /** CrowdSec's grok patterns: `<patterns_url>/<file>` (default: the pinned crowdsec release). */
    patterns_url: z.string().url().optional(),
    /** Prometheus endpoint of the agent, for `rampart metrics`. */
    prometheus_url: z.string().url().optional(),
  })
  .strict();

export type CliConfigFile = z.infer<typeof cliConfigSchema>;

/** Resolved configuration every command reads. */
export interface CliConfig {
  url: string;
  adminToken?: string;
  /** Where the admin token came from (shown by `lapi status`). */
  adminTokenSource?: string;
  machineId?: string;
  password?: string;
  credentialsFile?: string;
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  configDir: string;
  hubDir: string;
  dataDir: string;
  patternsDir: string;
  hubUrl: string;
  hubBranch: string;
  /** Unset: data files come from their own `source_url`. */
  hubDataUrl?: string;
  patternsUrl: string;
  prometheusUrl: string;
}

/**
 * Defaults mirror a CrowdSec install (its `config.yaml`: `config_dir: /etc/crowdsec/`,
 * `hub_dir: <config_dir>/hub/`, `data_dir: /var/lib/crowdsec/data/`), so an agent host needs no
 * config at all, and the hub CDN current cscli uses (`pkg/csconfig/cscli.go`
 * `defaultHubURLTemplate`, branch `master`).
 */
export const DEFAULTS = {
  url: "http://127.0.0.1:8080/",
  configDir: "/etc/crowdsec",
  dataDir: "/var/lib/crowdsec/data",
  prometheusUrl: "http://127.0.0.1:6060/metrics",
  hubUrl: "https://cdn-hub.crowdsec.net/crowdsecurity/",
  hubBranch: "master",
  /** CrowdSec's `config/patterns` at a pinned release (the grok patterns a host without CrowdSec lacks). */
  patternsUrl: "https://raw.githubusercontent.com/crowdsecurity/crowdsec/v1.7.5/config/patterns/",
} as const;

function baseUrl(url: string, what: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http");
    return parsed.toString().replace(/\/?$/, "/");
  } catch {
    throw new CliError(`invalid ${what} '${url}' (an http:// or https:// URL)`, EXIT.usage);
  }
}

/** Inputs of {@link loadConfig}; everything injectable for tests. */
export interface LoadConfigInput {
  env: Record<string, string | undefined>;
  cwd: string;
  /** `--config` */
  configPath?: string;
  /** `--url` */
  url?: string;
}

function readYaml(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new CliError(`cannot read ${what} '${path}'`, EXIT.usage);
  }
  try {
    return parse(text) ?? {};
  } catch (error) {
    throw new CliError(
      `${what} '${path}' is not valid YAML: ${(error as Error).message.split("\n")[0]}`,
      EXIT.usage,
    );
  }
}

function readConfigFile(path: string): CliConfigFile {
  const parsed = cliConfigSchema.safeParse(readYaml(path, "config file"));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(
      `config file '${path}': ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      EXIT.usage,
    );
  }
  return parsed.data;
}

const credentialsSchema = z.object({
  url: z.string().optional(),
  login: z.string().optional(),
  password: z.string().optional(),
});

/** Reads a CrowdSec `local_api_credentials.yaml` (`url`, `login`, `password`). */
export function readCredentialsFile(path: string): z.infer<typeof credentialsSchema> {
  const parsed = credentialsSchema.safeParse(readYaml(path, "credentials file"));
  if (!parsed.success)
    throw new CliError(`credentials file '${path}' has no url/login/password`, EXIT.usage);
  return parsed.data;
}

/** `KEY=value` lines of a wrangler `.dev.vars` file (quotes stripped), as `scripts/start.mjs` writes. */
export function readDevVars(path: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]!] = m[2]!.replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

/** The nearest `.dev.vars` next to a `wrangler.toml`, walking up from `cwd`. */
function findDevVars(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, ".dev.vars");
    if (existsSync(candidate) && existsSync(join(dir, "wrangler.toml"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
}

function hubBranch(name: string): string {
  if (!/^[\w.-]+$/.test(name))
    throw new CliError(`invalid hub branch '${name}' (letters, digits, '.', '_', '-')`, EXIT.usage);
  return name;
}

/** Resolves the configuration from files, env and flags. */
export function loadConfig(input: LoadConfigInput): CliConfig {
  const { env } = input;
  const defaultPath = join(env.HOME ?? homedir(), ".config", "rampart", "config.yaml");
  const configPath = input.configPath ?? env.RAMPART_CONFIG;
  let file: CliConfigFile = {};
  if (configPath) file = readConfigFile(configPath);
  else if (existsSync(defaultPath)) file = readConfigFile(defaultPath);

  const credentialsFile = env.RAMPART_CREDENTIALS_FILE ?? file.credentials_file;
  const creds = credentialsFile ? readCredentialsFile(credentialsFile) : {};
  const configDir = env.RAMPART_CONFIG_DIR ?? file.config_dir ?? DEFAULTS.configDir;

  let url = input.url ?? env.RAMPART_URL ?? creds.url ?? file.url ?? DEFAULTS.url;
  try {
    url = new URL(url).toString();
  } catch {
    throw new CliError(`invalid LAPI URL '${url}'`, EXIT.usage);
  }
  if (!url.endsWith("/")) url += "/";

  let adminToken = env.RAMPART_ADMIN_TOKEN ?? file.admin_token;
  let adminTokenSource = env.RAMPART_ADMIN_TOKEN
    ? "RAMPART_ADMIN_TOKEN"
    : file.admin_token
      ? "config file"
      : undefined;
  if (!adminToken && isLoopback(url)) {
    const devVars = findDevVars(input.cwd);
    const token = devVars ? readDevVars(devVars).ADMIN_TOKEN : undefined;
    if (token) {
      adminToken = token;
      adminTokenSource = devVars;
    }
  }
  const hubDataUrl = env.RAMPART_HUB_DATA_URL ?? file.hub_data_url;
  return {
    url,
    adminToken,
    adminTokenSource,
    machineId: env.RAMPART_MACHINE_ID ?? creds.login ?? file.machine_id,
    password: env.RAMPART_PASSWORD ?? creds.password ?? file.password,
    credentialsFile,
    certFile: env.RAMPART_CERT_FILE ?? file.cert_file,
    keyFile: env.RAMPART_KEY_FILE ?? file.key_file,
    caFile: env.RAMPART_CA_FILE ?? file.ca_file,
    configDir,
    hubDir: env.RAMPART_HUB_DIR ?? file.hub_dir ?? join(configDir, "hub"),
    dataDir: env.RAMPART_DATA_DIR ?? file.data_dir ?? DEFAULTS.dataDir,
    patternsDir: env.RAMPART_PATTERNS_DIR ?? file.patterns_dir ?? join(configDir, "patterns"),
    hubUrl: baseUrl(env.RAMPART_HUB_URL ?? file.hub_url ?? DEFAULTS.hubUrl, "hub URL"),
    hubBranch: hubBranch(env.RAMPART_HUB_BRANCH ?? file.hub_branch ?? DEFAULTS.hubBranch),
    ...(hubDataUrl ? { hubDataUrl: baseUrl(hubDataUrl, "hub data URL") } : {}),
    patternsUrl: baseUrl(
      env.RAMPART_PATTERNS_URL ?? file.patterns_url ?? DEFAULTS.patternsUrl,
      "patterns URL",
    ),
    prometheusUrl: env.RAMPART_PROMETHEUS_URL ?? file.prometheus_url ?? DEFAULTS.prometheusUrl,
  };
}

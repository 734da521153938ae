import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/acquisition.js";
import { loadAgentConfig, parseAgentConfig } from "./agent-config.js";
import { ConfigError } from "./config-error.js";
import { loadCredentials } from "./credentials.js";

const FILE = "/etc/rampart/agent.yaml";
const valid = `lapi:
  credentials_path: local_api_credentials.yaml
hub:
  hub_dir: /usr/share/crowdsec/hub
  data_dir: /var/lib/crowdsec/data
  patterns_dir: /etc/crowdsec/patterns
  collections: [crowdsecurity/linux]
acquisition:
  acquisition_path: acquis.yaml
  acquisition_dir: acquis.d
state_dir: /var/lib/rampart-agent
spool:
  dir: /var/lib/rampart-agent/spool
`;

describe("agent config", () => {
  it("resolves relative paths against the config file and applies defaults", () => {
    const config = parseAgentConfig(valid, FILE);
    expect(config).toMatchObject({
      lapi: { credentialsPath: "/etc/rampart/local_api_credentials.yaml", url: null },
      hub: { collections: ["crowdsecurity/linux"], parsers: [] },
      acquisition: { path: "/etc/rampart/acquis.yaml", dir: "/etc/rampart/acquis.d" },
      spoolDir: "/var/lib/rampart-agent/spool",
      prometheus: { enabled: true, listenAddr: "127.0.0.1", listenPort: 6060 },
      spoolMaxBytes: 256 * 1024 * 1024,
      delivery: {
        batchMaxEvents: 1000,
        batchMaxBytes: 4 * 1024 * 1024,
        batchMaxDelayMs: 1000,
        retryMinDelayMs: 1000,
        retryMaxDelayMs: 60_000,
        shutdownTimeoutMs: 10_000,
        heartbeatIntervalMs: 60_000,
        usageMetricsIntervalMs: 1_800_000,
      },
      log: { level: "info", format: "json" },
    });
  });

  it("reads spool size, delivery durations and log settings", () => {
    const config = parseAgentConfig(
      `${valid.replace("  dir: /var/lib/rampart-agent/spool\n", "  dir: spool\n  max_bytes: 1048576\n")}delivery:
  batch_max_events: 5000
  batch_max_delay: 250ms
  retry_max_delay: 1m30s
  usage_metrics_interval: 0s
log:
  level: debug
  format: logfmt
`,
      FILE,
    );
    expect(config.spoolDir).toBe("/etc/rampart/spool");
    expect(config.spoolMaxBytes).toBe(1048576);
    expect(config.delivery).toMatchObject({
      batchMaxEvents: 5000,
      batchMaxDelayMs: 250,
      retryMaxDelayMs: 90_000,
      usageMetricsIntervalMs: 0,
    });
    expect(config.log).toEqual({ level: "debug", format: "logfmt" });
  });

  const bad: [string, string, string][] = [
    [
      "an unknown nested key",
      valid.replace("  collections:", "  colections:"),
      `${FILE}:7:3: document 1: hub.colections: unknown key (not in the schema)`,
    ],
    [
      "a missing section",
      valid.replace(/spool:\n {2}dir: .*\n/, ""),
      `${FILE}:1:1: document 1: spool: Required`,
    ],
    [
      "a bad metrics port",
      `${valid}prometheus:\n  listen_port: "6060"\n`,
      `${FILE}:15:16: document 1: prometheus.listen_port: Expected number, received string`,
    ],
    [
      "a bad LAPI URL override",
      valid.replace("lapi:\n", "lapi:\n  url: not a url\n"),
      `${FILE}:2:8: document 1: lapi.url: Invalid url`,
    ],
    [
      "no acquisition at all",
      valid.replace(/acquisition:\n( {2}.*\n)+/, "acquisition: {}\n"),
      `${FILE}:8:14: document 1: acquisition: no acquisition_path or acquisition_dir specified`,
    ],
    [
      "a batch larger than the endpoint takes",
      `${valid}delivery:\n  batch_max_events: 5001\n`,
      `${FILE}:15:21: document 1: delivery.batch_max_events: Number must be less than or equal to 5000`,
    ],
    [
      "a bad duration",
      `${valid}delivery:\n  batch_max_delay: 1d\n`,
      `${FILE}:15:20: document 1: delivery.batch_max_delay: time: unknown unit "d" in duration "1d"`,
    ],
    [
      "a retry floor above the ceiling",
      `${valid}delivery:\n  retry_min_delay: 2m\n  retry_max_delay: 1m\n`,
      `document 1: delivery: retry_min_delay must not exceed retry_max_delay`,
    ],
    [
      "a tiny spool",
      valid.replace("  dir: /var/lib/rampart-agent/spool\n", "  dir: s\n  max_bytes: 10\n"),
      `document 1: spool.max_bytes: Number must be greater than or equal to 65536`,
    ],
    [
      "an unknown log format",
      `${valid}log:\n  format: xml\n`,
      `document 1: log.format: Invalid enum value`,
    ],
  ];
  for (const [name, text, message] of bad) {
    it(`rejects ${name} with file, line, YAML path and reason`, () => {
      expect(() => parseAgentConfig(text, FILE)).toThrow(ConfigError);
      expect(() => parseAgentConfig(text, FILE)).toThrow(message);
    });
  }

  it("names the file it cannot read", () => {
    expect(() => loadAgentConfig("/nonexistent/agent.yaml")).toThrow(
      /^\/nonexistent\/agent\.yaml: cannot read configuration: ENOENT/,
    );
  });
});

describe("local_api_credentials.yaml", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  const write = (text: string) => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = join(t.dir, "local_api_credentials.yaml");
    writeFileSync(file, text);
    return { file, dir: t.dir };
  };

  it("reads login/password as cscli machines add writes it", () => {
    const { file } = write("url: http://127.0.0.1:8080/\nlogin: host-1\npassword: s3cret\n");
    expect(loadCredentials(file)).toEqual({
      url: "http://127.0.0.1:8080/",
      auth: { kind: "password", login: "host-1", password: "s3cret" },
      caCertPath: null,
    });
  });

  it("reads a client certificate with paths relative to the file", () => {
    const { file, dir } = write(
      "url: https://lapi:8080/\nca_cert_path: ca.pem\ncert_path: agent.pem\nkey_path: /k/agent-key.pem\n",
    );
    expect(loadCredentials(file)).toEqual({
      url: "https://lapi:8080/",
      auth: { kind: "certificate", certPath: join(dir, "agent.pem"), keyPath: "/k/agent-key.pem" },
      caCertPath: join(dir, "ca.pem"),
    });
  });

  const bad: [string, string, RegExp][] = [
    [
      "no auth",
      "url: http://x/\n",
      /1:1: document 1: neither login\/password nor cert_path\/key_path/,
    ],
    [
      "a login without password",
      "url: http://x/\nlogin: a\n",
      /document 1: password: login without password/,
    ],
    [
      "half a certificate",
      "url: http://x/\ncert_path: c.pem\n",
      /key_path: a client certificate needs both/,
    ],
    [
      "an unknown key",
      "url: http://x/\nlogin: a\npassword: b\nuser: c\n",
      /4:1: document 1: user: unknown key/,
    ],
    ["a missing url", "login: a\npassword: b\n", /url: Required/],
  ];
  for (const [name, text, message] of bad) {
    it(`rejects ${name}`, () => {
      const { file } = write(text);
      expect(() => loadCredentials(file)).toThrow(message);
    });
  }
});

import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../test/support/acquisition.js";
import { debianHubAgentYaml, ORACLE_ROOT } from "../test/support/agent-test-hub.js";
import { agentCommand } from "../test/support/bins.js";
import { main } from "./main.js";

const AGENT = agentCommand();
const hasHub = existsSync(join(ORACLE_ROOT, "usr/share/crowdsec/hub/.index.json"));

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function install(overrides: { agent?: string; acquis?: string; creds?: string } = {}) {
  const t = tempDir("rampart-agent-t-");
  cleanups.push(t.cleanup);
  writeFileSync(join(t.dir, "app.log"), "");
  writeFileSync(join(t.dir, "agent.yaml"), overrides.agent ?? debianHubAgentYaml());
  writeFileSync(
    join(t.dir, "local_api_credentials.yaml"),
    overrides.creds ?? "url: http://127.0.0.1:8080/\nlogin: host-1\npassword: pw\n",
  );
  writeFileSync(
    join(t.dir, "acquis.yaml"),
    overrides.acquis ??
      `filenames: [${t.dir}/*.log]\nlabels: {type: syslog}\n---\nsource: journalctl\njournalctl_filter: ["_SYSTEMD_UNIT=ssh.service"]\nlabels: {type: syslog}\n`,
  );
  return { dir: t.dir, config: join(t.dir, "agent.yaml") };
}

/** `-t` with a `-dsn` entry for `app.log` in `dir`. */
function checkDsn(config: string, dir: string, type: string, ...extra: string[]) {
  return run(["-c", config, "-t", "-dsn", `file://${dir}/app.log`, "--type", type, ...extra]);
}

function run(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = main(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

describe.skipIf(!hasHub)("rampart-agent -t with the Debian 1.4.6 hub", { timeout: 60_000 }, () => {
  it("prints the LAPI, the datasources and the loaded hub, and exits 0", () => {
    const { dir, config } = install();
    const { code, stdout, stderr } = run(["-c", config, "-t"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(
      `lapi: http://127.0.0.1:8080/ (login host-1, credentials ${dir}/local_api_credentials.yaml)`,
    );
    expect(stdout).toContain(`  file [tail] type=syslog: ${dir}/*.log (1 file now)`);
    expect(stdout).toContain(
      "  journalctl [tail] type=syslog: journalctl --output=json --all --follow -n 0 _SYSTEMD_UNIT=ssh.service",
    );
    expect(stdout).toMatch(/hub: [1-9]\d* parsers, \d+ postoverflows, [1-9]\d* scenarios loaded/);
    expect(stdout.trimEnd().endsWith("configuration test: OK")).toBe(true);
  });

  it("uses a -dsn entry instead of the acquisition files", () => {
    const { dir, config } = install({ acquis: "not: [valid" });
    const { code, stdout } = checkDsn(config, dir, "nginx");
    expect(code).toBe(0);
    expect(stdout).toContain(`  file [cat] type=nginx: ${dir}/app.log (1 file now)`);
  });

  it("needs no credentials file for a -dsn replay with --local", () => {
    const { dir, config } = install();
    rmSync(join(dir, "local_api_credentials.yaml"));
    const { code, stdout, stderr } = checkDsn(config, dir, "syslog", "--local");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(
      "lapi: none (--local: buckets in-process, alerts printed; credentials not read)",
    );
    expect(stdout.trimEnd().endsWith("configuration test: OK")).toBe(true);
  });

  it("fails on a collection the hub does not have", () => {
    const { config } = install();
    writeFileSync(config, readAgent(config).replace("crowdsecurity/linux", "crowdsecurity/nope"));
    const { code, stderr } = run(["-c", config, "-t"]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `${config}: hub: collections crowdsecurity/nope (required by (requested)) is not in the hub index`,
    );
  });
});

function readAgent(path: string): string {
  return readFileSync(path, "utf8");
}

describe("rampart-agent -t on bad configurations", () => {
  it("names the acquisition file, line, document, YAML path and reason", () => {
    const { dir, config } = install({
      acquis: "filename: /a\nlabels: {type: x}\n---\nfilename: /b\nlables: {type: y}\n",
    });
    const { code, stderr } = run(["-c", config, "-t"]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `configuration test failed: ${dir}/acquis.yaml:5:1: document 2: lables: unknown key (not in the schema)\n`,
    );
  });

  it("names the credentials file problem", () => {
    const { dir, config } = install({ creds: "url: http://127.0.0.1:8080/\nlogin: a\n" });
    const { code, stderr } = run(["-c", config, "-t"]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `${dir}/local_api_credentials.yaml:1:1: document 1: password: login without password`,
    );
  });

  it("names the missing credentials file and the YAML key when the LAPI is needed", () => {
    const { dir, config } = install();
    rmSync(join(dir, "local_api_credentials.yaml"));
    for (const args of [
      ["-c", config, "-t"],
      ["-c", config, "-t", "-dsn", `file://${dir}/app.log`, "--type", "syslog"],
    ]) {
      const { code, stderr } = run(args);
      expect(code).toBe(1);
      expect(stderr).toBe(
        `configuration test failed: ${config}: lapi.credentials_path: ${dir}/local_api_credentials.yaml does not exist: the agent needs it to reach the LAPI (only a -dsn replay with --local runs without one)\n`,
      );
    }
  });

  it("rejects --local without -dsn with exit 2", () => {
    const { config } = install();
    const { code, stderr } = run(["-c", config, "-t", "--local"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--local needs -dsn");
  });

  it("names a hub directory that does not exist", () => {
    const { config } = install({
      agent:
        "lapi: {credentials_path: local_api_credentials.yaml}\nhub: {hub_dir: /nonexistent/hub, data_dir: /tmp, patterns_dir: /tmp}\nacquisition: {acquisition_path: acquis.yaml}\nstate_dir: s\nspool: {dir: sp}\n",
    });
    const { code, stderr } = run(["-c", config, "-t"]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `configuration test failed: ${config}: hub.hub_dir: /nonexistent/hub is not a directory\n`,
    );
  });

  it("rejects unknown flags and a -dsn without --type with usage and exit 2", () => {
    expect(run(["-x"]).code).toBe(2);
    expect(run(["-t", "-dsn", "file:///a"]).stderr).toContain("-dsn needs --type");
    expect(run(["-c"]).stderr).toContain("-c needs a value");
  });

  it("runs the daemon without -t, failing with exit 1 on a bad configuration", async () => {
    const { config } = install({ agent: "lapi: {credentials_path: 3}\n" });
    const io = { out: "", err: "" };
    const code = await main(["-c", config], {
      stdout: (t) => {
        io.out += t;
      },
      stderr: (t) => {
        io.err += t;
      },
    });
    expect(code).toBe(1);
    expect(io.err).toContain("lapi.credentials_path");
  });

  it("exits non-zero from the bin's entry with the message on stderr", async () => {
    const { config } = install({ agent: "lapi: {credentials_path: 3}\n" });
    const result = await promisify(execFile)(AGENT.command, [
      ...AGENT.args,
      "-c",
      config,
      "-t",
    ]).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${config}:1:26: document 1: lapi.credentials_path: Expected string, received number`,
    );
  }, 30_000);
});

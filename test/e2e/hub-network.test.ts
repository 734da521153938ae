/**
 * Acceptance of `rampart hub update` and network installs, with the real binaries on a host
 * without CrowdSec: a local HTTP server over the current-hub snapshot stands in for the hub CDN
 * (`/master/…` = `hub/`), the data host (`/data/…` = `data/`) and the patterns URL
 * (`/patterns/…`). In a fresh config dir, `hub update` and `collections install` lay out the
 * installed state; `rampart-agent -dsn … --local` reading that state raises the alerts each hub
 * test expects; a tampered item is refused; a server that is down changes nothing.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { makeTempDir, removeDir, repoRoot } from "../oracle/crowdsec-config.js";
import { skipUnlessPresent } from "../oracle/prerequisites.js";
import { type CommandResult, runCommand } from "../oracle/processes.js";
import { agentCommand, rampartCommand } from "../support/bins.js";
import { type HubCdnServer, startHubCdn } from "../support/hub-cdn-server.js";

const SNAPSHOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/crowdsec-hub");
const TESTS = join(SNAPSHOT, "hub/.tests");
const skip = skipUnlessPresent(
  "hub network install tests",
  [join(SNAPSHOT, "hub/.index.json"), TESTS, join(SNAPSHOT, "data"), join(SNAPSHOT, "patterns")]
    .filter((p) => !existsSync(p))
    .map((p) => relative(repoRoot(), p)),
  "the current CrowdSec hub snapshot is expected at ../shared/crowdsec-hub",
);

/** Hub tests whose scenarios the installed collections (sshd, nginx → base-http-scenarios) hold. */
const HUB_TESTS = ["ssh-bf", "nginx-http-path-traversal", "nginx-http-sqli-probing"];

/** `scenario source-ip` of every result a hub test's `scenario.assert` expects. */
function expectedAlerts(test: string): string[] {
  const text = readFileSync(join(TESTS, test, "scenario.assert"), "utf8");
  const count = Number(/^len\(results\) == (\d+)$/m.exec(text)?.[1] ?? 0);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const scenario = new RegExp(
      `^results\\[${i}\\]\\.Overflow\\.Alert\\.GetScenario\\(\\) == "([^"]+)"$`,
      "m",
    ).exec(text)?.[1];
    const ip = new RegExp(
      `^"([^"]+)" in results\\[${i}\\]\\.Overflow\\.GetSources\\(\\)$`,
      "m",
    ).exec(text)?.[1];
    out.push(`${scenario} ${ip}`);
  }
  return out.sort();
}

/** Every file under `dir`: relative path → sha256 (symlinks: their target). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isSymbolicLink()) out[relative(dir, full)] = `-> ${readlinkSync(full)}`;
      else out[relative(dir, full)] = createHash("sha256").update(readFileSync(full)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

describe.skipIf(skip)("rampart hub update and network installs", () => {
  let cdn: HubCdnServer;
  let home: string;
  let env: NodeJS.ProcessEnv;
  const etc = () => join(home, "etc");
  const run = (bin: ReturnType<typeof rampartCommand>, args: string[]): Promise<CommandResult> =>
    runCommand(bin.command, [...bin.args, ...args], { env, cwd: home, timeoutMs: 240_000 });
  const rampart = (...args: string[]) => run(rampartCommand(), args);

  beforeAll(async () => {
    cdn = await startHubCdn([
      { prefix: "/master/", dir: join(SNAPSHOT, "hub") },
      { prefix: "/data/", dir: join(SNAPSHOT, "data") },
      { prefix: "/patterns/", dir: join(SNAPSHOT, "patterns") },
    ]);
    home = makeTempDir("hub-network");
    env = {
      PATH: process.env.PATH,
      HOME: home,
      TZ: "UTC",
      RAMPART_CONFIG_DIR: join(home, "etc"),
      RAMPART_DATA_DIR: join(home, "data"),
      RAMPART_HUB_URL: cdn.url,
      RAMPART_HUB_DATA_URL: `${cdn.url}data/`,
      RAMPART_PATTERNS_URL: `${cdn.url}patterns/`,
    };
    writeFileSync(
      join(home, "agent.yaml"),
      `lapi:
  credentials_path: credentials.yaml
hub:
  hub_dir: etc/hub
  data_dir: data
  patterns_dir: etc/patterns
  config_dir: etc
acquisition:
  acquisition_path: acquis.yaml
state_dir: state
spool:
  dir: spool
prometheus:
  enabled: false
`,
    );
  });
  afterAll(async () => {
    await cdn?.close();
    if (home) removeDir(home);
  });

  it("hub update fetches the index into <config>/hub and the grok patterns", async () => {
    const r = await rampart("hub", "update");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(join(etc(), "hub/.index.json"))).toEqual(
      readFileSync(join(SNAPSHOT, "hub/.index.json")),
    );
    expect(readFileSync(join(etc(), "patterns/ssh"), "utf8")).toBe(
      readFileSync(join(SNAPSHOT, "patterns/ssh"), "utf8"),
    );
    expect(cdn.requests).toContain("/master/.index.json");
  });

  it("collections install downloads members and data files and links them like cscli", async () => {
    const r = await rampart("collections", "install", "crowdsecurity/sshd", "crowdsecurity/nginx");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("downloaded: scenarios crowdsecurity/ssh-bf");
    expect(r.stdout).toContain("enabled: scenarios crowdsecurity/http-path-traversal-probing\n");
    const parsers = await rampart(
      "parsers",
      "install",
      "crowdsecurity/syslog-logs",
      "crowdsecurity/dateparse-enrich",
    );
    expect(parsers.code, parsers.stderr).toBe(0);
    const link = join(etc(), "scenarios/ssh-bf.yaml");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(link, "utf8")).toBe(
      readFileSync(join(SNAPSHOT, "hub/scenarios/crowdsecurity/ssh-bf.yaml"), "utf8"),
    );
    expect(readFileSync(join(home, "data/http_path_traversal.txt"), "utf8")).toBe(
      readFileSync(join(SNAPSHOT, "data/web/path_traversal.txt"), "utf8"),
    );
    const listed = await rampart("scenarios", "list", "-o", "raw");
    expect(listed.stdout).toContain("scenarios,crowdsecurity/ssh-bf,enabled,");
  });

  // Needs the current hub's scenarios to load: list-valued labels (wt-scen) and expr `let`.
  it.each(HUB_TESTS)(
    "rampart-agent on the installed state raises what hub test %s expects",
    async (test) => {
      const config = parse(readFileSync(join(TESTS, test, "config.yaml"), "utf8")) as {
        log_file: string;
        log_type: string;
      };
      const r = await run(agentCommand(), [
        "-c",
        join(home, "agent.yaml"),
        "-dsn",
        `file://${join(TESTS, test, config.log_file)}`,
        "-type",
        config.log_type,
        "--local",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const alerts = r.stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as { scenario: string; source: { ip?: string; value: string } })
        .map((a) => `${a.scenario} ${a.source.ip ?? a.source.value}`);
      for (const want of expectedAlerts(test)) expect(alerts).toContain(want);
    },
  );

  it("refuses an item whose bytes do not match the index sha256, writing nothing", async () => {
    const path = "/master/parsers/s01-parse/crowdsecurity/apache2-logs.yaml";
    cdn.tamper.set(path, (bytes) => Buffer.concat([bytes, Buffer.from("# tampered\n")]));
    const before = snapshot(etc());
    const r = await rampart("parsers", "install", "crowdsecurity/apache2-logs");
    cdn.tamper.delete(path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^rampart: parsers crowdsecurity\/apache2-logs: hash mismatch for http:\S+apache2-logs\.yaml: expected [0-9a-f]{64}, got [0-9a-f]{64}; refused, nothing written/,
    );
    expect(r.stderr.split("\n").filter((l) => l !== "")).toHaveLength(1);
    expect(snapshot(etc())).toEqual(before);
  });

  it("fails in one line with the server down and leaves the installed state unchanged", async () => {
    const before = snapshot(etc());
    const data = snapshot(join(home, "data"));
    await cdn.close();
    const update = await rampart("hub", "update");
    expect(update.code).toBe(4);
    expect(update.stderr).toMatch(
      /^rampart: cannot download http:\S+\/master\/\.index\.json: ECONNREFUSED\n$/,
    );
    const install = await rampart("collections", "install", "crowdsecurity/apache2");
    expect(install.code).toBe(4);
    expect(install.stderr).toMatch(/^rampart: cannot download http:\S+: ECONNREFUSED\n$/);
    expect(snapshot(etc())).toEqual(before);
    expect(snapshot(join(home, "data"))).toEqual(data);
  });
});

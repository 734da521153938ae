/**
 * Issue #7 acceptance for the host commands, with the real binary: `rampart hub install` lays out
 * the Debian 1.4.6 hub snapshot exactly like cscli's offline install (the oracle helper), `explain`
 * runs a real sshd line through that hub, and `deploy --dry-run` bundles both Workers with
 * wrangler and reports their sizes.
 */
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CrowdsecConfig,
  crowdsecInstall,
  installHubItems,
  makeTempDir,
  removeDir,
  repoRoot,
  shouldSkipWithoutOracle,
  writeCrowdsecConfig,
} from "../oracle/crowdsec-config.js";
import { type CommandResult, runCommand } from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import { rampartCommand } from "../support/bins.js";

const install = crowdsecInstall();
const skip = shouldSkipWithoutOracle(install, "rampart CLI host-command tests");
const RAMPART = rampartCommand();
const SSH_LINE = "Nov 21 06:00:01 host sshd[42]: Invalid user admin from 192.0.2.7 port 4242";

/** Every symlink under `dir`: relative path → target. */
function links(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (lstatSync(full).isSymbolicLink()) out[relative(dir, full)] = readlinkSync(full);
    }
  };
  walk(dir);
  return out;
}

function sortedLines(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .sort();
}

describe.skipIf(skip)("rampart hub, explain and deploy on this host", () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  const rampart = (args: string[]): Promise<CommandResult> =>
    runCommand(RAMPART.command, [...RAMPART.args, ...args], {
      env,
      cwd: repoRoot(),
      timeoutMs: 240_000,
    });

  beforeAll(() => {
    home = makeTempDir("cli-host");
    env = {
      PATH: process.env.PATH,
      HOME: home,
      TZ: "UTC",
      RAMPART_CONFIG_DIR: join(home, "etc"),
      RAMPART_HUB_DIR: install.hubDir,
      RAMPART_DATA_DIR: install.dataFilesDir,
      RAMPART_PATTERNS_DIR: join(install.etcDir, "patterns"),
    };
  });
  afterAll(() => removeDir(home));

  it("installs collections with the same symlinks as cscli's offline install", async () => {
    const r = await rampart([
      "hub",
      "install",
      "crowdsecurity/linux",
      "crowdsecurity/sshd",
      "crowdsecurity/nginx",
    ]);
    expect(r.code).toBe(0);
    const theirs = join(home, "oracle-etc");
    installHubItems(install, theirs, [
      "collections:crowdsecurity/linux",
      "collections:crowdsecurity/sshd",
      "collections:crowdsecurity/nginx",
    ]);
    const ours = links(join(home, "etc"));
    expect(Object.keys(ours).length).toBeGreaterThan(10);
    expect(ours).toEqual(links(theirs));
  });

  it("explains an sshd line: three stages succeed and the ssh scenarios would pour", async () => {
    const r = await rampart(["explain", "--type", "syslog", "--log", SSH_LINE]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("\t|\t└ 🟢 crowdsecurity/sshd-logs (+6 ~1)\n");
    expect(r.stdout).toContain("\t├-------- parser success 🟢\n");
    expect(r.stdout).toContain("🟢 crowdsecurity/ssh-bf\n");
    // nginx's parsers run (and fail) on the line; no http scenario pours.
    expect(r.stdout.split("\t├ Scenarios\n")[1]).not.toContain("http-");
  });

  it("lists the enabled items as JSON", async () => {
    const r = await rampart(["hub", "list", "-t", "scenarios", "-o", "json"]);
    const names = (JSON.parse(r.stdout) as { scenarios: { name: string }[] }).scenarios.map(
      (s) => s.name,
    );
    expect(names).toContain("crowdsecurity/ssh-bf");
    expect(names).toContain("crowdsecurity/http-probing");
  });

  it("deploy --dry-run bundles the LAPI and the bouncer under the free-plan limit", async () => {
    const r = await rampart(["deploy", "--dry-run", "-o", "json"]);
    expect(r.stderr).toBe("");
    const rows = JSON.parse(r.stdout) as {
      worker: string;
      raw: number;
      gzip: number;
      free: boolean;
    }[];
    expect(rows.map((w) => w.worker)).toEqual(["lapi", "bouncer"]);
    for (const w of rows) {
      console.log(`bundle ${w.worker}: ${w.raw} bytes, ${w.gzip} gzipped`);
      expect(w.gzip).toBeGreaterThan(1000);
      expect(w.free).toBe(true);
    }
  });

  describe("explain prints what cscli 1.4.6 explain prints for the same enabled items", () => {
    let dev: RampartDev;
    let oracle: CrowdsecConfig;
    const LINES = [
      SSH_LINE,
      "Nov 21 06:00:02 host sshd[43]: Failed password for root from 198.51.100.9 port 2222 ssh2",
      "Nov 21 06:00:03 host sshd[44]: Invalid user admin from 127.0.0.1 port 4242",
      "Nov 21 06:00:04 host cron[45]: (root) CMD (run-parts /etc/cron.hourly)",
    ];

    beforeAll(async () => {
      // cscli explain runs `crowdsec -dsn … -dump-data`, which logs in to a LAPI before exiting.
      dev = await startRampartDev();
      await dev.addMachine("explain-oracle", "explain-oracle-password");
      oracle = writeCrowdsecConfig({
        dir: makeTempDir("cli-explain-oracle"),
        install,
        credentials: { url: dev.url, login: "explain-oracle", password: "explain-oracle-password" },
        hubItems: [
          "collections:crowdsecurity/linux",
          "collections:crowdsecurity/sshd",
          "parsers:crowdsecurity/whitelists",
        ],
      });
    });
    afterAll(async () => {
      await dev?.stop();
      if (oracle) removeDir(oracle.dir);
    });

    for (const verbose of [false, true]) {
      it(`on sshd, whitelisted and unrelated syslog lines${verbose ? " (-v)" : ""}`, async () => {
        for (const line of LINES) {
          const args = ["explain", "--type", "syslog", "--log", line, ...(verbose ? ["-v"] : [])];
          const theirs = await runCommand(
            install.cscli,
            ["-c", oracle.configPath, "--color", "no", ...args],
            {
              cwd: oracle.dir,
              env: {
                PATH: `${install.root}/usr/bin:${process.env.PATH}`,
                HOME: oracle.dir,
                TZ: "UTC",
              },
              timeoutMs: 240_000,
            },
          );
          expect(theirs.code).toBe(0);
          const ours = await runCommand(RAMPART.command, [...RAMPART.args, ...args], {
            env: { ...env, RAMPART_CONFIG_DIR: oracle.configDir },
            cwd: repoRoot(),
            timeoutMs: 240_000,
          });
          expect(ours.stderr).toBe("");
          if (!verbose) expect(ours.stdout.trim()).toBe(theirs.stdout.trim());
          // cscli lists one node's changes in Go map order (random), so -v compares line sets.
          else expect(sortedLines(ours.stdout)).toEqual(sortedLines(theirs.stdout));
        }
      });
    }
  });
});

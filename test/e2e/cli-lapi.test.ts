/**
 * Issue #7 acceptance: the real `rampart` command line (its entry from source, test/support/bins.ts) against Rampart's LAPI under
 * `wrangler dev`, and the compatibility check — `rampart … -o json` prints what the real cscli
 * 1.4.6 prints against the same LAPI for decisions list/add/delete and alerts list/inspect.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  crowdsecInstall,
  makeTempDir,
  removeDir,
  shouldSkipWithoutOracle,
} from "../oracle/crowdsec-config.js";
import { type Cscli, createCscli } from "../oracle/cscli.js";
import { machineLogin } from "../oracle/lapi-client.js";
import { type CommandResult, freePort, runCommand } from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import { rampartCommand } from "../support/bins.js";

const install = crowdsecInstall();
const skip = shouldSkipWithoutOracle(install, "rampart CLI end-to-end tests");
const RAMPART = rampartCommand();
const MACHINE = "e2e-cli-cscli";
const PASSWORD = "e2e-cli-cscli-password-0123456789";

/** The JSON "shape": keys and value types, recursively (array items merged). */
function shape(value: unknown): unknown {
  if (value === null) return "null";
  if (Array.isArray(value)) {
    const items = [...new Set(value.map((v) => JSON.stringify(shape(v))))].sort();
    return items.map((s) => JSON.parse(s) as unknown);
  }
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, shape((value as Record<string, unknown>)[k])]),
    );
  }
  return typeof value;
}

/** Remaining durations tick between two runs; everything else must be equal. */
function maskDurations(text: string): string {
  return text.replace(/"duration": "[^"]*"/g, '"duration": "<d>"');
}

describe.skipIf(skip)("rampart CLI against a local Rampart LAPI", () => {
  let dev: RampartDev;
  let home: string;
  let cscli: Cscli;
  let env: NodeJS.ProcessEnv;

  const rampart = (
    args: string[],
    extraEnv: NodeJS.ProcessEnv = {},
    cwd = home,
  ): Promise<CommandResult> =>
    runCommand(RAMPART.command, [...RAMPART.args, ...args], {
      env: { ...env, ...extraEnv },
      cwd,
      timeoutMs: 60_000,
    });
  const ok = async (args: string[]) => {
    const r = await rampart(args);
    if (r.code !== 0)
      throw new Error(`rampart ${args.join(" ")} → ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };

  beforeAll(async () => {
    dev = await startRampartDev();
    home = makeTempDir("cli-e2e");
    env = {
      PATH: process.env.PATH,
      HOME: home,
      TZ: "UTC",
      RAMPART_URL: dev.url,
      RAMPART_ADMIN_TOKEN: dev.adminToken,
    };
    await dev.addMachine(MACHINE, PASSWORD);
    cscli = createCscli({ credentials: { url: dev.url, login: MACHINE, password: PASSWORD } });
  });

  afterAll(async () => {
    cscli?.cleanup();
    await dev?.stop();
    if (home) removeDir(home);
  });

  it("bans an IP, lists it, inspects its alert and deletes it", async () => {
    expect((await ok(["decisions", "add", "-i", "192.0.2.10", "-d", "2h"])).stdout).toBe(
      "Decision successfully added\n",
    );
    const list = await ok(["decisions", "list", "-o", "raw"]);
    const row = list.stdout.split("\n").find((l) => l.includes("192.0.2.10"))!;
    // The CLI machine was created on first use through the admin API.
    expect(row).toMatch(
      /^\d+,cscli,Ip:192\.0\.2\.10,manual 'ban' from 'rampart-cli-[0-9a-f]{8}',ban,,,1,1h59m5\ds,false,(\d+)$/,
    );
    const alertId = row.split(",").at(-1)!;
    const inspect = await ok(["alerts", "inspect", alertId]);
    expect(inspect.stdout).toContain(" - Scope:Value: Ip:192.0.2.10\n");
    const machines = JSON.parse((await ok(["machines", "list", "-o", "json"])).stdout) as {
      machineId: string;
    }[];
    expect(machines.map((m) => m.machineId)).toContainEqual(expect.stringMatching(/^rampart-cli-/));
    expect((await ok(["decisions", "delete", "-i", "192.0.2.10"])).stdout).toBe(
      "1 decision(s) deleted\n",
    );
    expect((await ok(["decisions", "list", "-i", "192.0.2.10"])).stdout).toBe(
      "No active decisions\n",
    );
  });

  it("adds, lists and deletes a bouncer whose key reads decisions and pushes usage metrics", async () => {
    const key = (await ok(["bouncers", "add", "e2e-fw", "-o", "raw"])).stdout.trim();
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    const res = await fetch(new URL("v1/decisions", dev.url), { headers: { "X-Api-Key": key } });
    expect(res.status).toBe(200);
    expect((await ok(["bouncers", "list"])).stdout).toMatch(/\| e2e-fw\s+\|/);
    const now = Math.floor(Date.now() / 1000);
    const pushed = await fetch(new URL("v1/usage-metrics", dev.url), {
      method: "POST",
      headers: {
        "X-Api-Key": key,
        "Content-Type": "application/json",
        "User-Agent": "e2e-fw/v1.0",
      },
      body: JSON.stringify({
        remediation_components: [
          {
            version: "v1.0",
            type: "e2e-fw",
            utc_startup_timestamp: now - 60,
            metrics: [
              {
                meta: { window_size_seconds: 60, utc_now_timestamp: now },
                items: [
                  { name: "dropped", unit: "request", value: 5, labels: { origin: "cscli" } },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(pushed.status).toBe(201);
    const metrics = JSON.parse((await ok(["metrics", "show", "bouncers", "-o", "json"])).stdout);
    expect(metrics["e2e-fw"]).toEqual({ cscli: { "dropped (request)": 5 } });
    // The bouncer's live lookup is in the LAPI's /metrics, as cscli metrics shows it.
    const tables = (await ok(["metrics", "--no-agent"])).stdout;
    expect(tables).toMatch(
      /Local Api Bouncers Metrics:\n[\s\S]*\| e2e-fw\s+\| \/v1\/decisions\s+\| GET\s+\| 1\s+\|/,
    );
    expect((await ok(["bouncers", "delete", "e2e-fw"])).stdout).toBe(
      "bouncer 'e2e-fw' deleted successfully\n",
    );
  });

  it("adds, validates and deletes machines; lapi register and status work", async () => {
    await ok(["machines", "add", "e2e-agent", "-p", "agent-password-1"]);
    const creds = join(home, "creds.yaml");
    await ok(["lapi", "register", "--machine", "e2e-registered", "-f", creds]);
    const listed = JSON.parse((await ok(["machines", "list", "-o", "json"])).stdout) as {
      machineId: string;
      isValidated: boolean;
    }[];
    expect(listed.find((m) => m.machineId === "e2e-registered")?.isValidated).toBe(false);
    await ok(["machines", "validate", "e2e-registered"]);
    const status = await rampart(["lapi", "status"], {
      RAMPART_CREDENTIALS_FILE: creds,
      RAMPART_ADMIN_TOKEN: "",
    });
    expect(status.stdout).toContain("Trying to authenticate with username e2e-registered");
    expect(status.stdout).toContain("You can successfully interact with Local API (LAPI)");
    await ok(["machines", "delete", "e2e-agent", "e2e-registered"]);
  });

  it("manages an allowlist that expires a covering decision", async () => {
    await ok(["decisions", "add", "-i", "198.51.100.7"]);
    await ok(["allowlists", "create", "e2e-office", "-d", "office"]);
    const added = JSON.parse(
      (await ok(["allowlists", "add", "e2e-office", "198.51.100.0/24", "-o", "json"])).stdout,
    );
    expect(added).toEqual({ added: 1, skipped: 0, decisions_expired: 1 });
    expect((await ok(["allowlists", "check", "198.51.100.7"])).stdout).toBe(
      "198.51.100.7 is allowlisted by 198.51.100.0/24 from e2e-office\n",
    );
    expect((await rampart(["allowlists", "check", "203.0.113.1"])).code).toBe(1);
    await ok(["allowlists", "delete", "e2e-office"]);
  });

  it("imports a CSV in chunks as cscli-import alerts", async () => {
    const file = join(home, "bans.csv");
    const rows = Array.from(
      { length: 250 },
      (_, i) => `10.77.${Math.floor(i / 200)}.${i % 200},24h`,
    );
    writeFileSync(file, `value,duration\n${rows.join("\n")}\n`);
    expect((await ok(["decisions", "import", "-i", file, "--batch", "100"])).stdout).toBe(
      "Imported 250 decisions in 3 alert(s)\n",
    );
    const imported = JSON.parse(
      (await ok(["decisions", "list", "--origin", "cscli-import", "-o", "json"])).stdout,
    ) as {
      decisions: unknown[];
    }[];
    expect(imported.map((a) => a.decisions.length).sort()).toEqual([100, 100, 50]);
    expect((await ok(["decisions", "delete", "--origin", "cscli-import"])).stdout).toBe(
      "250 decision(s) deleted\n",
    );
  });

  it("applies profiles that the next alert follows, and shows them back from the LAPI", async () => {
    const file = join(home, "profiles.yaml");
    writeFileSync(
      file,
      [
        'name: e2e_captcha\nfilters:\n  - Alert.GetScenario() == "e2e/profile"\ndecisions:\n  - type: captcha\n    duration: 3h\non_success: break',
        'name: default_ip_remediation\nfilters:\n  - Alert.Remediation == true && Alert.GetScope() == "Ip"\ndecisions:\n  - type: ban\n    duration: 4h\non_success: break',
      ].join("\n---\n"),
    );
    expect((await ok(["profiles", "apply", file])).stdout).toBe(`${file}: 2 profile(s) applied\n`);
    const remote = await ok(["profiles", "show", "--remote", "-o", "raw"]);
    expect(remote.stdout).toBe((await ok(["profiles", "show", "-f", file, "-o", "raw"])).stdout);
    expect(remote.stdout).toContain("e2e_captcha,");

    const token = await machineLogin(dev.url, MACHINE, PASSWORD);
    const now = new Date().toISOString();
    const posted = await fetch(new URL("v1/alerts", dev.url), {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify([
        {
          scenario: "e2e/profile",
          scenario_hash: "",
          scenario_version: "",
          message: "e2e",
          events_count: 1,
          start_at: now,
          stop_at: now,
          capacity: 1,
          leakspeed: "1s",
          simulated: false,
          remediation: true,
          events: [],
          source: { scope: "Ip", value: "192.0.2.123", ip: "192.0.2.123" },
        },
      ]),
    });
    expect(posted.status).toBe(201);
    const list = await ok(["decisions", "list", "-i", "192.0.2.123", "-o", "raw"]);
    expect(list.stdout).toMatch(/,crowdsec,Ip:192\.0\.2\.123,e2e\/profile,captcha,/);

    const bad = await rampart(["profiles", "apply", join(home, "missing.yaml")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd().split("\n")).toHaveLength(1);
    const reset = await fetch(new URL("admin/v1/profiles", dev.url), {
      method: "DELETE",
      headers: { Authorization: `Bearer ${dev.adminToken}` },
    });
    expect(reset.status).toBe(200);
  });

  it("finds the admin token in .dev.vars next to wrangler.toml when nothing else sets it", async () => {
    const project = makeTempDir("cli-devvars");
    writeFileSync(join(project, "wrangler.toml"), "");
    writeFileSync(join(project, ".dev.vars"), `ADMIN_TOKEN="${dev.adminToken}"\n`);
    const r = await rampart(
      ["bouncers", "list", "-o", "json"],
      { RAMPART_ADMIN_TOKEN: "" },
      project,
    );
    removeDir(project);
    expect(r.code).toBe(0);
    expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
  });

  describe("bad input gives one line on stderr and a non-zero exit, never a stack trace", () => {
    const cases: [string, string[], NodeJS.ProcessEnv, number, RegExp][] = [
      [
        "invalid IP",
        ["decisions", "add", "-i", "300.1.1.1"],
        {},
        2,
        /^rampart: 300\.1\.1\.1 isn't a valid ip$/,
      ],
      [
        "invalid duration",
        ["decisions", "add", "-i", "1.2.3.4", "-d", "4x"],
        {},
        2,
        /^rampart: invalid duration '4x'/,
      ],
      [
        "unknown scope",
        ["decisions", "add", "--scope", "galaxy", "--value", "x"],
        {},
        2,
        /^rampart: unknown scope 'galaxy'/,
      ],
      [
        "missing file",
        ["decisions", "import", "-i", "/nonexistent/x.csv"],
        {},
        2,
        /^rampart: cannot read '\/nonexistent\/x\.csv'/,
      ],
      [
        "wrong admin token",
        ["bouncers", "list"],
        { RAMPART_ADMIN_TOKEN: "wrong-token" },
        3,
        /^rampart: GET \/admin\/v1\/bouncers: access denied \(40[13]\)/,
      ],
      ["unknown verb", ["decisions", "frobnicate"], {}, 2, /^error: unknown command 'frobnicate'/],
    ];
    it.each(cases)("%s", async (_name, args, extra, code, line) => {
      const r = await rampart(args, extra);
      expect(r.code).toBe(code);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });

    it("unreachable LAPI", async () => {
      const url = `http://127.0.0.1:${await freePort()}/`;
      const r = await rampart(["decisions", "list"], { RAMPART_URL: url });
      expect(r).toMatchObject({
        code: 4,
        stdout: "",
        stderr: `rampart: cannot reach the LAPI at ${url} (ECONNREFUSED)\n`,
      });
    });
  });

  describe("JSON output has cscli 1.4.6's shape against the same LAPI", () => {
    beforeAll(async () => {
      await ok(["alerts", "delete", "--all"]);
    });

    it("decisions add and delete print nothing on stdout with -o json, like cscli", async () => {
      const ours = await ok(["decisions", "add", "-i", "203.0.113.5", "-o", "json"]);
      const theirs = await cscli.mustRun([
        "decisions",
        "add",
        "-r",
        "203.0.113.64/26",
        "-R",
        "from cscli",
        "-o",
        "json",
      ]);
      expect(ours.stdout).toBe(theirs.stdout);
      expect(ours.stdout).toBe("");
    });

    it("decisions list and alerts list print the same JSON as cscli (durations masked)", async () => {
      for (const args of [
        ["decisions", "list"],
        ["alerts", "list"],
        ["decisions", "list", "-i", "203.0.113.70"],
        ["alerts", "list", "-r", "203.0.113.64/26"],
      ]) {
        const theirs = (await cscli.mustRun([...args, "-o", "json"])).stdout;
        const ours = (await ok([...args, "-o", "json"])).stdout;
        expect(JSON.parse(theirs)).not.toBeNull();
        expect(shape(JSON.parse(ours))).toEqual(shape(JSON.parse(theirs)));
        expect(maskDurations(ours).trimEnd()).toBe(maskDurations(theirs).trimEnd());
      }
    });

    it("empty lists print null like cscli", async () => {
      const args = ["decisions", "list", "-i", "233.252.0.1", "-o", "json"];
      expect((await ok(args)).stdout.trim()).toBe((await cscli.mustRun(args)).stdout.trim());
    });

    it("alerts inspect prints the same JSON object as cscli", async () => {
      const alerts = JSON.parse((await ok(["alerts", "list", "-o", "json"])).stdout) as {
        id: number;
      }[];
      for (const { id } of alerts) {
        const theirs = (await cscli.mustRun(["alerts", "inspect", String(id), "-o", "json"]))
          .stdout;
        const ours = (await ok(["alerts", "inspect", String(id), "-o", "json"])).stdout;
        expect(shape(JSON.parse(ours))).toEqual(shape(JSON.parse(theirs)));
        expect(maskDurations(ours).trimEnd()).toBe(maskDurations(theirs).trimEnd());
      }
    });

    it("decisions delete -o json prints what cscli prints and both expire decisions", async () => {
      const ours = await ok(["decisions", "delete", "-i", "203.0.113.5", "-o", "json"]);
      const theirs = await cscli.mustRun([
        "decisions",
        "delete",
        "-r",
        "203.0.113.64/26",
        "-o",
        "json",
      ]);
      expect(ours.stdout).toBe(theirs.stdout);
      expect((await cscli.mustRun(["decisions", "list", "-o", "json"])).stdout.trim()).toBe("null");
    });
  });
});

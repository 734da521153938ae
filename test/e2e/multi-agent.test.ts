/**
 * Issue 13, "many agents, one LAPI": three hosts (network namespaces) in front of one Rampart LAPI.
 * Hosts 1 and 2 run the real CrowdSec 1.4.6 agent (`crowdsec -no-api`), registered with `cscli lapi
 * register` and validated with `rampart machines validate` (1.4.6's `cscli machines validate`
 * writes CrowdSec's own database, not an API); host 3 runs `rampart-agent`. Every host runs the
 * real firewall bouncer (nftables, its own API key, deploy/one-host). Each agent sees one sshd
 * brute force; every ban must reach all three hosts' nftables sets.
 *
 * A 1.4.6 agent keeps its buckets to itself and pushes alerts only, so an attacker spread thinly
 * over hosts 1 and 2 fills no shared bucket: deployment-wide buckets are fed by `rampart-agent`
 * (test/e2e/cross-host.test.ts spreads one attacker over three of them).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeAgentInstall } from "../oracle/agent-replay.js";
import { sshdBruteForceLines } from "../oracle/crowdsec-agent.js";
import {
  crowdsecInstall,
  makeTempDir,
  oracleFor,
  removeDir,
  writeCrowdsecConfig,
} from "../oracle/crowdsec-config.js";
import { createCscli } from "../oracle/cscli.js";
import { getAlerts, machineLogin } from "../oracle/lapi-client.js";
import { Lab, skipWithoutNetns } from "../oracle/netns.js";
import { type ManagedProcess, runCommand, waitFor } from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import { agentCommand, rampartCommand } from "../support/bins.js";
import { renderDeployFile } from "../support/deploy-config.js";

const WHAT = "multi-agent e2e (network namespaces, nftables)";
const skip = oracleFor(WHAT).skip || skipWithoutNetns(WHAT, ["nft"]);

const NET = `10.233.${(process.pid % 250) + 1}`;
const LAPI_IP = `${NET}.1`;
const ATTACKERS = ["203.0.113.11", "203.0.113.12", "203.0.113.13"] as const;

describe.skipIf(skip)("three hosts, two crowdsec agents and rampart-agent, one LAPI", () => {
  let lab: Lab;
  let lapi: RampartDev | undefined;
  let dir: string;
  const hosts: string[] = [];
  const procs: ManagedProcess[] = [];
  const diagnostics = () =>
    procs.map((p, i) => `--- process ${i}\n${p.output().slice(-2500)}`).join("\n") +
    `\n--- lapi\n${(lapi?.logs() ?? "").replace(/^.*GET \/(v1\/decisions\/stream|admin).*\n/gm, "").slice(-3000)}`;

  const rampart = async (args: string[]) => {
    const cli = rampartCommand();
    const r = await runCommand(cli.command, [...cli.args, ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        TZ: "UTC",
        RAMPART_URL: lapi!.url,
        RAMPART_ADMIN_TOKEN: lapi!.adminToken,
      },
      timeoutMs: 60_000,
    });
    if (r.code !== 0) throw new Error(`rampart ${args.join(" ")} → ${r.code}\n${r.stderr}`);
    return r.stdout;
  };
  const banned = async (host: string) =>
    (await lab.run(host, "nft", ["list", "set", "ip", "crowdsec", "crowdsec-blacklists"])).stdout;

  beforeAll(async () => {
    dir = makeTempDir("multi-agent");
    lab = new Lab("ma");
    for (let i = 0; i < 3; i++) {
      const host = lab.host(`h${i + 1}`);
      hosts.push(host);
      // One /30 per host to the root namespace; all reach the LAPI on the first one's address.
      lab.link(null, `${NET}.${4 * i + 1}/30`, host, `${NET}.${4 * i + 2}/30`);
      if (i > 0) lab.route(host, `${LAPI_IP}/32`, `${NET}.${4 * i + 1}`);
    }
    lapi = await startRampartDev({ ip: LAPI_IP });
    for (const [i, host] of hosts.entries()) {
      const config = join(dir, `bouncer-${i + 1}.yaml`);
      renderDeployFile("one-host/crowdsec-firewall-bouncer.yaml", config, {
        RUN_DIR: dir,
        LAPI_URL: lapi.url,
        API_KEY: await lapi.addBouncer(`firewall-${i + 1}`),
      });
      procs.push(lab.start(host, crowdsecInstall().firewallBouncer, ["-c", config]));
    }
    await waitFor(
      "the three bouncers' nftables sets",
      async () => {
        for (const p of procs) if (p.exited()) throw new Error("a bouncer exited");
        const sets = await Promise.all(hosts.map(banned));
        return sets.every((s) => s.includes("crowdsec-blacklists"));
      },
      { timeoutMs: 60_000, intervalMs: 500, diagnostics },
    );
  }, 300_000);

  afterAll(async () => {
    for (const p of procs) await p.stop(3000);
    lab?.destroy();
    await lapi?.stop();
    if (dir) removeDir(dir);
  });

  it("registers the crowdsec agents with cscli lapi register and validates them", async () => {
    for (const n of [1, 2]) {
      const cscli = createCscli({ credentials: { url: lapi!.url, login: "", password: "" } });
      try {
        const creds = join(dir, `host-${n}-credentials.yaml`);
        await cscli.mustRun([
          "lapi",
          "register",
          "--url",
          lapi!.url,
          "--machine",
          `host-${n}`,
          "-f",
          creds,
        ]);
        const pending = JSON.parse(await rampart(["machines", "list", "-o", "json"])) as {
          machineId: string;
          isValidated: boolean;
        }[];
        expect(pending.find((m) => m.machineId === `host-${n}`)?.isValidated).toBe(false);
        await rampart(["machines", "validate", `host-${n}`]);
      } finally {
        cscli.cleanup();
      }
    }
    const machines = JSON.parse(await rampart(["machines", "list", "-o", "json"])) as {
      machineId: string;
      isValidated: boolean;
    }[];
    for (const n of [1, 2]) {
      expect(machines.find((m) => m.machineId === `host-${n}`)?.isValidated).toBe(true);
    }
  });

  it("bans each host's attacker on all three hosts' firewall bouncers", async () => {
    const now = new Date(Date.now() - 60_000);
    const install = crowdsecInstall();
    for (const n of [1, 2]) {
      const agentDir = join(dir, `crowdsec-${n}`);
      const config = writeCrowdsecConfig({
        dir: agentDir,
        install,
        hubItems: ["collections:crowdsecurity/linux"],
      });
      writeFileSync(
        config.credentialsPath,
        readFileSync(join(dir, `host-${n}-credentials.yaml`), "utf8"),
      );
      const log = join(agentDir, "auth.log");
      writeFileSync(log, `${sshdBruteForceLines([ATTACKERS[n - 1]!], 8, now).join("\n")}\n`);
      const run = await lab.run(
        hosts[n - 1]!,
        install.crowdsec,
        ["-c", config.configPath, "-no-api", "-dsn", `file://${log}`, "-type", "syslog", "-info"],
        180_000,
      );
      expect(run.status, `crowdsec on host ${n}:\n${run.stderr.slice(-3000)}`).toBe(0);
    }

    await lapi!.addMachine("host-3", "host-3-password-0123456789");
    await lapi!.validateMachine("host-3");
    const agent = writeAgentInstall({
      lapiUrl: lapi!.url,
      machineId: "host-3",
      password: "host-3-password-0123456789",
    });
    try {
      const log = join(agent.dir, "auth.log");
      mkdirSync(join(agent.dir, "state"), { recursive: true });
      writeFileSync(log, `${sshdBruteForceLines([ATTACKERS[2]], 8, now).join("\n")}\n`);
      const bin = agentCommand();
      const run = await lab.run(
        hosts[2]!,
        bin.command,
        [...bin.args, "-c", agent.config, "-dsn", `file://${log}`, "-type", "syslog"],
        180_000,
      );
      expect(run.status, `rampart-agent on host 3:\n${run.stdout}\n${run.stderr}`).toBe(0);
    } finally {
      agent.remove();
    }

    await waitFor(
      "every attacker in every host's nftables set",
      async () => {
        const sets = await Promise.all(hosts.map(banned));
        return sets.every((s) => ATTACKERS.every((ip) => s.includes(ip)));
      },
      { timeoutMs: 60_000, intervalMs: 250, diagnostics },
    );
    const token = await machineLogin(lapi!.url, "host-3", "host-3-password-0123456789");
    const alerts = await getAlerts(lapi!.url, token);
    const byIp = new Map(alerts.map((a) => [a.source.value, a.machine_id]));
    expect(ATTACKERS.map((ip) => byIp.get(ip))).toEqual(["host-1", "host-2", "host-3"]);
  });
});

/**
 * Issue 13, shape 1 — one host, "CrowdSec detects, bouncers deter". Three network namespaces:
 * an attacker (two addresses), a victim running Debian nginx, `rampart-agent` tailing nginx's
 * access log and the real `crowdsec-firewall-bouncer` in nftables mode (API key), and the root
 * namespace, where Rampart's LAPI runs under `wrangler dev` on a veth address. A scan with a
 * scanner's User-Agent must end in the attacker's next TCP connection timing out while the
 * other address still connects; deleting the decision lets the attacker in again. The agent and
 * bouncer configurations are the files under `deploy/one-host/` (README "Deploying").
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { debianDirectories } from "../../agent/hub/hub-fs.js";
import { crowdsecInstall, makeTempDir, oracleFor, removeDir } from "../oracle/crowdsec-config.js";
import { machineLogin } from "../oracle/lapi-client.js";
import { Lab, skipWithoutNetns } from "../oracle/netns.js";
import { type ManagedProcess, waitFor } from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import { ORACLE_ROOT, seedOffsets } from "../support/agent-test-hub.js";
import { agentCommand } from "../support/bins.js";
import { renderDeployFile } from "../support/deploy-config.js";

const WHAT = "firewall bouncer e2e (network namespaces, nftables)";
const skip = oracleFor(WHAT).skip || skipWithoutNetns(WHAT, ["nginx", "nft", "curl"]);

const VICTIM = "203.0.113.1";
const ATTACKER = "203.0.113.66";
const BYSTANDER = "203.0.113.77";
// The LAPI's veth in the root namespace: a /30 per run, picked from the pid.
const NET = `10.231.${(process.pid % 250) + 1}`;
const LAPI_IP = `${NET}.1`;
const MACHINE = "victim-web";
const PASSWORD = "victim-web-password-0123456789";
const SCANNER_UA = "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)";

describe.skipIf(skip)("one host: rampart-agent detects, crowdsec-firewall-bouncer drops", () => {
  let lab: Lab;
  let lapi: RampartDev | undefined;
  let dir: string;
  let victim: string;
  let attacker: string;
  const procs: ManagedProcess[] = [];
  const [nginx, agent, bouncer] = [0, 1, 2];

  /** One HTTP request from the attacker namespace, from `source`: curl's exit status and code. */
  const connect = async (source: string, timeoutS: number, ua = "curl/e2e") => {
    const r = await lab.run(attacker, "curl", [
      ...["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-A", ua],
      ...["--interface", source, "--connect-timeout", String(timeoutS), "--max-time", "30"],
      `http://${VICTIM}/`,
    ]);
    return { status: r.status, code: r.stdout.trim(), stderr: r.stderr };
  };
  const banned = async () =>
    (await lab.run(victim, "nft", ["list", "set", "ip", "crowdsec", "crowdsec-blacklists"])).stdout;
  let accessLog = "";
  const diagnostics = () =>
    [
      ...["nginx", "agent", "bouncer"].map((name, i) => [name, procs[i]?.output() ?? ""]),
      ["access.log", accessLog ? readFileSync(accessLog, "utf8") : ""],
      // Without the polls (the bouncer's stream, the test's admin reads).
      ["lapi", (lapi?.logs() ?? "").replace(/^.*GET \/(v1\/decisions\/stream|admin).*\n/gm, "")],
    ]
      .map(([name, text]) => `--- ${name}\n${text!.slice(-4000)}`)
      .join("\n");

  beforeAll(async () => {
    dir = makeTempDir("firewall-bouncer");
    lab = new Lab("fw");
    victim = lab.host("victim");
    attacker = lab.host("attacker");
    lab.link(victim, `${VICTIM}/24`, attacker, [`${ATTACKER}/24`, `${BYSTANDER}/24`]);
    lab.link(null, `${LAPI_IP}/30`, victim, `${NET}.2/30`);
    lapi = await startRampartDev({ ip: LAPI_IP });
    await lapi.addMachine(MACHINE, PASSWORD);
    await lapi.validateMachine(MACHINE);
    const apiKey = await lapi.addBouncer("victim-firewall");

    const web = join(dir, "nginx");
    mkdirSync(web);
    accessLog = join(web, "access.log");
    writeFileSync(accessLog, "");
    writeFileSync(
      join(web, "nginx.conf"),
      [
        "worker_processes 1;",
        `pid ${web}/nginx.pid;`,
        `error_log ${web}/error.log;`,
        "events {}",
        "http {",
        `  access_log ${accessLog} combined;`,
        ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
          (t) => `  ${t}_temp_path ${web}/${t};`,
        ),
        `  server { listen ${VICTIM}:80; location / { return 200 "ok\\n"; } }`,
        "}",
        "",
      ].join("\n"),
    );
    procs[nginx] = lab.start(victim, "nginx", ["-c", join(web, "nginx.conf"), "-g", "daemon off;"]);

    const agentDir = join(dir, "agent");
    mkdirSync(agentDir);
    const hub = debianDirectories(ORACLE_ROOT);
    renderDeployFile("one-host/rampart-agent.yaml", join(agentDir, "agent.yaml"), {
      HUB_DIR: hub.hubDir,
      DATA_DIR: hub.dataDir,
      PATTERNS_DIR: hub.patternsDir,
    });
    renderDeployFile("one-host/acquis.yaml", join(agentDir, "acquis.yaml"), {
      ACCESS_LOG: accessLog,
    });
    renderDeployFile(
      "one-host/local_api_credentials.yaml",
      join(agentDir, "local_api_credentials.yaml"),
      { LAPI_URL: lapi.url, LOGIN: MACHINE, PASSWORD },
    );
    // Read the (empty) log from its start: a first start otherwise tails from the end.
    seedOffsets(join(agentDir, "state"), [accessLog]);
    const bin = agentCommand();
    procs[agent] = lab.start(victim, bin.command, [
      ...bin.args,
      "-c",
      join(agentDir, "agent.yaml"),
    ]);

    const bouncerConfig = join(dir, "crowdsec-firewall-bouncer.yaml");
    renderDeployFile("one-host/crowdsec-firewall-bouncer.yaml", bouncerConfig, {
      RUN_DIR: dir,
      LAPI_URL: lapi.url,
      API_KEY: apiKey,
    });
    procs[bouncer] = lab.start(victim, crowdsecInstall().firewallBouncer, ["-c", bouncerConfig]);

    await waitFor(
      "nginx, the bouncer's nftables set and the agent's login",
      async () => {
        for (const p of procs) if (p.exited()) throw new Error(`a component exited`);
        if (!procs[agent]!.output().includes("logged in to the LAPI, hub registered")) return false;
        if ((await connect(BYSTANDER, 5)).code !== "200") return false;
        return (await banned()).includes("crowdsec-blacklists");
      },
      { timeoutMs: 90_000, intervalMs: 500, diagnostics },
    );
  }, 240_000);

  afterAll(async () => {
    for (const p of procs.reverse()) await p?.stop(3000);
    lab?.destroy();
    await lapi?.stop();
    if (dir) removeDir(dir);
  });

  it("drops the scanner's next connection, lets another address in, and unbans", async () => {
    expect((await connect(ATTACKER, 5)).code).toBe("200");
    for (let i = 0; i < 3; i++) expect((await connect(ATTACKER, 5, SCANNER_UA)).code).toBe("200");
    const scanned = performance.now();

    await waitFor(
      "the attacker in the bouncer's nftables set",
      async () => (await banned()).includes(ATTACKER),
      {
        timeoutMs: 90_000,
        intervalMs: 100,
        diagnostics,
      },
    );
    const dropped = performance.now();
    const refused = await connect(ATTACKER, 3);
    expect(refused.status, refused.stderr).toBe(28);
    expect((await connect(BYSTANDER, 5)).code).toBe("200");

    const token = await machineLogin(lapi!.url, MACHINE, PASSWORD);
    const decisions = (await (
      await fetch(new URL(`v1/alerts?ip=${ATTACKER}`, lapi!.url), {
        headers: { Authorization: `Bearer ${token}` },
      })
    ).json()) as { scenario: string; decisions: { type: string; value: string }[] }[];
    expect(decisions.map((a) => a.scenario)).toContain("crowdsecurity/http-bad-user-agent");

    const unban = performance.now();
    const del = await fetch(new URL(`v1/decisions?ip=${ATTACKER}`, lapi!.url), {
      method: "DELETE",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(del.status).toBe(200);
    expect(((await del.json()) as { nbDeleted: string }).nbDeleted).not.toBe("0");
    await waitFor(
      "the attacker connecting again",
      async () => (await connect(ATTACKER, 1)).code === "200",
      {
        timeoutMs: 60_000,
        intervalMs: 100,
        diagnostics,
      },
    );
    const accepted = performance.now();
    expect(await banned()).not.toContain(ATTACKER);
    console.log(
      `firewall bouncer: detection-to-drop ${Math.round(dropped - scanned)} ms, ` +
        `unban-to-accept ${Math.round(accepted - unban)} ms`,
    );
  }, 180_000);
});

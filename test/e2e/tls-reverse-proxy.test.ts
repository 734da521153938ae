/**
 * Issue 13, shapes 2 and 3 — TLS everywhere through a self-hosted front, and an MSSP's reverse
 * proxy. Certificates come from Debian's cfssl (deploy/tls/pki/make-pki.sh: root CA →
 * intermediate → server / agent / bouncer); Debian nginx (deploy/tls/nginx.conf) verifies client
 * certificates in a "lapi" namespace and passes them to `npm start`'s front proxy, whose peer is
 * in TRUSTED_PROXIES; the real `crowdsec -no-api` agent and the real firewall bouncer in a "host"
 * namespace (10.0.0.2) authenticate with their certificates only. A wrong OU, an expired and an
 * unsigned certificate are refused; the MSSP server block gives key-less bouncers the MSSP
 * bouncer's identity on `^~ /v1/decisions`, so a bouncer's DELETE gets 401 cookie token is empty.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  crowdsecInstall,
  makeTempDir,
  oracleFor,
  removeDir,
  repoRoot,
  writeCrowdsecConfig,
} from "../oracle/crowdsec-config.js";
import { type Cscli, createCscli } from "../oracle/cscli.js";
import { Lab, skipWithoutNetns } from "../oracle/netns.js";
import { type ManagedProcess, runCommand, waitFor } from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import { rampartCommand } from "../support/bins.js";
import { renderDeployFile } from "../support/deploy-config.js";

const WHAT = "TLS reverse proxy e2e (network namespaces, nginx, cfssl)";
const skip =
  oracleFor(WHAT).skip || skipWithoutNetns(WHAT, ["nginx", "nft", "curl", "cfssl", "cfssljson"]);

const LAPI_ADDR = "10.0.0.1";
const HOST_ADDR = "10.0.0.2";
const NET = `10.232.${(process.pid % 250) + 1}`;
const BANNED = "203.0.113.50";

interface Row {
  [key: string]: unknown;
}

describe.skipIf(skip)("TLS through nginx: real agent and bouncer with certificates", () => {
  let lab: Lab;
  let lapi: RampartDev | undefined;
  let cscli: Cscli | undefined;
  let dir: string;
  let pki: string;
  let host: string;
  const procs: Record<string, ManagedProcess> = {};

  const diagnostics = () =>
    Object.entries(procs)
      .map(([name, p]) => `--- ${name}\n${p.output().slice(-3000)}`)
      .join("\n") +
    `\n--- nginx error.log\n${readText(join(dir, "nginx", "error.log")).slice(-3000)}` +
    `\n--- lapi\n${(lapi?.logs() ?? "").replace(/^.*GET \/(v1\/decisions\/stream|admin).*\n/gm, "").slice(-3000)}`;

  /** curl from the host namespace; `cert` names a certificate of the PKI (`agent` → agent.pem). */
  const curl = async (
    port: number,
    path: string,
    options: { cert?: string; method?: string } = {},
  ) => {
    const args = [
      "-sS",
      "--max-time",
      "20",
      "-o",
      "-",
      "-w",
      "\\n%{http_code}",
      "--cacert",
      join(pki, "ca.pem"),
    ];
    if (options.cert) {
      args.push("--cert", join(pki, `${options.cert}.pem`));
      args.push("--key", join(pki, `${options.cert}-key.pem`));
    }
    if (options.method) args.push("-X", options.method);
    if (options.method === "POST") args.push("-H", "Content-Type: application/json", "-d", "{}");
    args.push("-A", "rampart-e2e/1.0", `https://${LAPI_ADDR}:${port}${path}`);
    const r = await lab.run(host, "curl", args);
    const lines = r.stdout.trimEnd().split("\n");
    const status = Number(lines.pop());
    const text = lines.join("\n");
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: kept as text.
    }
    return { status, body, stderr: r.stderr };
  };

  const listed = async (kind: "machines" | "bouncers"): Promise<Row[]> => {
    const cli = rampartCommand();
    const r = await runCommand(cli.command, [...cli.args, kind, "list", "-o", "json"], {
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        TZ: "UTC",
        RAMPART_URL: lapi!.url,
        RAMPART_ADMIN_TOKEN: lapi!.adminToken,
      },
      timeoutMs: 60_000,
    });
    if (r.code !== 0) throw new Error(`rampart ${kind} list → ${r.code}\n${r.stderr}`);
    return JSON.parse(r.stdout) as Row[];
  };

  beforeAll(async () => {
    dir = makeTempDir("tls-proxy");
    pki = join(dir, "pki");
    execFileSync("sh", [join(repoRoot(), "deploy/tls/pki/make-pki.sh"), pki], { stdio: "pipe" });

    lab = new Lab("tl");
    const lapiNs = lab.host("lapi");
    host = lab.host("host");
    lab.link(lapiNs, `${LAPI_ADDR}/24`, host, `${HOST_ADDR}/24`);
    lab.link(null, `${NET}.1/30`, lapiNs, `${NET}.2/30`);

    renderDeployFile("tls/rampart.env", join(dir, "rampart.env"), {
      TRUSTED_PROXIES: `${NET}.2/32`,
    });
    const vars = Object.fromEntries(
      readFileSync(join(dir, "rampart.env"), "utf8")
        .split("\n")
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    lapi = await startRampartDev({ frontIp: `${NET}.1`, vars });

    const web = join(dir, "nginx");
    mkdirSync(web);
    const mssp = execFileSync("openssl", ["x509", "-in", join(pki, "mssp-bouncer.pem")], {
      encoding: "utf8",
    }).replace(/-----[A-Z ]+-----|\s/g, "");
    renderDeployFile("tls/nginx.conf", join(web, "nginx.conf"), {
      RUN_DIR: web,
      PKI_DIR: pki,
      LAPI_ADDR,
      UPSTREAM: new URL(lapi.url).host,
      MSSP_BOUNCER_CERT: mssp,
    });
    procs.nginx = lab.start(lapiNs, "nginx", ["-c", join(web, "nginx.conf"), "-g", "daemon off;"]);
    let health: Awaited<ReturnType<typeof curl>> | undefined;
    await waitFor(
      "nginx in front of the LAPI",
      async () => {
        health = await curl(8443, "/health");
        return health.status === 200;
      },
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        diagnostics: () => `${JSON.stringify(health)}\n${diagnostics()}`,
      },
    );

    const agentDir = join(dir, "agent");
    const install = crowdsecInstall();
    const config = writeCrowdsecConfig({
      dir: agentDir,
      install,
      hubItems: ["collections:crowdsecurity/linux"],
      acquisition: [{ filenames: [join(agentDir, "auth.log")], labels: { type: "syslog" } }],
    });
    writeFileSync(join(agentDir, "auth.log"), "");
    renderDeployFile("tls/crowdsec-agent-credentials.yaml", config.credentialsPath, {
      LAPI_ADDR,
      PKI_DIR: pki,
    });
    procs.agent = lab.start(host, install.crowdsec, ["-c", config.configPath, "-no-api", "-info"], {
      cwd: agentDir,
    });

    const bouncerConfig = join(dir, "crowdsec-firewall-bouncer.yaml");
    renderDeployFile("tls/crowdsec-firewall-bouncer.yaml", bouncerConfig, {
      RUN_DIR: dir,
      LAPI_ADDR,
      PKI_DIR: pki,
    });
    procs.bouncer = lab.start(host, install.firewallBouncer, ["-c", bouncerConfig]);

    await waitFor(
      "the agent's and the bouncer's certificate logins",
      async () => {
        for (const [name, p] of Object.entries(procs)) {
          if (p.exited()) throw new Error(`${name} exited`);
        }
        const machines = await listed("machines");
        const bouncers = await listed("bouncers");
        return (
          machines.some((m) => m.machineId === `agent-1@${HOST_ADDR}`) &&
          bouncers.some((b) => b.name === `bouncer-1@${HOST_ADDR}`)
        );
      },
      { timeoutMs: 90_000, intervalMs: 1000, diagnostics },
    );
    await lapi.addMachine("operator", "operator-password-0123456789");
    await lapi.validateMachine("operator");
    cscli = createCscli({
      credentials: { url: lapi.url, login: "operator", password: "operator-password-0123456789" },
    });
  }, 300_000);

  afterAll(async () => {
    for (const name of ["bouncer", "agent", "nginx"]) await procs[name]?.stop(3000);
    lab?.destroy();
    cscli?.cleanup();
    await lapi?.stop();
    if (dir) removeDir(dir);
  });

  it("lists the real agent and firewall bouncer as <CN>@<host ip> with auth type tls", async () => {
    const machine = (await listed("machines")).find((m) => m.machineId === `agent-1@${HOST_ADDR}`);
    expect(machine).toMatchObject({ auth_type: "tls", isValidated: true, ipAddress: HOST_ADDR });
    const bouncer = (await listed("bouncers")).find((b) => b.name === `bouncer-1@${HOST_ADDR}`);
    expect(bouncer).toMatchObject({ auth_type: "tls", ip_address: HOST_ADDR });
    expect(String(bouncer?.type)).toContain("crowdsec-firewall-bouncer");
  });

  it("delivers a decision to the certificate-authenticated firewall bouncer", async () => {
    await cscli!.mustRun(["decisions", "add", "-i", BANNED, "-d", "1h", "-R", "e2e"]);
    await waitFor(
      "the decision in the host's nftables set",
      async () =>
        (
          await lab.run(host, "nft", ["list", "set", "ip", "crowdsec", "crowdsec-blacklists"])
        ).stdout.includes(BANNED),
      { timeoutMs: 60_000, intervalMs: 200, diagnostics },
    );
  });

  it("refuses a wrong OU (at the LAPI), an expired and an unsigned certificate (at nginx)", async () => {
    const login = await curl(8443, "/v1/watchers/login", { cert: "wrong-ou", method: "POST" });
    expect(login.status, JSON.stringify(login.body)).toBe(401);
    const decisions = await curl(8443, "/v1/decisions", { cert: "wrong-ou" });
    expect(decisions.status).toBe(403);
    expect(decisions.body).toEqual({ message: "access forbidden" });
    // nginx verifies the chain and the dates itself: 400 before anything reaches the LAPI.
    for (const cert of ["expired", "unsigned"]) {
      for (const [path, method] of [
        ["/v1/watchers/login", "POST"],
        ["/v1/decisions", undefined],
      ] as const) {
        const r = await curl(8443, path, { cert, method });
        expect(r.status, `${cert} ${path}`).toBe(400);
        expect(String(r.body)).toContain("The SSL certificate error");
      }
    }
    const machines = (await listed("machines")).map((m) => String(m.machineId));
    const bouncers = (await listed("bouncers")).map((b) => String(b.name));
    for (const cn of ["intruder", "agent-expired", "agent-unsigned"]) {
      expect(machines.filter((m) => m.startsWith(`${cn}@`))).toEqual([]);
      expect(bouncers.filter((b) => b.startsWith(`${cn}@`))).toEqual([]);
    }
  });

  it("MSSP proxy: a key-less bouncer gets decisions, its DELETE gets 401", async () => {
    const r = await curl(8444, `/v1/decisions?ip=${BANNED}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual([expect.objectContaining({ value: BANNED, type: "ban" })]);
    const row = (await listed("bouncers")).find((b) => b.name === `mssp-front@${HOST_ADDR}`);
    expect(row).toMatchObject({ auth_type: "tls" });
    const del = await curl(8444, "/v1/decisions", { method: "DELETE" });
    expect(del.status).toBe(401);
    expect(del.body).toMatchObject({ message: "cookie token is empty" });
    // Outside /v1/decisions nothing speaks for the client: a login needs its own credentials.
    const login = await curl(8444, "/v1/watchers/login", { method: "POST" });
    expect(login.status).toBe(401);
  });
});

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

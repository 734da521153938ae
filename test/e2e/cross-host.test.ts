/**
 * Issue #4 acceptance: buckets shared across a deployment. One attacker tries 3 passwords on each
 * of three hosts (three registered agents, each replaying its own auth.log with `rampart-agent
 * -dsn`). No host alone reaches `crowdsecurity/ssh-bf` (6 tries: capacity 5, leakspeed 10 s), so a
 * CrowdSec agent per host would never alert; with deployment-wide buckets (the default) the nine
 * tries fill one bucket and exactly one alert is raised. After `PUT /admin/v1/scenarios/<name>`
 * `{"buckets":"machine"}` each machine has its own bucket again (CrowdSec's behaviour): the same
 * spread attack raises nothing, while one host seeing 6 tries still alerts. The logs carry
 * current timestamps, so the default profile's 4h bans (`until = stop_at + 4h`) are live and the
 * real `crowdsec-custom-bouncer` must receive exactly the banned attackers.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentInstall,
  parseReplaySummary,
  runAgentReplay,
  writeAgentInstall,
} from "../oracle/agent-replay.js";
import {
  crowdsecInstall,
  makeTempDir,
  removeDir,
  shouldSkipWithoutOracle,
} from "../oracle/crowdsec-config.js";
import { type CustomBouncer, startCustomBouncer } from "../oracle/custom-bouncer.js";
import { machineLogin } from "../oracle/lapi-client.js";
import { waitFor } from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";

const skip = shouldSkipWithoutOracle(crowdsecInstall(), "cross-host bucket tests");
const HOSTS = ["host-a", "host-b", "host-c"] as const;
const PASSWORD = "cross-host-password-0123456789";
const SCENARIO = "crowdsecurity/ssh-bf";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const p2 = (n: number) => String(n).padStart(2, "0");

/** syslog's `Mmm dd hh:mm:ss` (no year, no zone: the parsers read it as UTC this year). */
function syslogStamp(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/** Recent enough for live bans, old enough to stay in the past through the whole file. */
const BASE = Math.floor(Date.now() / 1000) * 1000 - 15 * 60_000;

/** `count` failed root logins from `ip` on `host`, one per second from `startS` after `BASE`. */
function failures(host: string, ip: string, startS: number, count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = startS + i;
    lines.push(
      `${syslogStamp(BASE + t * 1000)} ${host} sshd[${100 + t}]: Failed password for root from ${ip} port ${40000 + t} ssh2`,
    );
  }
  return `${lines.join("\n")}\n`;
}

interface ListedAlert {
  id: number;
  scenario: string;
  source: { value: string };
  events_count: number;
}

describe.skipIf(skip)("an attacker spread over three agents", () => {
  let lapi: RampartDev;
  let dir: string;
  let token: string;
  let bouncer: CustomBouncer;
  const agents = new Map<string, AgentInstall>();

  const alertsFor = async (ip: string): Promise<ListedAlert[]> => {
    const res = await fetch(new URL("v1/alerts?limit=0", lapi.url), {
      headers: { Authorization: `Bearer ${token}`, "User-Agent": "rampart-e2e/1.0" },
    });
    expect(res.status).toBe(200);
    const all = ((await res.json()) as ListedAlert[] | null) ?? [];
    return all.filter((a) => a.source.value === ip);
  };

  /** Each host replays its share of the attack, in time order, one after the other. */
  const replay = async (name: string, shares: { host: string; text: string }[]) => {
    const totals = { overflows: 0, alerts: 0 };
    for (const { host, text } of shares) {
      const path = join(dir, `${name}-${host}.log`);
      writeFileSync(path, text);
      const run = await runAgentReplay(agents.get(host)!, path, "syslog");
      expect(run.code, run.stderr).toBe(0);
      const summary = parseReplaySummary(run.stdout);
      expect(summary.eventsPosted).toBe(text.trim().split("\n").length);
      totals.overflows += summary.overflows;
      totals.alerts += summary.alerts;
    }
    return totals;
  };

  /** Waits for the bouncer's `add` of `ip`: a ban of about 4h (default profile) from ssh-bf. */
  const bouncerBans = async (ip: string) => {
    const call = await waitFor(
      `the bouncer to ban ${ip}`,
      () => bouncer.calls().find((c) => c.action === "add" && c.value === ip),
      { timeoutMs: 30_000, diagnostics: () => bouncer.process.output().slice(-3000) },
    );
    expect(call.decision).toMatchObject({ type: "ban", scope: "Ip", scenario: SCENARIO });
    // Remaining seconds of `stop_at + 4h`; the attack ended about 15 minutes ago.
    expect(Number(call.duration)).toBeGreaterThan(3 * 3600);
    expect(Number(call.duration)).toBeLessThanOrEqual(4 * 3600);
  };

  beforeAll(async () => {
    dir = makeTempDir("cross-host");
    lapi = await startRampartDev();
    for (const host of HOSTS) {
      await lapi.addMachine(host, PASSWORD);
      await lapi.validateMachine(host);
      agents.set(
        host,
        writeAgentInstall({
          lapiUrl: lapi.url,
          machineId: host,
          password: PASSWORD,
          collections: ["crowdsecurity/linux"],
        }),
      );
    }
    token = await machineLogin(lapi.url, HOSTS[0], PASSWORD);
    bouncer = startCustomBouncer({ apiUrl: lapi.url, apiKey: await lapi.addBouncer("edge") });
  });
  afterAll(async () => {
    await bouncer?.stop();
    await lapi?.stop();
    for (const agent of agents.values()) agent.remove();
    if (dir) removeDir(dir);
  });

  it("raises exactly one alert with deployment-wide buckets (the default)", async () => {
    const ip = "203.0.113.99";
    const totals = await replay(
      "deployment",
      HOSTS.map((host, i) => ({ host, text: failures(host, ip, i * 3, 3) })),
    );
    const alerts = await alertsFor(ip);
    expect(alerts.map((a) => [a.scenario, a.events_count])).toEqual([[SCENARIO, 6]]);
    expect(totals).toEqual({ overflows: 1, alerts: 1 });
    await bouncerBans(ip);
  });

  it("raises none once the scenario uses per-machine buckets, like CrowdSec", async () => {
    const res = await lapi.admin("PUT", `/admin/v1/scenarios/${SCENARIO}`, { buckets: "machine" });
    expect(res.status).toBe(200);
    const ip = "203.0.113.100";
    const totals = await replay(
      "machine",
      HOSTS.map((host, i) => ({ host, text: failures(host, ip, 100 + i * 3, 3) })),
    );
    expect(await alertsFor(ip)).toEqual([]);
    expect(totals).toEqual({ overflows: 0, alerts: 0 });
  });

  it("still alerts with per-machine buckets when one host alone sees enough tries", async () => {
    const ip = "203.0.113.101";
    await replay("one-host", [{ host: "host-b", text: failures("host-b", ip, 200, 6) }]);
    const alerts = await alertsFor(ip);
    expect(alerts.map((a) => [a.scenario, a.events_count])).toEqual([[SCENARIO, 6]]);
    await bouncerBans(ip);
  });

  it("the bouncer received bans for exactly the alerted attackers, never the spread one", () => {
    const added = bouncer.calls().filter((c) => c.action === "add");
    expect(added.map((c) => c.value).sort()).toEqual(["203.0.113.101", "203.0.113.99"]);
  });
});

/**
 * `rampart metrics` against the local stack (wrangler dev + the Rampart agent reading an sshd
 * brute force once, `mode: cat`) next to the real `cscli metrics` 1.4.6 against its own stack
 * (one `crowdsec` with LAPI and agent, tailing the same lines): the same table titles and rows,
 * counts equal where the semantics are equal ("Parser Metrics" row for row: the agent counts
 * every named parser node as 1.4.6 does). Where they differ, and why (docs/compatibility.md):
 * - buckets run in the LAPI's Durable Objects: pours, overflows and instances created equal
 *   cscli's; "Current Count" and "Expired" depend on when each side collects idle instances (the
 *   object's alarm vs 1.4.6's timers), so they are not compared;
 * - routes: the Rampart agent posts events to `/v1/rampart/events` where CrowdSec's posts alerts
 *   to `/v1/alerts`, and logs in once where 1.4.6 logs in twice.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentInstall, writeAgentInstall } from "../oracle/agent-replay.js";
import { sshdBruteForceLines } from "../oracle/crowdsec-agent.js";
import { oracleFor, repoRoot } from "../oracle/crowdsec-config.js";
import { type CrowdsecStack, startCrowdsecStack } from "../oracle/crowdsec-stack.js";
import {
  freePort,
  type ManagedProcess,
  runCommand,
  startProcess,
  waitFor,
} from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import { agentCommand, rampartCommand } from "../support/bins.js";

const { install, skip } = oracleFor("rampart metrics vs cscli metrics 1.4.6");

const SOURCES = ["192.0.2.10", "192.0.2.11"];
const LINES = sshdBruteForceLines(SOURCES, 8, new Date(Date.UTC(2026, 0, 5, 10)));
/** ssh-bf and ssh-bf_user-enum overflow once per source. */
const ALERTS = 2 * SOURCES.length;

type Tables = Map<string, { head: string[]; rows: string[][] }>;

/** The ASCII tables of a `cscli metrics` / `rampart metrics` output, by title. */
function parseTables(stdout: string): Tables {
  const out: Tables = new Map();
  let current: { head: string[]; rows: string[][] } | null = null;
  for (const line of stdout.split("\n")) {
    const title = /^(\S.*):$/.exec(line);
    if (title) {
      current = { head: [], rows: [] };
      out.set(title[1]!, current);
    } else if (line.startsWith("|") && current) {
      const cells = line
        .slice(1, -1)
        .split("|")
        .map((c) => c.trim());
      if (current.head.length === 0) current.head = cells;
      else current.rows.push(cells);
    }
  }
  return out;
}

/** The rows of a table as objects keyed by header, with the log path masked. */
function rowsOf(tables: Tables, title: string, logPath: string): Record<string, string>[] {
  const t = tables.get(title);
  if (!t) return [];
  return t.rows.map((r) =>
    Object.fromEntries(
      t.head.map((h, i) => [h, logPath === "" ? r[i]! : r[i]!.replace(logPath, "<log>")]),
    ),
  );
}

function alertCount(tables: Tables): number {
  return (tables.get("Local Api Alerts")?.rows ?? []).reduce((n, r) => n + Number(r[1]), 0);
}

describe.skipIf(skip)("rampart metrics and cscli metrics 1.4.6 after the same sshd attack", () => {
  let crowdsec: CrowdsecStack;
  let lapi: RampartDev;
  let agent: ManagedProcess;
  let agentInstall: AgentInstall;
  let agentLog: string;
  let agentMetrics: string;

  beforeAll(async () => {
    const hubItems = ["collections:crowdsecurity/linux", "collections:crowdsecurity/sshd"] as const;
    [crowdsec, lapi] = await Promise.all([
      startCrowdsecStack({ logLines: LINES, hubItems: [...hubItems], install }),
      startRampartDev(),
    ]);
    await lapi.addMachine("metrics-agent", "metrics-agent-password");
    await lapi.validateMachine("metrics-agent");
    agentInstall = writeAgentInstall({
      lapiUrl: lapi.url,
      machineId: "metrics-agent",
      password: "metrics-agent-password",
      collections: ["crowdsecurity/linux", "crowdsecurity/sshd"],
      parsers: [],
    });
    agentLog = join(agentInstall.dir, "auth.log");
    writeFileSync(agentLog, `${LINES.join("\n")}\n`);
    writeFileSync(`${agentLog}.idle`, "");
    writeFileSync(
      join(agentInstall.dir, "acquis.yaml"),
      // The agent stops once every datasource ended: an idle tailed file keeps it (and its
      // metrics endpoint) up after the cat-mode file is read.
      `filename: ${agentLog}\nmode: cat\nlabels:\n  type: syslog\n---\nfilename: ${agentLog}.idle\nlabels:\n  type: syslog\n`,
    );
    const port = await freePort();
    agentMetrics = `http://127.0.0.1:${port}/metrics`;
    writeFileSync(
      agentInstall.config,
      `${readFileSync(agentInstall.config, "utf8")}prometheus:\n  enabled: true\n  listen_addr: 127.0.0.1\n  listen_port: ${port}\n`,
    );
    const bin = agentCommand();
    agent = startProcess(bin.command, [...bin.args, "-c", agentInstall.config], {
      cwd: agentInstall.dir,
    });
  }, 300_000);

  afterAll(async () => {
    await agent?.stop();
    agentInstall?.remove();
    await Promise.all([crowdsec?.stop(), lapi?.stop()]);
  });

  it("shows the same tables and, where semantics agree, the same counts", async () => {
    let cscliText = "";
    let rampartText = "";
    await waitFor(
      "cscli metrics with every alert",
      async () => {
        const r = await crowdsec.cscli(["metrics"]);
        cscliText = r.stdout;
        const t = parseTables(r.stdout);
        return r.code === 0 && alertCount(t) === ALERTS ? t : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, diagnostics: crowdsec.process.output },
    );
    const rampart = rampartCommand();
    const env = { ...process.env, RAMPART_URL: lapi.url, RAMPART_ADMIN_TOKEN: lapi.adminToken };
    const runRampart = (args: string[]) =>
      runCommand(
        rampart.command,
        [...rampart.args, "metrics", "--agent-url", agentMetrics, ...args],
        {
          env,
        },
      );
    let last = "";
    await waitFor(
      "rampart metrics with every alert and every line read",
      async () => {
        const r = await runRampart([]);
        last = `${r.stdout}${r.stderr}`;
        rampartText = r.stdout;
        const t = parseTables(r.stdout);
        const read = rowsOf(t, "Acquisition Metrics", agentLog)[0]?.["Lines read"];
        return r.code === 0 && alertCount(t) === ALERTS && read === String(LINES.length)
          ? t
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, diagnostics: () => `${last}\n${agent.output()}` },
    );

    // Then one bouncer per stack: a non-empty and two empty live answers, and a last scrape.
    const csKey = (await crowdsec.cscli(["bouncers", "add", "fw", "-o", "raw"])).stdout.trim();
    const rampartKey = await lapi.addBouncer("fw");
    for (const [url, key] of [
      [crowdsec.url, csKey],
      [lapi.url, rampartKey],
    ] as const) {
      for (const ip of [SOURCES[0], "198.51.100.1", "198.51.100.2"]) {
        const r = await fetch(`${url}v1/decisions?ip=${ip}`, { headers: { "X-Api-Key": key } });
        expect(r.status).toBe(200);
        await r.text();
      }
    }
    const final = await crowdsec.cscli(["metrics"]);
    cscliText = final.stdout;
    const expected = parseTables(final.stdout);
    const got = await waitFor(
      "rampart metrics with the bouncer's lookups",
      async () => {
        const r = await runRampart([]);
        rampartText = r.stdout;
        const t = parseTables(r.stdout);
        const hits = rowsOf(t, "Local Api Bouncers Metrics", "")[0]?.Hits;
        return r.code === 0 && hits === "3" ? t : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, diagnostics: () => rampartText },
    );
    // Both transcripts, for the human report (git-ignored).
    const artifacts = join(repoRoot(), "test-artifacts");
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(
      join(artifacts, "cli-metrics.md"),
      `# cscli metrics (1.4.6)\n\n\`\`\`${cscliText}\`\`\`\n\n# rampart metrics\n\n\`\`\`${rampartText}\`\`\`\n`,
    );
    expect([...got.keys()]).toEqual([...expected.keys()]);
    for (const [title, table] of got) expect(table.head, title).toEqual(expected.get(title)!.head);

    const acquisition = (t: Tables, log: string) => rowsOf(t, "Acquisition Metrics", log);
    expect(acquisition(got, agentLog)).toEqual(acquisition(expected, crowdsec.logPath));

    // Per-node hits, successes and failures, children (`child-…`) included.
    expect(rowsOf(expected, "Parser Metrics", "").length).toBeGreaterThan(0);
    expect(rowsOf(got, "Parser Metrics", "")).toEqual(rowsOf(expected, "Parser Metrics", ""));

    const buckets = (t: Tables) =>
      rowsOf(t, "Bucket Metrics", "").map((r) => [r.Bucket, r.Overflows, r.Instantiated, r.Poured]);
    expect(buckets(got)).toEqual(buckets(expected));
    for (const r of rowsOf(got, "Bucket Metrics", "")) {
      // Never more alive than created.
      const current = r["Current Count"] === "-" ? 0 : Number(r["Current Count"]);
      expect(current).toBeLessThanOrEqual(Number(r.Instantiated));
    }

    // 1.4.6 prints these two in Go map order, which changes from run to run; Rampart sorts.
    const sorted = (t: Tables, title: string) =>
      t
        .get(title)!
        .rows.map((r) => JSON.stringify(r))
        .sort();
    for (const title of [
      "Local Api Decisions",
      "Local Api Alerts",
      "Local Api Bouncers Metrics",
      "Local Api Bouncers Decisions",
    ]) {
      expect(
        got.get(title)!.rows.map((r) => JSON.stringify(r)),
        title,
      ).toEqual(sorted(got, title));
      expect(sorted(got, title), title).toEqual(sorted(expected, title));
    }

    const routes = (t: Tables) =>
      rowsOf(t, "Local Api Metrics", "").map((r) => `${r.Method} ${r.Route}`);
    expect(routes(expected)).toEqual(
      expect.arrayContaining(["POST /v1/alerts", "POST /v1/watchers/login"]),
    );
    expect(routes(got)).toEqual(
      expect.arrayContaining(["POST /v1/rampart/events", "POST /v1/watchers/login"]),
    );
    expect(rowsOf(got, "Local Api Machines Metrics", "")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Machine: "metrics-agent", Route: "/v1/rampart/events" }),
      ]),
    );

    // -o json: the same nine maps, back to back, as cscli prints them.
    const json = await runRampart(["-o", "json"]);
    const cscliJson = await crowdsec.cscli(["metrics", "-o", "json"]);
    const maps = (s: string) =>
      s
        .trimEnd()
        .split(/(?<=\})(?=\{)/)
        .map((o) => JSON.parse(o));
    const [ours, theirs] = [maps(json.stdout), maps(cscliJson.stdout)];
    expect(ours).toHaveLength(9);
    expect(theirs).toHaveLength(9);
    expect(ours[1], "parsers").toEqual(theirs[1]);
    expect(ours[7]).toEqual(theirs[7]);
    expect(ours[8]).toEqual(theirs[8]);
  }, 300_000);
});

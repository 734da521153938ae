import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import type { EventBatch } from "../../src/shared/ingest-wire.js";
import { oracleFor } from "../../test/oracle/crowdsec-config.js";
import { tempDir } from "../../test/support/acquisition.js";
import { debianHubAgentYaml } from "../../test/support/agent-test-hub.js";
import { FakeLapi } from "../../test/support/fake-lapi.js";
import { main } from "../main.js";
import { runReplay } from "./run-replay.js";

const oracle = oracleFor("rampart-agent -dsn replay");
const hasHub = !oracle.skip;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ATTACKER = "198.51.100.7";

/** 8 failures 1 s apart from one source (ssh-bf: capacity 5), plus noise and a private source. */
function authLog(): string {
  const lines: string[] = [];
  for (let i = 0; i < 8; i++) {
    const s = String(i).padStart(2, "0");
    lines.push(
      `Mar  1 10:00:${s} web-1 sshd[42]: Failed password for root from ${ATTACKER} port 4000 ssh2`,
    );
    lines.push(
      `Mar  1 10:00:${s} web-1 sshd[43]: Failed password for root from 10.1.2.3 port 4000 ssh2`,
    );
    lines.push("this line is no syslog");
  }
  return `${lines.join("\n")}\n`;
}

function install(lapiUrl = "http://127.0.0.1:9/") {
  const t = tempDir("rampart-replay-");
  cleanups.push(t.cleanup);
  writeFileSync(join(t.dir, "agent.yaml"), debianHubAgentYaml(["crowdsecurity/whitelists"]));
  writeFileSync(
    join(t.dir, "local_api_credentials.yaml"),
    `url: ${lapiUrl}\nlogin: host-1\npassword: secret\n`,
  );
  const log = join(t.dir, "auth.log");
  writeFileSync(log, authLog());
  return { dir: t.dir, config: join(t.dir, "agent.yaml"), log };
}

function capture() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: {
      stdout: (text: string) => {
        out.stdout += text;
      },
      stderr: (text: string) => {
        out.stderr += text;
      },
    },
  };
}

async function fakeLapi(): Promise<{ lapi: FakeLapi; url: string }> {
  const lapi = new FakeLapi();
  const server = createServer(lapi.listener());
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  cleanups.push(
    () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  );
  return { lapi, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

describe.skipIf(!hasHub)("rampart-agent -dsn replay", () => {
  it("--local runs the buckets in-process and prints the alert as a JSON line", async () => {
    const { config, log } = install();
    const { out, io } = capture();
    const code = await main(
      ["-c", config, "-dsn", `file://${log}`, "--type", "syslog", "--local"],
      io,
    );
    expect(code).toBe(0);
    const alerts = out.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { scenario: string; source: { value: string } });
    // ssh-bf overflows at the 6th failure; ssh-slow-bf (capacity 10) never does; the private
    // source is whitelisted at parse time.
    expect(alerts.map((a) => [a.scenario, a.source.value])).toEqual([
      ["crowdsecurity/ssh-bf", ATTACKER],
    ]);
    expect(out.stderr).toContain("lines: 24\n");
    expect(out.stderr).toContain("parsed: 16\n");
    expect(out.stderr).toContain("unparsed: 8 (s00-raw 8)\n");
    expect(out.stderr).toContain("whitelisted: 8\n");
    expect(out.stderr).toContain("alerts: 1\n");
  }, 60_000);

  it("--local reads a gzip file the same way", async () => {
    const { config, log } = install();
    writeFileSync(`${log}.gz`, gzipSync(authLog()));
    const { out, io } = capture();
    const code = await runReplay(
      { configPath: config, dsn: `file://${log}.gz`, type: "syslog", local: true },
      io,
    );
    expect(code).toBe(0);
    expect(out.stdout.trim().split("\n")).toHaveLength(1);
    expect(out.stderr).toContain("lines: 24\n");
  }, 60_000);

  it("posts the signals in file order in batches, retrying a busy LAPI, and exits 0", async () => {
    const { lapi, url } = await fakeLapi();
    lapi.unavailable = 2;
    lapi.result = (batch: EventBatch) => ({
      accepted: batch.events.length,
      duplicates: 0,
      overflows: 1,
      alerts: ["7"],
    });
    const { config, log } = install(url);
    const { out, io } = capture();
    const code = await runReplay(
      {
        configPath: config,
        dsn: `file://${log}`,
        type: "syslog",
        local: false,
        batchSize: 3,
        retryDelaysMs: [10, 10, 10],
      },
      io,
    );
    expect(out.stderr).toContain("503 try later; retrying in 10 ms");
    expect(code).toBe(0);
    expect(lapi.registrations).toBe(1);
    expect(lapi.logins[0]!.scenarios).toContain("crowdsecurity/ssh-bf");
    // 8 attacker lines (the private source is whitelisted, garbage is unparsed): 3 + 3 + 2.
    expect(lapi.batches.map((b) => b.events.length)).toEqual([3, 3, 2]);
    const lineNumbers = lapi.batches
      .flatMap((b) => b.events)
      .map((e) => {
        expect(e.id).toMatch(/^host-1\/r\/[0-9a-f]{16}\/\d+$/);
        return Number(e.id.split("/").pop());
      });
    expect(lineNumbers).toEqual([1, 4, 7, 10, 13, 16, 19, 22]);
    expect(out.stdout).toContain("events posted: 8 in 3 batches (8 accepted, 0 duplicates)\n");
    expect(out.stdout).toContain("overflows: 3\n");
    expect(out.stdout).toContain("alerts: 3\n");
  }, 60_000);

  it("exits 1 naming the LAPI's reason when the login is refused", async () => {
    const { url } = await fakeLapi();
    const { config, log, dir } = install(url);
    writeFileSync(
      join(dir, "local_api_credentials.yaml"),
      `url: ${url}\nlogin: host-1\npassword: wrong\n`,
    );
    const { out, io } = capture();
    const code = await runReplay(
      { configPath: config, dsn: `file://${log}`, type: "syslog", local: false },
      io,
    );
    expect(code).toBe(1);
    expect(out.stderr).toContain("401 incorrect Username or Password");
  }, 60_000);

  it("exits 1 without retrying when the LAPI rejects a batch", async () => {
    const { lapi, url } = await fakeLapi();
    lapi.eventsAnswer = { status: 400, body: { message: "event 0: invalid time" } };
    const { config, log } = install(url);
    const { out, io } = capture();
    const code = await runReplay(
      {
        configPath: config,
        dsn: `file://${log}`,
        type: "syslog",
        local: false,
        batchSize: 3,
        retryDelaysMs: [10, 10],
      },
      io,
    );
    expect(code).toBe(1);
    expect(out.stderr).toContain("LAPI: POST /v1/rampart/events: 400 event 0: invalid time");
    expect(out.stderr).not.toContain("retrying");
    expect(out.stdout).toBe("");
  }, 60_000);

  it("exits 1 when the DSN matches no file", async () => {
    const { config, dir } = install();
    const { out, io } = capture();
    const code = await runReplay(
      { configPath: config, dsn: `file://${dir}/absent.log`, type: "syslog", local: true },
      io,
    );
    expect(code).toBe(1);
    expect(out.stderr).toContain("no file matches");
  });
});

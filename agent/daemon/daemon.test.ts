import { appendFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EventBatch, EventBatchResult } from "../../src/shared/ingest-wire.js";
import { oracleFor } from "../../test/oracle/crowdsec-config.js";
import { tempDir } from "../../test/support/acquisition.js";
import {
  failedPasswordLine,
  seedOffsets,
  writeAgentInstall,
} from "../../test/support/agent-test-hub.js";
import { LapiError } from "../lapi/lapi-error.js";
import type { ClosableLapiSession } from "../lapi/lapi-session.js";
import { type Daemon, startDaemon } from "./daemon.js";

/**
 * An in-memory LAPI session double: it records every acknowledged id (how many times) and can
 * be switched off (network errors), which is all delivery sees of the real session.
 */
class RecordingLapi implements ClosableLapiSession {
  up = true;
  readonly seen = new Map<string, number>();
  batches = 0;
  heartbeats = 0;
  async ensureLoggedIn() {
    if (!this.up) throw new LapiError("connect ECONNREFUSED", null);
  }
  async postEvents(batch: EventBatch): Promise<EventBatchResult> {
    if (!this.up) throw new LapiError("connect ECONNREFUSED", null);
    this.batches++;
    let duplicates = 0;
    for (const e of batch.events) {
      const n = this.seen.get(e.id) ?? 0;
      if (n > 0) duplicates++;
      this.seen.set(e.id, n + 1);
    }
    return { accepted: batch.events.length - duplicates, duplicates, overflows: 0, alerts: [] };
  }
  async heartbeat() {
    this.heartbeats++;
  }
  async pushUsageMetrics() {}
  async close() {}
}

const lines = (from: number, to: number) => {
  let text = "";
  for (let n = from; n < to; n++)
    text += `${failedPasswordLine(n, `10.1.${n % 200}.${(n % 9) + 1}`)}\n`;
  return text;
};

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(oracleFor("agent daemon").skip)("agent daemon", () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(
    lapi: RecordingLapi,
    options: Partial<Parameters<typeof writeAgentInstall>[1]> = {},
    existing?: string,
  ) {
    let dir = existing;
    if (!dir) {
      const t = tempDir("rampart-daemon-");
      cleanups.push(t.cleanup);
      dir = t.dir;
      writeFileSync(join(dir, "auth.log"), "");
      seedOffsets(join(dir, "state"), [join(dir, "auth.log")]);
    }
    const configPath = writeAgentInstall(dir, {
      lapiUrl: "http://127.0.0.1:9/",
      filenames: [join(dir, "*.log")],
      ...options,
    });
    let log = "";
    const daemon = await startDaemon({
      configPath,
      writeLog: (text) => {
        log += text;
      },
      createSession: () => lapi,
      pollIntervalMs: 20,
      tickIntervalMs: 20,
    });
    cleanups.push(() => daemon.stop());
    return { daemon, dir, log: () => log };
  }

  it("delivers every appended line once and commits its offset after the acknowledgement", async () => {
    const lapi = new RecordingLapi();
    const { daemon, dir } = await start(lapi);
    appendFileSync(join(dir, "auth.log"), lines(0, 2500));
    await until("2500 events", () => lapi.seen.size === 2500);
    await daemon.stop();
    expect([...lapi.seen.values()].every((n) => n === 1)).toBe(true);
    const offsets = JSON.parse(readFileSync(join(dir, "state", "offsets.json"), "utf8"));
    expect(offsets[join(dir, "auth.log")].offset).toBe(lines(0, 2500).length);
    expect(readdirSync(join(dir, "spool"))).toEqual([]);
  }, 60_000);

  it("flushes the open batch on stop (SIGTERM) instead of waiting for the batch delay", async () => {
    const lapi = new RecordingLapi();
    const { daemon, dir } = await start(lapi, { batchMaxDelay: "1m" });
    appendFileSync(join(dir, "auth.log"), lines(0, 10));
    await until("lines read", () => daemon.metrics.usage.read.get("file")?.size === 1);
    await until(
      "10 lines read",
      () => [...daemon.metrics.usage.read.get("file")!.values()][0] === 10,
    );
    expect(lapi.seen.size).toBe(0);
    await daemon.stop();
    expect(lapi.seen.size).toBe(10);
  }, 60_000);

  it("keeps undelivered events across a stop while the LAPI is down and resumes without loss", async () => {
    const lapi = new RecordingLapi();
    lapi.up = false;
    const first = await start(lapi, { shutdownTimeout: "200ms" });
    appendFileSync(join(first.dir, "auth.log"), lines(0, 1500));
    await until("lines spooled", () => first.daemon.delivery.enqueued === 1500);
    await first.daemon.stop();
    expect(readdirSync(join(first.dir, "spool")).some((f) => f.startsWith("seg-"))).toBe(true);
    // Nothing was acknowledged, so nothing was committed past the start of the file.
    const saved = JSON.parse(
      readFileSync(join(first.dir, "state", "offsets.json"), "utf8") || "{}",
    );
    expect(saved[join(first.dir, "auth.log")]?.offset ?? 0).toBe(0);
    lapi.up = true;
    appendFileSync(join(first.dir, "auth.log"), lines(1500, 2000));
    const second = await start(lapi, {}, first.dir);
    await until("2000 events", () => lapi.seen.size === 2000);
    await second.daemon.stop();
    // The spooled copies and the re-read lines carry the same ids: the LAPI drops the repeats.
    expect(lapi.seen.size).toBe(2000);
  }, 60_000);

  it("does not post again the re-read lines whose events the previous run spooled", async () => {
    const lapi = new RecordingLapi();
    lapi.up = false;
    const first = await start(lapi, { shutdownTimeout: "200ms", batchMaxEvents: 200 });
    appendFileSync(join(first.dir, "auth.log"), lines(0, 1500));
    await until("lines spooled", () => first.daemon.delivery.enqueued === 1500);
    await first.daemon.stop();
    lapi.up = true;
    appendFileSync(join(first.dir, "auth.log"), lines(1500, 2000));
    const second = await start(lapi, {}, first.dir);
    await until("2000 events", () => lapi.seen.size === 2000);
    // Only the 500 new lines were enqueued; the 1500 re-read ones rode on the spooled events.
    expect(second.daemon.delivery.enqueued).toBe(500);
    await second.daemon.stop();
    expect([...lapi.seen.values()].filter((n) => n > 1)).toEqual([]);
    const offsets = JSON.parse(readFileSync(join(first.dir, "state", "offsets.json"), "utf8"));
    expect(offsets[join(first.dir, "auth.log")].offset).toBe(lines(0, 2000).length);
    expect(readdirSync(join(first.dir, "spool"))).toEqual([]);
  }, 60_000);

  it("pauses reading when the spool is full and catches up when the LAPI returns", async () => {
    const lapi = new RecordingLapi();
    lapi.up = false;
    const { daemon, dir } = await start(lapi, {
      spoolMaxBytes: 256 * 1024,
      batchMaxEvents: 50,
      retryMaxDelay: "100ms",
    });
    appendFileSync(join(dir, "auth.log"), lines(0, 20_000));
    await until("spool full", () => daemon.delivery.full);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const readWhileFull = daemon.delivery.enqueued;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Paused: at most the lines already queued in the acquisition got through meanwhile.
    expect(daemon.delivery.enqueued - readWhileFull).toBeLessThan(2100);
    expect(daemon.delivery.enqueued).toBeLessThan(20_000);
    const metrics = await daemon.metrics.registry.metrics();
    expect(metrics).toMatch(/rampart_agent_spool_full 1/);
    lapi.up = true;
    await until("20000 events", () => lapi.seen.size === 20_000, 60_000);
    expect([...lapi.seen.values()].every((n) => n === 1)).toBe(true);
  }, 90_000);

  it("reloads on SIGHUP without losing the events in flight", async () => {
    const lapi = new RecordingLapi();
    lapi.up = false;
    const { daemon, dir } = await start(lapi, { shutdownTimeout: "100ms" });
    appendFileSync(join(dir, "auth.log"), lines(0, 800));
    await until("800 spooled", () => daemon.delivery.enqueued === 800);
    await daemon.reload();
    appendFileSync(join(dir, "auth.log"), lines(800, 1000));
    lapi.up = true;
    await until("1000 events", () => lapi.seen.size === 1000);
    await daemon.stop();
    expect(lapi.seen.size).toBe(1000);
  }, 60_000);

  it("serves CrowdSec-named and delivery metrics on the Prometheus port", async () => {
    const lapi = new RecordingLapi();
    const { daemon, dir } = await start(lapi, { metricsPort: 0 });
    appendFileSync(join(dir, "auth.log"), `${lines(0, 5)}not an sshd line\n`);
    await until("5 events", () => lapi.seen.size === 5);
    const port = (daemon as Daemon).metricsAddress!.port;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const source = join(dir, "auth.log");
    expect(text).toContain(`cs_filesource_hits_total{source="${source}"} 6`);
    expect(text).toContain(`cs_parser_hits_ok_total{source="${source}",type="file"} 5`);
    expect(text).toContain(`cs_parser_hits_ko_total{source="${source}",type="file"} 1`);
    // 1.4.6's per-node counters: every line enters the syslog parser, the last one fails it.
    const node = `source="${source}",type="file",name="crowdsecurity/syslog-logs"`;
    expect(text).toContain(`cs_node_hits_total{${node}} 6`);
    expect(text).toContain(`cs_node_hits_ok_total{${node}} 5`);
    expect(text).toContain(`cs_node_hits_ko_total{${node}} 1`);
    expect(text).toContain(
      `cs_node_hits_ok_total{source="${source}",type="file",name="crowdsecurity/sshd-logs"} 5`,
    );
    expect(text).toContain("rampart_agent_events_posted_total 5");
    expect(text).toMatch(/rampart_agent_post_duration_seconds_count\{outcome="ok"\} [1-9]/);
    expect(text).toContain("rampart_agent_spool_events 0");
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  }, 60_000);
});

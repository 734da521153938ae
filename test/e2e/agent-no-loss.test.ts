/**
 * Issue #5 acceptance: no line lost, none counted twice. The real daemon
 * (`rampart-agent -c agent.yaml`) tails two files while a generator appends 200,000
 * `Failed password` lines, rotating one file by rename + create and the other by copytruncate;
 * meanwhile the LAPI (`wrangler dev`, real bucket Durable Objects and D1) is stopped and started
 * again, and the agent is `kill -9`'d once and restarted. The test hub's scenario takes every
 * such line as one event with one bucket target and never overflows, so at the end the LAPI's
 * ledger must hold exactly the ids the design gives those lines (`<machine>/f/<dev>:<ino>:<offset>`)
 * and the bucket objects must have poured each exactly once.
 *
 * The run lasts as long as the LAPI needs to ingest 200,000 events: about 5 minutes on 2 shared
 * cores (~750 events/s under `wrangler dev`), well past the generator's 25 s.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, oracleFor, removeDir, repoRoot } from "../oracle/crowdsec-config.js";
import { type ManagedProcess, runCommand, startProcess, waitFor } from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import { failedPasswordLine, seedOffsets, writeAgentInstall } from "../support/agent-test-hub.js";
import { agentCommand } from "../support/bins.js";

const MACHINE = "no-loss-agent";
const PASSWORD = "no-loss-agent-password-0123456789";
const TOTAL = 200_000;
/** Lines per generator tick (half to each file) and the pause between ticks. */
const PER_TICK = 500;
const TICK_MS = 50;
/** How long the ledger may stay unchanged before the test stops waiting and compares ids. */
const STALL_MS = 45_000;

/** One log file written like a daemon writes it, with the ids its lines must get. */
class LogFile {
  private fd: number;
  private position = 0;
  /** Where offsets of this inode continue after a copytruncate (the agent's `FileCursor.base`). */
  private base = 0;
  private identity: { dev: number; ino: number };

  constructor(
    readonly path: string,
    private readonly ids: string[],
  ) {
    this.fd = openSync(path, "a");
    this.identity = fstatSync(this.fd);
    // A first line that is no sshd failure (no event): the agent starts after it, and its first
    // bytes tell the file's generations apart after a restart.
    const header = `rampart no-loss test ${path}\n`;
    writeSync(this.fd, header);
    this.position = Buffer.byteLength(header);
  }

  write(lines: readonly string[]): void {
    let text = "";
    for (const line of lines) {
      text += `${line}\n`;
      this.position += Buffer.byteLength(line) + 1;
      const offset = this.base + this.position;
      this.ids.push(`${MACHINE}/f/${this.identity.dev}:${this.identity.ino}:${offset}`);
    }
    writeSync(this.fd, text);
  }

  /** logrotate `create`: shift the old generations, rename, keep writing the old file a moment. */
  renameAndCreate(straggler: readonly string[]): void {
    this.shift();
    renameSync(this.path, `${this.path}.1`);
    // The daemon writes to its open descriptor until it reopens its log.
    this.write(straggler);
    closeSync(this.fd);
    this.fd = openSync(this.path, "a");
    this.identity = fstatSync(this.fd);
    this.position = 0;
    this.base = 0;
  }

  /** logrotate `copytruncate`: copy the file aside, truncate it in place. */
  copyTruncate(): void {
    this.shift();
    copyFileSync(this.path, `${this.path}.1`);
    ftruncateSync(this.fd, 0);
    // The same inode restarts at byte 0; the design's ids continue after the old content.
    this.base += this.position;
    this.position = 0;
  }

  close(): void {
    closeSync(this.fd);
  }

  private shift(): void {
    for (let n = 8; n >= 1; n--) {
      if (existsSync(`${this.path}.${n}`)) renameSync(`${this.path}.${n}`, `${this.path}.${n + 1}`);
    }
  }
}

/** The event ids of the ledger (`ingested_events`), read with wrangler from the local D1. */
async function ledgerIds(lapi: RampartDev): Promise<Set<string>> {
  const query = await runCommand(
    join(repoRoot(), "node_modules", ".bin", "wrangler"),
    [
      "d1",
      "execute",
      "rampart",
      "--local",
      "--persist-to",
      lapi.persistDir,
      "--json",
      "--command",
      `SELECT id FROM ingested_events WHERE machine_id = '${MACHINE}'`,
    ],
    { cwd: repoRoot(), timeoutMs: 120_000 },
  );
  if (query.code !== 0) throw new Error(`wrangler d1 execute: ${query.stderr}`);
  const rows = (JSON.parse(query.stdout) as { results: { id: string }[] }[])[0]!.results;
  return new Set(rows.map((r) => r.id));
}

/** Ids grouped by file generation (`dev:ino`): count and offset range, for a readable failure. */
function describeIds(ids: readonly string[]): string[] {
  const groups = new Map<string, { n: number; min: number; max: number }>();
  for (const id of ids) {
    const m = /\/f\/(\d+:\d+):(\d+)$/.exec(id);
    const key = m ? m[1]! : id;
    const offset = m ? Number(m[2]) : 0;
    const g = groups.get(key) ?? { n: 0, min: offset, max: offset };
    g.n++;
    g.min = Math.min(g.min, offset);
    g.max = Math.max(g.max, offset);
    groups.set(key, g);
  }
  return [...groups].map(([k, g]) => `${k}: ${g.n} ids, offsets ${g.min}..${g.max}`);
}

interface IngestStats {
  events: number;
  pours: number | null;
  duplicates: number | null;
}

describe.skipIf(oracleFor("rampart-agent daemon no-loss").skip)(
  "rampart-agent daemon: no loss, no double count",
  () => {
    let lapi: RampartDev;
    let dir: string;
    let agent: ManagedProcess | null = null;

    beforeAll(async () => {
      dir = makeTempDir("agent-no-loss");
      lapi = await startRampartDev();
      await lapi.addMachine(MACHINE, PASSWORD);
      await lapi.validateMachine(MACHINE);
    });
    afterAll(async () => {
      await agent?.stop(2000);
      await lapi?.stop();
      if (dir) removeDir(dir);
    });

    it("delivers 200,000 lines exactly once through rotations, a LAPI outage and a kill -9", async () => {
      const logs = join(dir, "logs");
      const ids: string[] = [];
      const { mkdirSync } = await import("node:fs");
      mkdirSync(logs);
      const a = new LogFile(join(logs, "a.log"), ids);
      const b = new LogFile(join(logs, "b.log"), ids);
      seedOffsets(join(dir, "state"), [a.path, b.path]);
      const config = writeAgentInstall(dir, {
        lapiUrl: lapi.url,
        login: MACHINE,
        password: PASSWORD,
        filenames: [a.path, b.path],
        // Small enough that the outage fills it: reading pauses instead of growing.
        spoolMaxBytes: 24 * 1024 * 1024,
        batchMaxEvents: 2000,
        batchMaxDelay: "200ms",
        retryMaxDelay: "2s",
        logLevel: "info",
      });
      const agentBin = agentCommand();
      const agentLogs: string[] = [];
      const startAgent = () => startProcess(agentBin.command, [...agentBin.args, "-c", config]);
      const figures: Record<string, number | string> = {};
      const started = performance.now();
      const at = () => Math.round(performance.now() - started);

      agent = startAgent();
      let n = 0;
      const ip = (k: number) => `10.77.${(k % 1000) >> 8}.${k % 256}`;
      const batch = (count: number) => {
        const out: string[] = [];
        for (let i = 0; i < count; i++, n++) out.push(failedPasswordLine(n, ip(n)));
        return out;
      };
      const events: [number, () => Promise<void> | void][] = [
        [0.2, () => a.renameAndCreate(batch(200))],
        [0.25, () => b.copyTruncate()],
        [
          0.35,
          async () => {
            figures.lapi_stopped_ms = at();
            await lapi.pause();
          },
        ],
        [0.45, () => a.renameAndCreate(batch(200))],
        [0.48, () => b.copyTruncate()],
        [
          0.5,
          async () => {
            figures.kill9_ms = at();
            process.kill(-agent!.child.pid!, "SIGKILL");
            await waitFor("agent gone", () => agent!.exited(), { timeoutMs: 10_000 });
            agentLogs.push(agent!.output());
          },
        ],
        [
          0.55,
          () => {
            agent = startAgent();
          },
        ],
        [
          0.65,
          async () => {
            figures.lapi_restarted_ms = at();
            await lapi.resume();
          },
        ],
        [0.75, () => a.renameAndCreate(batch(200))],
        [0.8, () => b.copyTruncate()],
      ];
      while (n < TOTAL) {
        const next = events[0];
        if (next && n >= next[0] * TOTAL) {
          events.shift();
          await next[1]();
          continue;
        }
        const count = Math.min(PER_TICK, TOTAL - n);
        a.write(batch(count >> 1));
        b.write(batch(count - (count >> 1)));
        await new Promise((resolve) => setTimeout(resolve, TICK_MS));
      }
      for (const [, action] of events) await action();
      a.close();
      b.close();
      figures.generated_ms = at();
      expect(ids).toHaveLength(TOTAL);
      const expected = new Set(ids);
      figures.colliding_ids = TOTAL - expected.size;

      const stats = async () => {
        const res = await lapi.admin("GET", `/admin/v1/ingest/stats?machine_id=${MACHINE}`);
        if (res.status !== 200) throw new Error(`ingest stats → ${res.status}`);
        return res.body as IngestStats;
      };
      // Until every id is in the ledger, or nothing moved for a while (then the ids tell what is
      // missing).
      let last: IngestStats = { events: 0, pours: 0, duplicates: 0 };
      let lastChange = Date.now();
      while (last.events < TOTAL && Date.now() - lastChange < STALL_MS) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const now = await stats().catch(() => last);
        if (now.events !== last.events) lastChange = Date.now();
        last = now;
      }
      figures.delivered_ms = at();

      // SIGTERM: flush, commit, exit 0.
      agent.child.kill("SIGTERM");
      await waitFor("agent exit", () => agent!.exited(), { timeoutMs: 30_000 });
      const final = await stats();
      figures.ledger = final.events;
      figures.pours = final.pours ?? "n/a";
      figures.redelivered_duplicates = final.duplicates ?? "n/a";
      console.log(`agent no-loss: ${JSON.stringify(figures)}`);

      // The exact ids: nothing missing, nothing foreign.
      await lapi.pause();
      const ledger = await ledgerIds(lapi);
      const missing = [...expected].filter((id) => !ledger.has(id));
      const foreign = [...ledger].filter((id) => !expected.has(id));
      expect(
        { missing: describeIds(missing), foreign: describeIds(foreign) },
        `agent logs:\n${agentLogs.join("")}${agent.output().slice(-6000)}`,
      ).toEqual({ missing: [], foreign: [] });
      // The design's file ids must tell every line apart, copytruncate generations included.
      expect(figures.colliding_ids, "lines sharing an id with an earlier line").toBe(0);
      expect(final.events).toBe(TOTAL);
      expect(final.pours).toBe(TOTAL);
      expect(agent.child.exitCode).toBe(0);
      const offsets = JSON.parse(readFileSync(join(dir, "state", "offsets.json"), "utf8"));
      const position = (c: { offset: number; base?: number }) => c.offset - (c.base ?? 0);
      expect(position(offsets[a.path])).toBe(readFileSync(a.path).length);
      expect(position(offsets[b.path])).toBe(readFileSync(b.path).length);
    }, 600_000);
  },
);

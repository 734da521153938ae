/**
 * The journalctl source against a real journal: `systemd-journal-remote` writes a journal file
 * from entries in journald's export format, and the real `journalctl` (the one the source spawns)
 * reads it through `journalctl_filter: ["--file=…", …]`. Lines are checked against journalctl's
 * own `short` output, which is what CrowdSec 1.4.6 reads.
 *
 * Skipped, with the reason in the suite name, when `journalctl` or `systemd-journal-remote`
 * (Debian package `systemd-journal-remote`) is not installed: without a journald on the machine
 * they are the only way to produce a journal file journalctl accepts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AcquiredLine } from "../../../agent/acquisition/acquisition-runner.js";
import { OffsetStore } from "../../../agent/acquisition/offset-store.js";
import { JOURNAL_REMOTE, skipWithoutJournal } from "../../oracle/prerequisites.js";
import { sleep, take, tempDir } from "../../support/acquisition.js";
import { type Acquisition, run, startFromYaml } from "./support.js";

const skipJournal = skipWithoutJournal("journalctl source on a real journal");

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Fields = Record<string, string | Buffer>;

/**
 * A journal file fed by a long-running `systemd-journal-remote` reading the export format on its
 * stdin. `journalctl --follow` only shows the current boot, so entries carry this boot's id.
 */
function journalWriter(dir: string) {
  const path = join(dir, "remote.journal");
  const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim().replace(/-/g, "");
  const child: ChildProcess = spawn(JOURNAL_REMOTE!, [`--output=${path}`, "-"], {
    stdio: ["pipe", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  let n = 0;
  const write = (entries: Fields[]) => {
    const parts: Buffer[] = [];
    for (const fields of entries) {
      n++;
      const all: Fields = {
        __REALTIME_TIMESTAMP: String((Date.UTC(2026, 10, 2, 6, 40, 0) + n * 1000) * 1000),
        __MONOTONIC_TIMESTAMP: String(n * 1_000_000),
        _BOOT_ID: bootId,
        _HOSTNAME: "web1",
        SYSLOG_IDENTIFIER: "sshd",
        _PID: "4242",
        ...fields,
      };
      for (const [name, value] of Object.entries(all)) {
        if (typeof value === "string") {
          parts.push(Buffer.from(`${name}=${value}\n`));
        } else {
          // Binary field: name, newline, little-endian 64-bit length, the bytes, newline.
          const size = Buffer.alloc(8);
          size.writeBigUInt64LE(BigInt(value.length));
          parts.push(Buffer.from(`${name}\n`), size, value, Buffer.from("\n"));
        }
      }
      parts.push(Buffer.from("\n"));
    }
    child.stdin?.write(Buffer.concat(parts));
  };
  cleanups.push(async () => {
    child.stdin?.end();
    await exited;
  });
  return { path, write, stderr: () => stderr };
}

/** journalctl's own short output for the file: what CrowdSec 1.4.6's parsers would read. */
async function shortOutput(path: string, match: string[]): Promise<string[]> {
  const out = await run("journalctl", [`--file=${path}`, "-o", "short", "-q", "--all", ...match]);
  return out.split("\n").filter(Boolean);
}

/**
 * Writes probe entries until one comes out of the source: `-n 0` only shows entries written after
 * journalctl positioned itself, and there is no other signal that it did.
 */
async function waitUntilFollowing(acq: Acquisition, journal: ReturnType<typeof journalWriter>) {
  for (let i = 0; i < 100; i++) {
    journal.write([{ MESSAGE: `probe ${i}` }]);
    const got = await take(acq.lines, 1, 200, "idle");
    if (got.length === 1) return;
  }
  throw new Error(`journalctl never followed the journal: ${acq.errors.join("; ")}`);
}

const isProbe = (line: string) => /: probe \d+$/.test(line);
const withoutProbes = (lines: string[]) => lines.filter((l) => !isProbe(l));

/** The next `count` lines that are not probes (probes still in flight may come first). */
async function collectEntries(acq: Acquisition, count: number, idleTimeoutMs = 5000) {
  const out: AcquiredLine[] = [];
  while (out.length < count) {
    const [got] = await take(acq.lines, 1, idleTimeoutMs, "idle");
    if (got === undefined) break;
    if (!isProbe(got.line.line)) out.push(got);
  }
  return out;
}

describe.skipIf(skipJournal)(
  "journalctl source on a journal written by systemd-journal-remote",
  { timeout: 30_000 },
  () => {
    async function setup() {
      const t = tempDir("rampart-journal-");
      cleanups.push(t.cleanup);
      const journal = journalWriter(t.dir);
      // journalctl --follow fails on a journal without an entry of the current boot.
      journal.write([{ MESSAGE: "boot", SYSLOG_IDENTIFIER: "kernel" }]);
      for (let i = 0; i < 100; i++) {
        const written = await run("journalctl", [`--file=${journal.path}`, "-q"]).catch(() => "");
        if (written !== "") break;
        await sleep(50);
      }
      return { dir: t.dir, journal };
    }

    function start(dir: string, path: string, offsets: OffsetStore, extra = "") {
      const acq = startFromYaml(
        [
          "source: journalctl",
          `journalctl_filter: ["--file=${path}", "SYSLOG_IDENTIFIER=sshd"]`,
          "labels: {type: syslog}",
          extra,
        ].join("\n"),
        dir,
        { offsets },
      );
      cleanups.push(() => acq.running.close());
      return acq;
    }

    it("follows new entries only, with the filter applied, as journalctl's short lines", async () => {
      const { dir, journal } = await setup();
      journal.write([{ MESSAGE: "written before the agent started" }]);
      await sleep(200);
      const acq = start(dir, journal.path, OffsetStore.inMemory());
      await waitUntilFollowing(acq, journal);
      journal.write([
        { MESSAGE: "Failed password for root from 192.0.2.1 port 22 ssh2" },
        { MESSAGE: "cron ran", SYSLOG_IDENTIFIER: "CRON", _PID: "77" },
        { MESSAGE: "Accepted publickey for alice", SYSLOG_PID: "999" },
      ]);
      const got = await collectEntries(acq, 2);
      expect(await collectEntries(acq, 1, 500)).toEqual([]);
      const short = withoutProbes(await shortOutput(journal.path, ["SYSLOG_IDENTIFIER=sshd"]));
      expect(short[0]).toMatch(/written before the agent started$/);
      expect(got.map((l) => l.line.line)).toEqual(short.slice(1));
      expect(got[0]!.line).toMatchObject({
        module: "journalctl",
        source: `journalctl---file=${journal.path}.SYSLOG_IDENTIFIER=sshd`,
        labels: { type: "syslog" },
        cursor: { kind: "journal" },
      });
    });

    it("resumes after the last committed cursor, reading entries written while down exactly once", async () => {
      const { dir, journal } = await setup();
      const statePath = join(dir, "state", "offsets.json");
      const first = start(dir, journal.path, OffsetStore.open(statePath));
      await waitUntilFollowing(first, journal);
      journal.write(Array.from({ length: 10 }, (_, i) => ({ MESSAGE: `entry ${i}` })));
      const got = await collectEntries(first, 10);
      expect(got).toHaveLength(10);
      // Only entries up to "entry 5" were acknowledged (delivered to the LAPI).
      const upTo5 = got.find((l) => l.line.line.endsWith(": entry 5"))!;
      await upTo5.source.commit(upTo5.line.cursor);
      await first.running.close();

      journal.write(Array.from({ length: 5 }, (_, i) => ({ MESSAGE: `entry ${10 + i}` })));
      await sleep(200);
      const second = start(dir, journal.path, OffsetStore.open(statePath));
      const resumed = await take(second.lines, 9, 5000, "idle");
      expect(resumed.map((l) => l.line.line.replace(/^.*: /, ""))).toEqual(
        Array.from({ length: 9 }, (_, i) => `entry ${6 + i}`),
      );
      expect(await take(second.lines, 1, 500, "idle")).toEqual([]);
    });

    it("reads every matching entry once and ends in cat mode", async () => {
      const { dir, journal } = await setup();
      journal.write(Array.from({ length: 20 }, (_, i) => ({ MESSAGE: `old ${i}` })));
      await sleep(300);
      const acq = start(dir, journal.path, OffsetStore.inMemory(), "mode: cat");
      const got = await take(acq.lines, 21, 3000, "idle");
      expect(got.map((l) => l.line.line)).toEqual(
        await shortOutput(journal.path, ["SYSLOG_IDENTIFIER=sshd"]),
      );
      expect(await acq.lines.next()).toEqual({ done: true, value: undefined });
      expect(acq.errors).toEqual([]);
    });

    it("keeps messages over 4 KiB, counts binary and invalid UTF-8 messages as skipped, and goes on", async () => {
      const { dir, journal } = await setup();
      const acq = start(dir, journal.path, OffsetStore.inMemory());
      await waitUntilFollowing(acq, journal);
      const source = acq.running.sources[0]!;
      const long = `long ${"L".repeat(10_000)}`;
      journal.write([
        { MESSAGE: long },
        { MESSAGE: Buffer.from([0x61, 0x00, 0x62]) },
        { MESSAGE: Buffer.from([0x61, 0xff, 0xfe, 0x62]) },
        { MESSAGE: `huge ${"H".repeat(200_000)}` },
        { MESSAGE: "after the garbage" },
      ]);
      const got = await collectEntries(acq, 2);
      expect(got.map((l) => l.line.line.replace(/^.*?sshd\[4242\]: /, ""))).toEqual([
        long,
        "after the garbage",
      ]);
      expect(source.stats.skipped).toMatchObject({ binary: 1, invalidUtf8: 1, tooLong: 1 });
    });
  },
);

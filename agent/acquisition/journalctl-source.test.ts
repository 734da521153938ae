import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  existsSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { JOURNAL_REMOTE, skipWithoutJournal } from "../../test/oracle/prerequisites.js";
import { sleep, take, tempDir } from "../../test/support/acquisition.js";
import { decodeJournalEntry, shortTimestamp } from "./journal-entry.js";
import {
  createJournalctlSource,
  FROM_HEAD,
  journalctlArgs,
  journalOffsetKey,
} from "./journalctl-source.js";
import { OffsetStore } from "./offset-store.js";
import type { AcquisitionSource, LogLine } from "./types.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A stand-in for journalctl: it logs its arguments, honours `-n 0 --show-cursor` (the last cursor,
 * or `-- No entries --` and exit 1), `-n 0`, `-n all`, `--after-cursor` (failing like journalctl on
 * an unknown cursor) and `--follow` over a fixture file of JSON entries that the test appends to.
 */
function fakeJournalctl(dir: string) {
  const fixture = join(dir, "entries.jsonl");
  const argsLog = join(dir, "args.jsonl");
  const script = join(dir, "journalctl");
  writeFileSync(fixture, "");
  writeFileSync(
    script,
    `#!/usr/bin/env node
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(argsLog)}, JSON.stringify(args) + "\\n");
const read = () => fs.readFileSync(${JSON.stringify(fixture)}, "utf8").split("\\n").filter(Boolean);
if (args.includes("--show-cursor")) {
  const last = read().at(-1);
  if (last === undefined) { process.stdout.write("-- No entries --\\n"); process.exit(1); }
  process.stdout.write("-- cursor: " + JSON.parse(last).__CURSOR + "\\n");
  process.exit(0);
}
let sent = 0;
const after = args.find((a) => a.startsWith("--after-cursor="));
if (after) {
  const cursor = after.slice("--after-cursor=".length);
  const index = read().findIndex((l) => { try { return JSON.parse(l).__CURSOR === cursor; } catch { return false; } });
  if (index === -1) { process.stderr.write("Failed to seek to cursor: Invalid argument\\n"); process.exit(1); }
  sent = index + 1;
} else if (args[args.indexOf("-n") + 1] === "0") sent = read().length;
const flush = () => { const all = read(); for (; sent < all.length; sent++) process.stdout.write(all[sent] + "\\n"); };
flush();
fs.writeFileSync(${JSON.stringify(join(dir, "ready"))}, "");
if (args.includes("--follow")) setInterval(flush, 20); else process.exit(0);
`,
  );
  chmodSync(script, 0o755);
  let n = 0;
  const append = (message: unknown, extra: Record<string, unknown> = {}) => {
    n++;
    const entry = {
      __CURSOR: `s=abc;i=${n}`,
      __REALTIME_TIMESTAMP: String(Date.UTC(2026, 10, 2, 6, 40, 12) * 1000),
      _HOSTNAME: "web1",
      SYSLOG_IDENTIFIER: "sshd",
      _PID: "4242",
      MESSAGE: message,
      ...extra,
    };
    appendFileSync(fixture, `${JSON.stringify(entry)}\n`);
  };
  const args = () =>
    readFileSync(argsLog, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as string[]);
  /** Resolves once the fake has positioned itself (after `-n 0` / `--after-cursor`). */
  const ready = async () => {
    for (let i = 0; i < 250 && !existsSync(join(dir, "ready")); i++) await sleep(20);
    rmSync(join(dir, "ready"), { force: true });
  };
  return { script, fixture, append, args, ready };
}

function start(script: string, offsets: OffsetStore): AcquisitionSource {
  const source = createJournalctlSource({
    name: "journal",
    labels: { type: "syslog" },
    filters: ["_SYSTEMD_UNIT=ssh.service"],
    mode: "tail",
    offsets,
    command: script,
  });
  cleanups.push(() => source.close());
  return source;
}

describe("journalctl argument and entry decoding", () => {
  it("starts at -n 0 without a cursor and after the cursor with one", () => {
    expect(journalctlArgs(["_SYSTEMD_UNIT=ssh.service"], "tail", null)).toEqual([
      "--output=json",
      "--all",
      "--follow",
      "-n",
      "0",
      "_SYSTEMD_UNIT=ssh.service",
    ]);
    expect(journalctlArgs(["-u", "ssh"], "tail", "s=1;i=2")).toEqual([
      "--output=json",
      "--all",
      "--follow",
      "--after-cursor=s=1;i=2",
      "-u",
      "ssh",
    ]);
    expect(journalctlArgs([], "cat", null)).toEqual(["--output=json", "--all"]);
    expect(journalctlArgs(["-u", "ssh"], "tail", FROM_HEAD)).toEqual([
      "--output=json",
      "--all",
      "--follow",
      "-n",
      "all",
      "-u",
      "ssh",
    ]);
  });

  it("rebuilds journalctl's short line and decodes byte-array messages", () => {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const ts = Date.UTC(2026, 10, 2, 6, 40, 12);
    const entry = (fields: Record<string, unknown>) =>
      decodeJournalEntry(
        JSON.stringify({ __CURSOR: "c", __REALTIME_TIMESTAMP: String(ts * 1000), ...fields }),
        decoder,
      );
    expect(entry({ _HOSTNAME: "h", SYSLOG_IDENTIFIER: "sshd", _PID: "7", MESSAGE: "hi" })).toEqual({
      ok: true,
      entry: { line: `${shortTimestamp(ts)} h sshd[7]: hi`, cursor: "c" },
    });
    expect(shortTimestamp(ts)).toMatch(/^Nov 0\d \d\d:40:12$/);
    expect(entry({ _HOSTNAME: "h", _COMM: "cron", MESSAGE: [104, 195, 169] })).toMatchObject({
      entry: { line: `${shortTimestamp(ts)} h cron: hé` },
    });
    // journalctl's short output: no host when absent, `unknown` without identifier or comm, and
    // the trusted _PID before SYSLOG_PID.
    expect(entry({ _PID: "5", MESSAGE: "m" })).toMatchObject({
      entry: { line: `${shortTimestamp(ts)} unknown[5]: m` },
    });
    expect(
      entry({ _HOSTNAME: "h", SYSLOG_IDENTIFIER: "x", _PID: "1", SYSLOG_PID: "2", MESSAGE: "m" }),
    ).toMatchObject({ entry: { line: `${shortTimestamp(ts)} h x[1]: m` } });
    expect(
      entry({ _HOSTNAME: "h", SYSLOG_IDENTIFIER: "x", SYSLOG_PID: "2", MESSAGE: "m" }),
    ).toMatchObject({ entry: { line: `${shortTimestamp(ts)} h x[2]: m` } });
    expect(entry({ MESSAGE: [0xff, 0x41] })).toEqual({ ok: false, reason: "invalidUtf8" });
    expect(entry({ MESSAGE: [0x41, 0, 0x42] })).toEqual({ ok: false, reason: "binary" });
    expect(entry({ MESSAGE: null })).toEqual({ ok: false, reason: "malformed" });
    expect(decodeJournalEntry("{not json", decoder)).toEqual({ ok: false, reason: "malformed" });
    expect(decodeJournalEntry('{"MESSAGE":"no cursor"}', decoder)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });
});

describe("journalctl source with a fake journalctl", () => {
  it("follows new entries, resumes after the committed cursor and skips bad entries", async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const fake = fakeJournalctl(t.dir);
    fake.append("before the first start"); // the first start begins after it
    const statePath = join(t.dir, "offsets.json");

    const first = start(fake.script, OffsetStore.open(statePath));
    const it1 = first[Symbol.asyncIterator]();
    await fake.ready();
    fake.append("Failed password for root from 1.2.3.4");
    fake.append([0xff, 0xfe]);
    fake.append("second");
    fake.append("third");
    const got1 = await take(it1, 3);
    expect(got1.map((l) => l.line.replace(/^.* web1 sshd\[4242\]: /, ""))).toEqual([
      "Failed password for root from 1.2.3.4",
      "second",
      "third",
    ]);
    expect(got1[0]).toMatchObject({
      source: "journalctl-_SYSTEMD_UNIT=ssh.service",
      module: "journalctl",
      cursor: { kind: "journal", cursor: "s=abc;i=2" },
    });
    expect(first.stats.skipped.invalidUtf8).toBe(1);
    await first.commit(got1[1]!.cursor); // "third" is not acknowledged
    await first.close();

    fake.append("while down");
    const second = start(fake.script, OffsetStore.open(statePath));
    const got2 = await take(second[Symbol.asyncIterator](), 2);
    expect(got2.map((l) => l.line.replace(/^.*: /, ""))).toEqual(["third", "while down"]);
    expect(fake.args()).toEqual([
      ["-n", "0", "--show-cursor", "_SYSTEMD_UNIT=ssh.service"],
      [
        "--output=json",
        "--all",
        "--follow",
        "--after-cursor=s=abc;i=1",
        "_SYSTEMD_UNIT=ssh.service",
      ],
      [
        "--output=json",
        "--all",
        "--follow",
        "--after-cursor=s=abc;i=4",
        "_SYSTEMD_UNIT=ssh.service",
      ],
    ]);
    expect(JSON.parse(readFileSync(statePath, "utf8"))).toEqual({
      [journalOffsetKey(["_SYSTEMD_UNIT=ssh.service"])]: "s=abc;i=4",
    });
  }, 20_000);

  it("a restart before the first commit re-reads what the first start read, from where it began", async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const fake = fakeJournalctl(t.dir);
    fake.append("old");
    const statePath = join(t.dir, "offsets.json");
    const key = journalOffsetKey(["_SYSTEMD_UNIT=ssh.service"]);

    const first = start(fake.script, OffsetStore.open(statePath));
    const it1 = first[Symbol.asyncIterator]();
    await fake.ready();
    // Persisted before a line is emitted: the cursor of the last entry at the start.
    expect(JSON.parse(readFileSync(statePath, "utf8"))).toEqual({ [key]: "s=abc;i=1" });
    fake.append("a");
    fake.append("b");
    expect((await take(it1, 2)).map((l) => l.line.replace(/^.*: /, ""))).toEqual(["a", "b"]);
    await first.close(); // nothing acknowledged

    fake.append("while down");
    const second = start(fake.script, OffsetStore.open(statePath));
    const got = await take(second[Symbol.asyncIterator](), 3);
    expect(got.map((l) => l.line.replace(/^.*: /, ""))).toEqual(["a", "b", "while down"]);
  }, 20_000);

  it("a first start on a journal with no matching entry reads from the head after a restart", async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const fake = fakeJournalctl(t.dir);
    const statePath = join(t.dir, "offsets.json");
    const key = journalOffsetKey(["_SYSTEMD_UNIT=ssh.service"]);

    const first = start(fake.script, OffsetStore.open(statePath));
    await fake.ready();
    expect(JSON.parse(readFileSync(statePath, "utf8"))).toEqual({ [key]: FROM_HEAD });
    await first.close();

    fake.append("while down");
    const second = start(fake.script, OffsetStore.open(statePath));
    const got = await take(second[Symbol.asyncIterator](), 1);
    expect(got.map((l) => l.line.replace(/^.*: /, ""))).toEqual(["while down"]);
    expect(fake.args().slice(1)).toEqual([
      ["--output=json", "--all", "--follow", "-n", "all", "_SYSTEMD_UNIT=ssh.service"],
      ["--output=json", "--all", "--follow", "-n", "all", "_SYSTEMD_UNIT=ssh.service"],
    ]);
  }, 20_000);

  it("ends the iteration with journalctl's stderr when it fails", async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const fake = fakeJournalctl(t.dir);
    const offsets = OffsetStore.inMemory();
    await offsets.set(journalOffsetKey(["_SYSTEMD_UNIT=ssh.service"]), "s=gone;i=1");
    const source = start(fake.script, offsets);
    await expect(take(source[Symbol.asyncIterator](), 1)).rejects.toThrow(
      /journalctl exited with 1: Failed to seek to cursor/,
    );
  }, 20_000);
});

/**
 * A real journal file: each `write` runs `systemd-journal-remote` once on entries in journald's
 * export format, appending to the file. `journalctl --follow` only shows the current boot, so
 * entries carry this boot's id.
 */
function remoteJournal(dir: string) {
  const path = join(dir, "remote.journal");
  const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim().replace(/-/g, "");
  let n = 0;
  const write = (messages: string[], identifier = "sshd") => {
    const text = messages
      .map((message) => {
        n++;
        const usec = (Date.UTC(2026, 10, 2, 6, 40, 0) + n * 1000) * 1000;
        return `__REALTIME_TIMESTAMP=${usec}\n__MONOTONIC_TIMESTAMP=${n * 1_000_000}\n_BOOT_ID=${bootId}\n_HOSTNAME=web1\nSYSLOG_IDENTIFIER=${identifier}\n_PID=4242\nMESSAGE=${message}\n\n`;
      })
      .join("");
    const exportFile = join(dir, `batch-${n}.export`);
    writeFileSync(exportFile, text);
    execFileSync(JOURNAL_REMOTE!, [`--output=${path}`, exportFile], { stdio: "ignore" });
  };
  return { path, write };
}

/** Waits until the source persisted its starting position (before it emits anything). */
async function positioned(offsets: OffsetStore, key: string): Promise<unknown> {
  for (let i = 0; i < 250 && offsets.get(key) === undefined; i++) await sleep(20);
  return offsets.get(key);
}

/** A tail-mode source running the real journalctl with `filters`. */
function startReal(filters: string[], offsets: OffsetStore) {
  const source = createJournalctlSource({
    name: "real",
    labels: { type: "syslog" },
    filters,
    mode: "tail",
    offsets,
  });
  cleanups.push(() => source.close());
  return { source, key: journalOffsetKey(filters) };
}

describe("journalctl source with the real journalctl", () => {
  it("surfaces the real journalctl's error for an unusable journal", async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const offsets = OffsetStore.inMemory();
    const filters = [`--directory=${t.dir}`];
    await offsets.set(journalOffsetKey(filters), "s=0;i=1");
    const { source } = startReal(filters, offsets);
    await expect(take(source[Symbol.asyncIterator](), 1)).rejects.toThrow(/journalctl exited with/);
  });
});

const skipJournal = skipWithoutJournal("journalctl first start on a real journal");

describe.skipIf(skipJournal)(
  "journalctl first start on a journal written by systemd-journal-remote",
  { timeout: 30_000 },
  () => {
    const startOn = (path: string, offsets: OffsetStore) =>
      startReal([`--file=${path}`, "SYSLOG_IDENTIFIER=sshd"], offsets);
    const messages = (lines: LogLine[]) =>
      lines.map((l) => l.line.replace(/^.*sshd\[4242\]: /, ""));

    it("a restart before the first commit re-reads the first run's entries, never older ones", async () => {
      const t = tempDir("rampart-journal-");
      cleanups.push(t.cleanup);
      const journal = remoteJournal(t.dir);
      journal.write(["older than the agent"]);
      const statePath = join(t.dir, "offsets.json");

      const offsets = OffsetStore.open(statePath);
      const first = startOn(journal.path, offsets);
      const it1 = first.source[Symbol.asyncIterator]();
      expect(await positioned(offsets, first.key)).toMatch(/^s=.*;i=1;/);
      journal.write(["a", "b"]);
      expect(messages(await take(it1, 2, 10_000))).toEqual(["a", "b"]);
      await first.source.close(); // nothing acknowledged

      journal.write(["while down"]);
      const second = startOn(journal.path, OffsetStore.open(statePath));
      const it2 = second.source[Symbol.asyncIterator]();
      expect(messages(await take(it2, 3, 10_000))).toEqual(["a", "b", "while down"]);
      expect(await take(it2, 1, 500)).toEqual([]);
    });

    it("a first start with no matching entry yet reads every match after a restart", async () => {
      const t = tempDir("rampart-journal-");
      cleanups.push(t.cleanup);
      const journal = remoteJournal(t.dir);
      journal.write(["boot"], "kernel"); // the file exists, nothing matches the filter
      const statePath = join(t.dir, "offsets.json");

      const offsets = OffsetStore.open(statePath);
      const first = startOn(journal.path, offsets);
      expect(await positioned(offsets, first.key)).toEqual(FROM_HEAD);
      await first.source.close();

      journal.write(["while down 1", "while down 2"]);
      const second = startOn(journal.path, OffsetStore.open(statePath));
      const it2 = second.source[Symbol.asyncIterator]();
      expect(messages(await take(it2, 2, 10_000))).toEqual(["while down 1", "while down 2"]);
      expect(await take(it2, 1, 500)).toEqual([]);
    });
  },
);

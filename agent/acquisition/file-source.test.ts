import {
  appendFileSync,
  closeSync,
  copyFileSync,
  openSync,
  readdirSync,
  readlinkSync,
  renameSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sleep, take, tempDir } from "../../test/support/acquisition.js";
import { createFileSource, type FileSourceOptions } from "./file-source.js";
import { OffsetStore } from "./offset-store.js";
import type { AcquisitionSource, FileCursor, LogLine } from "./types.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

function start(options: Partial<FileSourceOptions> & { patterns: string[] }): AcquisitionSource {
  const source = createFileSource({
    name: "test",
    labels: { type: "syslog" },
    mode: "tail",
    pollIntervalMs: 20,
    rotationGraceMs: 150,
    ...options,
  });
  cleanups.push(() => source.close());
  return source;
}

/** The directory of each `started` source's sync files, and how many markers it has had. */
const syncDirs = new WeakMap<AcquisitionSource, { dir: string; markers: number }>();

/**
 * `start`, resolved once the first scan has opened every file the patterns match (the files present
 * at their end, CrowdSec's tail rule). A scan takes the files in pattern order, so its look-up of
 * the saved position of the `ready` file in a directory matched last comes after the test's files
 * were opened.
 */
async function started(
  options: Partial<FileSourceOptions> & { patterns: string[] },
): Promise<AcquisitionSource> {
  const dir = setup();
  const ready = join(dir, "ready");
  writeFileSync(ready, "");
  const offsets = options.offsets ?? OffsetStore.inMemory();
  let scanned = false;
  const get = offsets.get.bind(offsets);
  offsets.get = (key) => {
    if (key === ready) scanned = true;
    return get(key);
  };
  const source = start({ ...options, offsets, patterns: [...options.patterns, join(dir, "*")] });
  syncDirs.set(source, { dir, markers: 0 });
  await vi.waitFor(() => expect(scanned, "first scan done").toBe(true), {
    timeout: 5000,
    interval: 5,
  });
  return source;
}

/**
 * The lines a `started` source delivers before it has done a whole scan begun after this call: a
 * new file in its sync directory is found by such a scan and, being tracked last, drained last.
 */
async function settled(source: AcquisitionSource, it: AsyncIterator<LogLine>): Promise<string[]> {
  const sync = syncDirs.get(source);
  if (!sync) throw new Error("settled needs a source from started");
  const marker = `settled ${++sync.markers}`;
  writeFileSync(join(sync.dir, `marker-${sync.markers}`), `${marker}\n`);
  const before: string[] = [];
  for (;;) {
    const [next] = await take(it, 1);
    if (next === undefined) throw new Error(`${marker} was not delivered`);
    if (next.line === marker) return before;
    before.push(next.line);
  }
}

/** How many of this process's file descriptors are open on a path starting with `prefix`. */
function openOn(prefix: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(prefix);
    } catch {
      return false;
    }
  }).length;
}

const lines = (from: number, to: number, prefix = "line") => {
  let out = "";
  for (let i = from; i < to; i++) out += `${prefix} ${i}\n`;
  return out;
};
const texts = (got: { line: string }[]) => got.map((l) => l.line);
const expected = (from: number, to: number, prefix = "line") =>
  lines(from, to, prefix).trimEnd().split("\n");

describe("file source (tail mode)", () => {
  it("starts existing files at their end and reads files created later from the start", async () => {
    const dir = setup();
    writeFileSync(join(dir, "a.log"), lines(0, 5, "old"));
    const source = await started({ patterns: [join(dir, "*.log")] });
    const it = source[Symbol.asyncIterator]();
    appendFileSync(join(dir, "a.log"), lines(0, 3, "a"));
    writeFileSync(join(dir, "b.log"), lines(0, 2, "b"));
    writeFileSync(join(dir, "c.txt"), "not matched\n");
    const got = await take(it, 5);
    expect(texts(got).sort()).toEqual([...expected(0, 3, "a"), ...expected(0, 2, "b")].sort());
    expect(got.find((l) => l.line === "b 0")).toMatchObject({
      source: join(dir, "b.log"),
      module: "file",
      labels: { type: "syslog" },
      cursor: { kind: "file", path: join(dir, "b.log"), offset: 4 },
    });
  });

  it("follows rename + create rotation mid-stream, draining late writes to the old file", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    writeFileSync(log, "");
    const source = await started({ patterns: [log] });
    const it = source[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 100));
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(200, 250));
    // The daemon has not reopened yet: it still writes to the renamed file.
    appendFileSync(`${log}.1`, lines(100, 200));
    appendFileSync(log, lines(250, 300));
    const got = await take(it, 300);
    expect(texts(got).sort()).toEqual(expected(0, 300).sort());
    // Nothing more once the old generation was closed after the grace period.
    await vi.waitFor(() => expect(openOn(`${log}.1`)).toBe(0), { timeout: 3000, interval: 20 });
    expect(await settled(source, it)).toEqual([]);
  });

  it("follows copytruncate mid-stream, recovering lines written just before the copy", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    writeFileSync(log, "");
    const source = await started({ patterns: [log] });
    const it = source[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 50));
    expect(texts(await take(it, 50))).toEqual(expected(0, 50));
    // Written and rotated before the next poll: only the copy still has lines 50..80.
    appendFileSync(log, lines(50, 80));
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(80, 90));
    const got = await take(it, 40);
    expect(texts(got)).toEqual(expected(50, 90));
    expect(await settled(source, it)).toEqual([]);
  });

  it("detects a truncation that regrew past the old offset by the changed first bytes", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    writeFileSync(log, "");
    const source = await started({ patterns: [log], pollIntervalMs: 200 });
    const it = source[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 3));
    expect(texts(await take(it, 3))).toEqual(expected(0, 3));
    truncateSync(log, 0);
    appendFileSync(log, lines(0, 20, "new"));
    const regrown = await take(it, 20, 2000);
    expect(texts(regrown)).toEqual(expected(0, 20, "new"));
  });

  it("resumes after the last committed line on restart, also across a rename while down", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    const statePath = join(dir, "state", "offsets.json");
    writeFileSync(log, "");
    const first = await started({
      name: "t",
      labels: { type: "x" },
      patterns: [log],
      rotationGraceMs: 2000,
      offsets: OffsetStore.open(statePath),
    });
    const it1 = first[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 10));
    const got1 = await take(it1, 10);
    await first.commit(got1[5]!.cursor); // lines 6..9 were never acknowledged
    await first.close();

    appendFileSync(log, lines(10, 15));
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(15, 20));
    const second = start({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const got2 = await take(second[Symbol.asyncIterator](), 14);
    expect(texts(got2)).toEqual(expected(6, 20));
  });

  it("reads every generation renamed while down, oldest first, after the saved one", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    const statePath = join(dir, "state", "offsets.json");
    writeFileSync(log, "");
    const first = await started({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const it1 = first[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 10));
    const got1 = await take(it1, 10);
    await first.commit(got1[5]!.cursor); // lines 6..9 were never acknowledged
    await first.close();

    // Two logrotate `create` rotations while the agent is down.
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(10, 20));
    renameSync(`${log}.1`, `${log}.2`);
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(20, 25));
    const second = start({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const got2 = await take(second[Symbol.asyncIterator](), 19);
    expect(texts(got2)).toEqual(expected(6, 25));
  });

  it("continues offsets past the old content after a copytruncate, so no cursor names two lines", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    writeFileSync(log, "");
    const source = await started({ patterns: [log] });
    const it = source[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 10, "old")); // 10 lines of 6 bytes
    const before = await take(it, 10);
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(0, 10, "new")); // the same lengths: the same file positions
    const after = await take(it, 10);
    expect(texts(after)).toEqual(expected(0, 10, "new"));
    const offsets = [...before, ...after].map((l) => (l.cursor as FileCursor).offset);
    expect(new Set(offsets).size).toBe(20);
    expect(after[0]!.cursor).toMatchObject({ offset: 60 + 6, base: 60 });
  });

  it("keeps a copytruncate's offsets across a restart, and continues them after one while down", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    const statePath = join(dir, "state", "offsets.json");
    writeFileSync(log, "");
    const first = await started({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const it1 = first[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 10, "old"));
    await take(it1, 10);
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(0, 10, "mid"));
    const mid = await take(it1, 10);
    await first.commit(mid[4]!.cursor); // mid 5..9 were never acknowledged
    await first.close();
    // Resumed at its position in the file (offset - base), with the same offsets as before.
    const second = start({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const it2 = second[Symbol.asyncIterator]();
    const again = await take(it2, 5);
    expect(again.map((l) => l.cursor)).toEqual(mid.slice(5).map((l) => l.cursor));
    await second.commit(again[4]!.cursor);
    await second.close();
    // A second copytruncate while down: offsets go on past the copy's content.
    appendFileSync(log, lines(10, 12, "mid"));
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(0, 3, "late"));
    const third = start({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const got = await take(third[Symbol.asyncIterator](), 5);
    expect(texts(got)).toEqual([...expected(10, 12, "mid"), ...expected(0, 3, "late")]);
    // old 0..9 and mid 0..9 (6 bytes each), mid 10..11 (7 bytes each).
    const copyEnd = 60 + 60 + 14;
    expect(got.map((l) => (l.cursor as FileCursor).offset)).toEqual([
      127,
      134,
      copyEnd + 7,
      copyEnd + 14,
      copyEnd + 21,
    ]);
  });

  it("reads the copies of several copytruncates while down in order, offsets running on", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    const statePath = join(dir, "state", "offsets.json");
    writeFileSync(log, "");
    const first = await started({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const it1 = first[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 10, "aaa"));
    const got1 = await take(it1, 10);
    await first.commit(got1[5]!.cursor); // aaa 6..9 were never acknowledged
    await first.close();
    // Two logrotate `copytruncate` rotations while down (the copies shift like logrotate's).
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(0, 10, "bbb"));
    renameSync(`${log}.1`, `${log}.2`);
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(`${log}.2`, hourAgo, hourAgo); // as rotations hours apart
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(0, 3, "ccc"));
    const second = start({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const got2 = await take(second[Symbol.asyncIterator](), 17);
    expect(texts(got2)).toEqual([
      ...expected(6, 10, "aaa"),
      ...expected(0, 10, "bbb"),
      ...expected(0, 3, "ccc"),
    ]);
    // One inode, offsets running on through the three contents (6-byte lines).
    expect(new Set(got2.map((l) => (l.cursor as FileCursor).ino)).size).toBe(1);
    expect(got2.map((l) => (l.cursor as FileCursor).offset)).toEqual(
      Array.from({ length: 17 }, (_, i) => 42 + 6 * i),
    );
  });

  it("records where a first start began, so a restart before any commit loses nothing", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    const statePath = join(dir, "state", "offsets.json");
    writeFileSync(log, lines(0, 5, "old"));
    const first = await started({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const it1 = first[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 3, "new"));
    await take(it1, 3); // read, never acknowledged
    await first.close();
    appendFileSync(log, lines(3, 5, "new"));
    const second = start({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const got = await take(second[Symbol.asyncIterator](), 5);
    expect(texts(got)).toEqual(expected(0, 5, "new"));
  });

  it("never reads a copytruncate's new content as the old one's continuation while paused", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    writeFileSync(log, "");
    // A tiny queue and no consumer: the reader stops in the middle of the old content.
    const source = await started({ patterns: [log], queueCapacity: 2 });
    const it = source[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 20_000, "old"));
    // The first 64 KiB chunk was read: the reader is held on the full queue, mid-file.
    await vi.waitFor(() => expect(source.stats.read).toBeGreaterThan(0), { interval: 5 });
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(0, 30_000, "NEW")); // longer than the old content
    const got = await take(it, 50_000, 20_000);
    expect(texts(got)).toEqual([...expected(0, 20_000, "old"), ...expected(0, 30_000, "NEW")]);
  }, 30_000);

  it("resumes through a copytruncate done while down, even when the file regrew past the offset", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    const statePath = join(dir, "state", "offsets.json");
    writeFileSync(log, "");
    const first = await started({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const it1 = first[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 10));
    const got1 = await take(it1, 10);
    await first.commit(got1[5]!.cursor); // lines 6..9 were never acknowledged
    await first.close();

    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(0, 40, "new")); // longer than the saved offset
    const second = start({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const got2 = await take(second[Symbol.asyncIterator](), 44);
    expect(texts(got2)).toEqual([...expected(6, 10), ...expected(0, 40, "new")]);
  });

  it("counts and skips hostile lines without holding a 1 MiB line in memory", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    writeFileSync(log, "");
    const source = await started({ patterns: [log], maxLineBytes: 4096 });
    const it = source[Symbol.asyncIterator]();
    appendFileSync(log, "ok 1\n");
    appendFileSync(log, `${"A".repeat(1024 * 1024)}\n`);
    appendFileSync(log, Buffer.from([0xff, 0xfe, 0x41, 0x0a])); // invalid UTF-8
    appendFileSync(log, Buffer.from([0x41, 0x00, 0x42, 0x0a])); // NUL byte
    appendFileSync(log, "\n\nok 2 é\n");
    expect(texts(await take(it, 2))).toEqual(["ok 1", "ok 2 é"]);
    expect(source.stats.skipped).toMatchObject({ tooLong: 1, invalidUtf8: 1, binary: 1 });
  });
});

describe("file source (cat mode)", () => {
  it("replays plain and gzip'd rotated files once, then ends", async () => {
    const dir = setup();
    writeFileSync(join(dir, "auth.log.2.gz"), gzipSync(lines(0, 1000, "gz")));
    writeFileSync(join(dir, "auth.log.1"), lines(0, 3, "plain"));
    const offsets = OffsetStore.inMemory();
    const source = start({ patterns: [join(dir, "auth.log*")], mode: "cat", offsets });
    const got: string[] = [];
    for await (const l of source) {
      got.push(l.line);
      await source.commit(l.cursor);
    }
    expect(got).toEqual([...expected(0, 3, "plain"), ...expected(0, 1000, "gz")]);
    // A replay leaves the live tailer's positions alone.
    expect(offsets.get(join(dir, "auth.log.1"))).toBeUndefined();
  });
});

describe("file source lifecycle", () => {
  it("releases a deleted file's handle after the grace period and reads a re-created one from the start", async () => {
    const dir = setup();
    const log = join(dir, "gone.log");
    writeFileSync(log, "");
    const source = await started({ patterns: [log] });
    const it = source[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 2));
    expect(texts(await take(it, 2))).toEqual(expected(0, 2));
    expect(openOn(log)).toBe(1);
    unlinkSync(log);
    await vi.waitFor(() => expect(openOn(log)).toBe(0), { timeout: 3000, interval: 20 });
    writeFileSync(log, lines(0, 2, "again"));
    expect(texts(await take(it, 2))).toEqual(expected(0, 2, "again"));
  });
});

describe("file source under a continuous writer", () => {
  it("delivers every line exactly once through alternating rename and copytruncate rotations", async () => {
    const dir = setup();
    const log = join(dir, "busy.log");
    writeFileSync(log, "");
    const source = await started({ patterns: [log] });
    const it = source[Symbol.asyncIterator]();
    const total = 6000;
    const seen: string[] = [];
    const reader = (async () => {
      while (seen.length < total) {
        const next = await it.next();
        if (next.done) return;
        seen.push(next.value.line);
      }
    })();
    const delivered = (count: number) =>
      vi.waitFor(() => expect(seen.length).toBe(count), { timeout: 10_000, interval: 5 });
    const writer = (async () => {
      let fd = openSync(log, "a");
      let rotations = 0;
      for (let i = 0; i < total; i++) {
        writeSync(fd, `busy ${i}\n`);
        // The writer's pace (not a synchronisation): the source reads while lines are written.
        if (i % 50 === 49 && i % 1000 < 950) await sleep(2);
        // Two rotations within one poll would hide the generation in between (README): every
        // line so far delivered means the previous rotation was followed. The 50 lines written
        // from here on are still unread when the next rotation happens.
        if (i % 1000 === 949) await delivered(i + 1);
        if (i % 1000 === 999) {
          rotations++;
          if (rotations % 2 === 1) {
            // logrotate `create`: rename, new file, the daemon keeps its old fd for a while.
            renameSync(log, `${log}.${rotations}`);
            writeFileSync(log, "");
            for (let j = 0; j < 20; j++) writeSync(fd, `busy ${++i}\n`);
            closeSync(fd);
            fd = openSync(log, "a");
          } else {
            // logrotate `copytruncate` (the copy and truncate happen while the daemon is idle).
            copyFileSync(log, `${log}.${rotations}`);
            truncateSync(log, 0);
          }
        }
      }
      closeSync(fd);
    })();
    await writer;
    await delivered(total);
    await reader;
    expect(new Set(seen).size).toBe(seen.length); // no line twice
    expect(seen.sort()).toEqual(expected(0, total, "busy").sort()); // none missing
    // Nothing more once the renamed generations were closed after the grace period.
    await vi.waitFor(() => expect(openOn(`${log}.`)).toBe(0), { timeout: 3000, interval: 20 });
    expect(await settled(source, it)).toEqual([]);
  }, 30_000);
});

describe("file source with a glob matching rotated names", () => {
  it("does not re-read a renamed generation that the glob matches under its new name", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    writeFileSync(log, "");
    const source = await started({ patterns: [`${log}*`] });
    const it = source[Symbol.asyncIterator]();
    appendFileSync(log, lines(0, 10));
    expect(texts(await take(it, 10))).toEqual(expected(0, 10));
    appendFileSync(log, lines(10, 15));
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(15, 20));
    const got = await take(it, 10);
    expect(texts(got).sort()).toEqual(expected(10, 20).sort());
    // Past the grace period the old generation is closed; it must not come back from its start
    // (the scan after the close would find it under its new name and read it before the marker).
    await vi.waitFor(() => expect(openOn(`${log}.1`)).toBe(0), { timeout: 3000, interval: 20 });
    expect(await settled(source, it)).toEqual([]);
  });
});

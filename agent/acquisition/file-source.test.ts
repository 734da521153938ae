import { appendFileSync, copyFileSync, renameSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { createFileSource, type FileSourceOptions } from "./file-source.js";
import { OffsetStore } from "./offset-store.js";
import { sleep, take, tempDir } from "./test-support.js";
import type { AcquisitionSource, FileCursor } from "./types.js";

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
    const source = start({ patterns: [join(dir, "*.log")] });
    const it = source[Symbol.asyncIterator]();
    await sleep(60);
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
    const source = start({ patterns: [log] });
    const it = source[Symbol.asyncIterator]();
    await sleep(60);
    appendFileSync(log, lines(0, 100));
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(200, 250));
    // The daemon has not reopened yet: it still writes to the renamed file.
    appendFileSync(`${log}.1`, lines(100, 200));
    appendFileSync(log, lines(250, 300));
    const got = await take(it, 300);
    expect(texts(got).sort()).toEqual(expected(0, 300).sort());
    expect(await take(it, 1, 400)).toEqual([]);
  });

  it("follows copytruncate mid-stream, recovering lines written just before the copy", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    writeFileSync(log, "");
    const source = start({ patterns: [log] });
    const it = source[Symbol.asyncIterator]();
    await sleep(60);
    appendFileSync(log, lines(0, 50));
    expect(texts(await take(it, 50))).toEqual(expected(0, 50));
    // Written and rotated before the next poll: only the copy still has lines 50..80.
    appendFileSync(log, lines(50, 80));
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(80, 90));
    const got = await take(it, 40);
    expect(texts(got)).toEqual(expected(50, 90));
    expect(await take(it, 1, 300)).toEqual([]);
  });

  it("detects a truncation that regrew past the old offset by the changed first bytes", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    writeFileSync(log, "");
    const source = start({ patterns: [log], pollIntervalMs: 200 });
    const it = source[Symbol.asyncIterator]();
    await sleep(300);
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
    const first = createFileSource({
      name: "t",
      labels: { type: "x" },
      mode: "tail",
      patterns: [log],
      pollIntervalMs: 20,
      offsets: OffsetStore.open(statePath),
    });
    const it1 = first[Symbol.asyncIterator]();
    await sleep(60);
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
    const first = start({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const it1 = first[Symbol.asyncIterator]();
    await sleep(60);
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
    const source = start({ patterns: [log] });
    const it = source[Symbol.asyncIterator]();
    await sleep(60);
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
    const first = start({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const it1 = first[Symbol.asyncIterator]();
    await sleep(60);
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
    const first = start({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const it1 = first[Symbol.asyncIterator]();
    await sleep(60);
    appendFileSync(log, lines(0, 10, "aaa"));
    const got1 = await take(it1, 10);
    await first.commit(got1[5]!.cursor); // aaa 6..9 were never acknowledged
    await first.close();
    // Two logrotate `copytruncate` rotations while down (the copies shift like logrotate's).
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(0, 10, "bbb"));
    await sleep(20); // distinct modification times, as rotations hours apart
    renameSync(`${log}.1`, `${log}.2`);
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
    const first = start({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const it1 = first[Symbol.asyncIterator]();
    await sleep(60);
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
    const source = start({ patterns: [log], queueCapacity: 2 });
    const it = source[Symbol.asyncIterator]();
    await sleep(60);
    appendFileSync(log, lines(0, 20_000, "old"));
    await sleep(100);
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
    const first = start({ patterns: [log], offsets: OffsetStore.open(statePath) });
    const it1 = first[Symbol.asyncIterator]();
    await sleep(60);
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
    const source = start({ patterns: [log], maxLineBytes: 4096 });
    const it = source[Symbol.asyncIterator]();
    await sleep(60);
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
    const { readdirSync, readlinkSync, unlinkSync } = await import("node:fs");
    const dir = setup();
    const log = join(dir, "gone.log");
    writeFileSync(log, "");
    const source = start({ patterns: [log] });
    const it = source[Symbol.asyncIterator]();
    await sleep(60);
    appendFileSync(log, lines(0, 2));
    expect(texts(await take(it, 2))).toEqual(expected(0, 2));
    const openOn = () =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(log);
        } catch {
          return false;
        }
      }).length;
    expect(openOn()).toBe(1);
    unlinkSync(log);
    for (let i = 0; i < 150 && openOn() > 0; i++) await sleep(20);
    expect(openOn()).toBe(0);
    writeFileSync(log, lines(0, 2, "again"));
    expect(texts(await take(it, 2))).toEqual(expected(0, 2, "again"));
  });
});

describe("file source under a continuous writer", () => {
  it("delivers every line exactly once through alternating rename and copytruncate rotations", async () => {
    const { closeSync, openSync, writeSync } = await import("node:fs");
    const dir = setup();
    const log = join(dir, "busy.log");
    writeFileSync(log, "");
    const source = start({ patterns: [log] });
    const it = source[Symbol.asyncIterator]();
    await sleep(60);
    const total = 6000;
    const writer = (async () => {
      let fd = openSync(log, "a");
      let rotations = 0;
      for (let i = 0; i < total; i++) {
        writeSync(fd, `busy ${i}\n`);
        if (i % 50 === 49) await sleep(2);
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
          // Two rotations within one poll would hide the generation in between (README).
          await sleep(100);
        }
      }
      closeSync(fd);
    })();
    const got = await take(it, total, 15_000);
    await writer;
    const seen = texts(got);
    expect(new Set(seen).size).toBe(seen.length); // no line twice
    expect(seen.length).toBe(total); // none missing
    expect(await take(it, 1, 300)).toEqual([]);
  }, 30_000);
});

describe("file source with a glob matching rotated names", () => {
  it("does not re-read a renamed generation that the glob matches under its new name", async () => {
    const dir = setup();
    const log = join(dir, "app.log");
    writeFileSync(log, "");
    const source = start({ patterns: [`${log}*`] });
    const it = source[Symbol.asyncIterator]();
    await sleep(60);
    appendFileSync(log, lines(0, 10));
    expect(texts(await take(it, 10))).toEqual(expected(0, 10));
    appendFileSync(log, lines(10, 15));
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(15, 20));
    const got = await take(it, 10);
    expect(texts(got).sort()).toEqual(expected(10, 20).sort());
    // Past the grace period the old generation is closed; it must not come back from its start.
    expect(await take(it, 1, 600)).toEqual([]);
  });
});

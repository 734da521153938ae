/**
 * The `file` acquisition source: tails every file matching the globs (Go `filepath.Glob`), picks
 * up files created later, and survives both rotation strategies without losing or repeating a
 * line:
 * - rename + create: the renamed generation stays open and is drained until it has been idle for
 *   `rotationGraceMs` (a daemon keeps writing to it until it reopens its log), the new file is
 *   read from its first byte;
 * - copytruncate: a shrunk file, or one whose first bytes changed, was truncated; the bytes written
 *   between our last read and the copy are recovered from the sibling that starts with the same
 *   bytes (the copy), then the truncated file is read from 0.
 * Positions are `FileCursor`s (path, device, inode, offset) persisted on `commit`; a restart
 * resumes after the last committed line, also when the file was renamed while the agent was down.
 *
 * CrowdSec 1.4.6 (`pkg/acquisition/modules/file`) starts existing files at their end on every
 * start (lines in flight are lost) and reads new files in watched directories from the start; we
 * do the same on a first start. `mode: cat` (and `-dsn file://`) reads each file once, `.gz`
 * decompressed, then the source ends.
 */
import { createReadStream, type Stats } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { findCopytruncateCopy, readAt, resumePlan } from "./file-identity.js";
import { goGlob } from "./go-glob.js";
import { LineQueue } from "./line-queue.js";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter, type SplitLine } from "./line-splitter.js";
import { OffsetStore } from "./offset-store.js";
import {
  type AcquisitionSource,
  type Cursor,
  emptySkipCounters,
  type FileCursor,
  type LogLine,
} from "./types.js";

/** Options of a file source (the compiled form of a `source: file` entry). */
export interface FileSourceOptions {
  name: string;
  labels: Record<string, string>;
  patterns: readonly string[];
  excludeRegexps?: readonly RegExp[];
  mode: "tail" | "cat";
  offsets?: OffsetStore;
  pollIntervalMs?: number;
  rotationGraceMs?: number;
  maxLineBytes?: number;
  queueCapacity?: number;
}

const CHUNK = 64 * 1024;
const FINGERPRINT_BYTES = 64;

function setFingerprint(gen: Generation, bytes: Buffer): void {
  gen.fingerprint = bytes;
  gen.head = bytes.toString("base64");
}

interface Generation {
  path: string;
  handle: FileHandle;
  /** What cursors name: the file's device and inode, or the original's for a copytruncate copy. */
  identity: { dev: number; ino: number };
  /** Offset of byte 0 in cursors (`FileCursor.base`): grows at each copytruncate. */
  base: number;
  dev: number;
  ino: number;
  readPos: number;
  splitter: LineSplitter;
  /** First bytes of the file, to recognise truncation and find the copytruncate copy. */
  fingerprint: Buffer;
  /** `fingerprint` in base64, carried by every cursor (see `FileCursor.head`). */
  head: string;
  lastActivity: number;
}

interface Tracked {
  current: Generation | null;
  retired: Generation[];
}

/** Starts a file source; lines flow once the iterator is consumed. */
export function createFileSource(options: FileSourceOptions): AcquisitionSource {
  const queue = new LineQueue<LogLine>(options.queueCapacity ?? 1024);
  const offsets = options.offsets ?? OffsetStore.inMemory();
  const stats = { read: 0, skipped: emptySkipCounters() };
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const poll = options.pollIntervalMs ?? 250;
  const grace = options.rotationGraceMs ?? 2000;
  const tracked = new Map<string, Tracked>();
  /** Generations read to the end after a rotation (device:inode → offset), see `scan`. */
  const finishedAt = new Map<string, { offset: number; base: number; fingerprint: Buffer }>();
  const buffer = Buffer.allocUnsafe(CHUNK);
  let closed = false;
  let wake: (() => void) | null = null;

  const excluded = (path: string) => options.excludeRegexps?.some((re) => re.test(path)) ?? false;
  const matching = () => {
    const paths = new Set<string>();
    for (const pattern of options.patterns) for (const p of goGlob(pattern)) paths.add(p);
    return [...paths].filter((p) => !excluded(p));
  };

  async function emit(gen: Generation, lines: SplitLine[]): Promise<void> {
    for (const { text, end } of lines) {
      const cursor: FileCursor = {
        kind: "file",
        path: gen.path,
        dev: gen.identity.dev,
        ino: gen.identity.ino,
        offset: end,
        head: gen.head,
      };
      if (gen.base > 0) cursor.base = gen.base;
      await queue.push({
        line: text,
        source: gen.path,
        module: "file",
        labels: options.labels,
        time: Date.now(),
        cursor,
      });
    }
  }

  async function openGeneration(
    path: string,
    from: "start" | "end" | number,
    as: { base?: number; identity?: { dev: number; ino: number } } = {},
  ) {
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch {
      return null;
    }
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      return null;
    }
    const start = from === "start" ? 0 : from === "end" ? st.size : Math.min(from, st.size);
    const base = as.base ?? 0;
    const gen: Generation = {
      path,
      handle,
      identity: as.identity ?? { dev: st.dev, ino: st.ino },
      base,
      dev: st.dev,
      ino: st.ino,
      readPos: start,
      splitter: new LineSplitter(stats.skipped, maxLineBytes, base + start),
      fingerprint: Buffer.alloc(0),
      head: "",
      lastActivity: Date.now(),
    };
    setFingerprint(gen, await readAt(handle, 0, FINGERPRINT_BYTES));
    return gen;
  }

  async function stillStartsWith(gen: Generation): Promise<boolean> {
    if (gen.fingerprint.length === 0) return true;
    const head = await readAt(gen.handle, 0, gen.fingerprint.length);
    return head.equals(gen.fingerprint);
  }

  /** Reads `gen` from its position to its current end. */
  async function drain(gen: Generation, size: number): Promise<void> {
    while (gen.readPos < size && !queue.isEnded) {
      const at = gen.readPos;
      const { bytesRead } = await gen.handle.read(buffer, 0, CHUNK, at);
      if (bytesRead === 0) break;
      // A copytruncate since the size was taken (the reader may have been paused for long on a
      // full queue) puts the new content at our position: these bytes are not the old content's
      // continuation. Dropped here; the next scan recovers the old content from the copy.
      if (at >= FINGERPRINT_BYTES && !(await stillStartsWith(gen))) break;
      const chunk = buffer.subarray(0, bytesRead);
      // The fingerprint is built from the bytes actually read, never re-read later: the file may
      // have been truncated and rewritten in between.
      if (gen.fingerprint.length < FINGERPRINT_BYTES && at === gen.fingerprint.length) {
        const more = chunk.subarray(0, FINGERPRINT_BYTES - at);
        setFingerprint(gen, Buffer.concat([gen.fingerprint, more]));
      }
      gen.readPos += bytesRead;
      gen.lastActivity = Date.now();
      const lines = gen.splitter.push(chunk);
      stats.read += lines.length;
      await emit(gen, lines);
    }
  }

  /** Where a renamed, already-read generation ends; null for a new file (or a reused inode). */
  async function finishedPosition(
    path: string,
    st: Stats,
  ): Promise<{ from: number; base: number } | null> {
    const key = `${st.dev}:${st.ino}`;
    const known = finishedAt.get(key);
    if (known === undefined) return null;
    finishedAt.delete(key);
    if (st.size < known.offset) return null;
    const handle = await open(path, "r").catch(() => null);
    if (!handle) return null;
    const head = await readAt(handle, 0, known.fingerprint.length).finally(() => handle.close());
    return head.equals(known.fingerprint) ? { from: known.offset, base: known.base } : null;
  }

  function isTracked(dev: number, ino: number): boolean {
    for (const entry of tracked.values()) {
      if (entry.current?.ino === ino && entry.current.dev === dev) return true;
      if (entry.retired.some((gen) => gen.ino === ino && gen.dev === dev)) return true;
    }
    return false;
  }

  async function finish(gen: Generation): Promise<void> {
    finishedAt.set(`${gen.dev}:${gen.ino}`, {
      offset: gen.readPos,
      base: gen.base,
      fingerprint: gen.fingerprint,
    });
    const lines = gen.splitter.flush();
    stats.read += lines.length;
    await emit(gen, lines);
    await gen.handle.close();
  }

  /** copytruncate: recover the bytes the copy holds past our position, then restart at 0. */
  async function recoverTruncated(gen: Generation): Promise<void> {
    const copy = await findCopytruncateCopy(gen.path, gen.ino, gen.fingerprint);
    if (copy && copy.size > gen.readPos) {
      const handle = await open(copy.path, "r");
      try {
        let pos = gen.readPos;
        while (pos < copy.size) {
          const r = await handle.read(buffer, 0, Math.min(CHUNK, copy.size - pos), pos);
          if (r.bytesRead === 0) break;
          pos += r.bytesRead;
          const lines = gen.splitter.push(buffer.subarray(0, r.bytesRead));
          stats.read += lines.length;
          await emit(gen, lines);
        }
      } finally {
        await handle.close();
      }
    }
    const tail = gen.splitter.flush();
    stats.read += tail.length;
    await emit(gen, tail);
    // The same inode starts again at byte 0: offsets continue after the old content, so the new
    // lines never share an offset (an event id) with the old ones.
    gen.base = gen.splitter.committedOffset;
    gen.readPos = 0;
    gen.splitter = new LineSplitter(stats.skipped, maxLineBytes, gen.base);
    setFingerprint(gen, Buffer.alloc(0));
  }

  async function truncated(gen: Generation, st: Stats): Promise<boolean> {
    if (st.size < gen.readPos) return true;
    if (gen.fingerprint.length === 0) return false;
    const head = await readAt(gen.handle, 0, gen.fingerprint.length);
    return !head.equals(gen.fingerprint);
  }

  async function readHead(path: string): Promise<Buffer> {
    const handle = await open(path, "r").catch(() => null);
    if (!handle) return Buffer.alloc(0);
    return readAt(handle, 0, FINGERPRINT_BYTES).finally(() => handle.close());
  }

  /** On start: where to begin `path`, from its persisted cursor or CrowdSec's tail rule. */
  async function resume(path: string, st: Stats, firstScan: boolean, entry: Tracked) {
    // Files appearing while running are new: read from their start (saved positions would only
    // match by inode reuse).
    if (!firstScan) return { from: "start" as const, base: 0 };
    const saved = offsets.get(path) as FileCursor | undefined;
    if (saved?.kind === "file") {
      const plan = await resumePlan(path, st, saved);
      // Rotated while we were down: finish the old generation (or the copy) first.
      if (plan.drainFirst) {
        const { offset, base, identity } = plan.drainFirst;
        const gen = await openGeneration(plan.drainFirst.path, offset, { base, identity });
        if (gen) {
          gen.path = path;
          entry.retired.push(gen);
        }
      }
      // Retired generations are drained in order: the ones rotated in between come next.
      for (const between of plan.between) {
        const gen = await openGeneration(between.path, "start", {
          base: between.base,
          ...(between.identity ? { identity: between.identity } : {}),
        });
        if (gen) {
          gen.path = path;
          entry.retired.push(gen);
        }
      }
      return { from: plan.from, base: plan.base };
    }
    // CrowdSec's tail mode: files present at startup are read from their end. That start is
    // recorded at once: a restart before any line was acknowledged resumes there instead of
    // skipping to the then end (which would lose what this run read but did not deliver).
    const head = await readHead(path);
    await offsets.set(path, {
      kind: "file",
      path,
      dev: st.dev,
      ino: st.ino,
      offset: st.size,
      head: head.toString("base64"),
    } satisfies FileCursor);
    return { from: "end" as const, base: 0 };
  }

  async function scan(firstScan: boolean): Promise<void> {
    const present = matching();
    const seen = new Set(present);
    for (const [path, entry] of tracked) {
      // Gone (deleted, or renamed with no successor): once drained and idle, release the handle
      // so a deleted file's space is freed; a file created later at `path` is read from its start.
      const cur = entry.current;
      if (!seen.has(path) && cur && Date.now() - cur.lastActivity >= grace) {
        await drain(cur, (await cur.handle.stat()).size);
        if (Date.now() - cur.lastActivity >= grace) {
          entry.retired.push(cur);
          entry.current = null;
        }
      }
      if (entry.current === null && entry.retired.length === 0) tracked.delete(path);
    }
    for (const path of present) {
      const st = await stat(path).catch(() => null);
      if (!st?.isFile()) continue;
      let entry = tracked.get(path);
      if (!entry) {
        // A glob that also matches rotated names (`app.log*`) sees a renamed generation under its
        // new name: it is already being read (or was read to `finishedAt`), never from its start.
        if (isTracked(st.dev, st.ino)) continue;
        entry = { current: null, retired: [] };
        tracked.set(path, entry);
      }
      const cur = entry.current;
      if (cur === null) {
        const known = await finishedPosition(path, st);
        const { from, base } = known ?? (await resume(path, st, firstScan, entry));
        entry.current = await openGeneration(path, from, { base });
      } else if (cur.ino !== st.ino || cur.dev !== st.dev) {
        // rename + create: keep draining the old generation for the grace period.
        entry.retired.push(cur);
        entry.current = await openGeneration(path, "start");
      }
    }
    for (const entry of tracked.values()) {
      for (const gen of [...entry.retired]) {
        const st = await gen.handle.stat();
        await drain(gen, st.size);
        if (Date.now() - gen.lastActivity >= grace) {
          entry.retired.splice(entry.retired.indexOf(gen), 1);
          await finish(gen);
        }
      }
      const cur = entry.current;
      if (cur) {
        const st = await cur.handle.stat();
        if (await truncated(cur, st)) await recoverTruncated(cur);
        await drain(cur, (await cur.handle.stat()).size);
      }
    }
  }

  async function tailLoop(): Promise<void> {
    let first = true;
    while (!closed) {
      await scan(first);
      first = false;
      if (closed) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, poll);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
    for (const entry of tracked.values()) {
      for (const gen of entry.retired) await gen.handle.close();
      if (entry.current) await entry.current.handle.close();
    }
  }

  async function catOnce(): Promise<void> {
    for (const path of matching()) {
      if (closed) break;
      const st = await stat(path).catch(() => null);
      if (!st?.isFile()) continue;
      const splitter = new LineSplitter(stats.skipped, maxLineBytes, 0);
      const identity = { dev: st.dev, ino: st.ino };
      const gen = { path, dev: st.dev, ino: st.ino, identity, base: 0 } as Generation;
      const input = createReadStream(path);
      let stream: NodeJS.ReadableStream = input;
      if (path.endsWith(".gz")) {
        const gunzip = createGunzip();
        // `pipe` does not forward read errors: without this the iteration would never end.
        input.on("error", (error) => gunzip.destroy(error));
        stream = input.pipe(gunzip);
      }
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          const lines = splitter.push(chunk);
          stats.read += lines.length;
          await emit(gen, lines);
          if (closed) break;
        }
      } catch {
        // A corrupt or truncated archive, or a read error: the lines decoded so far are out, the
        // rest of the file counts as one malformed input (its cut last line is not emitted) and
        // the replay goes on with the next file, as CrowdSec logs and skips an unreadable file.
        stats.skipped.malformed++;
        continue;
      } finally {
        input.destroy();
      }
      const tail = splitter.flush();
      stats.read += tail.length;
      await emit(gen, tail);
    }
  }

  const running = (options.mode === "cat" ? catOnce() : tailLoop()).then(
    () => queue.end(),
    (error: unknown) => queue.end(error),
  );

  return {
    name: options.name,
    stats,
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    async commit(cursor: Cursor) {
      if (cursor.kind !== "file")
        throw new Error(`file source cannot commit a ${cursor.kind} cursor`);
      // A replay must not move the live tailer's positions (and `.gz` offsets are decompressed).
      if (options.mode === "cat") return;
      await offsets.set(cursor.path, cursor);
    },
    async close() {
      closed = true;
      wake?.();
      queue.end();
      await running;
      await offsets.flush();
    },
  };
}

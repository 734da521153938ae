/**
 * The disk spool: delivery batches waiting for the LAPI, one segment file per batch
 * (`seg-<16 digits>.ndjson`, one wire event per line) in `spool.dir`, delivered and deleted in
 * order. A segment is written whole (temp file + rename), so a `kill -9` never leaves a torn
 * one; a restart delivers the segments left by the previous run first (the LAPI drops the ids it
 * already has). The newest segments also stay in memory so a healthy LAPI costs no disk reads.
 *
 * The spool is bounded (`spool.max_bytes`): when full, the daemon stops pulling lines, which
 * pauses files and journald (their unread lines wait in the logs themselves) and makes UDP
 * syslog count its drops (`skipped.overflow`). CrowdSec 1.4.6 has no spool: alerts it cannot
 * push are retried in memory and lost on restart.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { WireEvent } from "../../src/shared/ingest-wire.js";

/** One spooled batch. */
export interface SpoolSegment {
  readonly id: number;
  readonly path: string;
  readonly bytes: number;
  readonly count: number;
  /**
   * Run-local seq of the last event (commit tracking); null for a previous run's segment until
   * {@link Spool.indexPrevious} numbers it.
   */
  lastSeq: number | null;
  /** The events while they are cached in memory. */
  events: WireEvent[] | null;
}

/** Where a previous run's spooled event sits: its run-local seq and its bucket targets. */
export interface SpooledEvent {
  seq: number;
  /** {@link bucketsDigest} of its targets: a re-read line is the same signal only if they match. */
  buckets: string;
}

/** A short digest of an event's bucket targets (the index keeps ~230 bytes per event, not ~400). */
export function bucketsDigest(buckets: WireEvent["buckets"]): string {
  return createHash("sha256").update(JSON.stringify(buckets)).digest("base64url").slice(0, 16);
}

/** Options of {@link Spool.open}. */
export interface SpoolOptions {
  maxBytes: number;
  /** How many of the newest segments keep their events in memory (default 4). */
  memorySegments?: number;
}

const SEGMENT = /^seg-(\d{16})\.ndjson$/;

/** An ordered, bounded, on-disk queue of batches. */
export class Spool {
  private readonly segments: SpoolSegment[] = [];
  private nextId: number;
  private totalBytes = 0;
  private totalEvents = 0;
  private spaceWaiters: (() => void)[] = [];
  private dataWaiters: (() => void)[] = [];

  private constructor(
    readonly dir: string,
    private readonly options: SpoolOptions,
    existing: SpoolSegment[],
  ) {
    for (const segment of existing) this.add(segment);
    this.nextId = (existing.at(-1)?.id ?? 0) + 1;
  }

  /** Opens `dir` (created if missing) and lists the segments a previous run left. */
  static open(dir: string, options: SpoolOptions): Spool {
    mkdirSync(dir, { recursive: true });
    const existing: SpoolSegment[] = [];
    for (const name of readdirSync(dir).sort()) {
      // A segment being written when the process died: its lines were never committed.
      if (name.endsWith(".ndjson.tmp")) rmSync(join(dir, name), { force: true });
      const match = SEGMENT.exec(name);
      if (!match) continue;
      const path = join(dir, name);
      const bytes = statSync(path).size;
      // The event count is unknown until read; one newline per event gives it cheaply later.
      existing.push({ id: Number(match[1]), path, bytes, count: 0, lastSeq: null, events: null });
    }
    return new Spool(dir, options, existing);
  }

  /**
   * Numbers the previous run's segments with run-local seqs `1..n` (in delivery order, so the
   * sender acknowledges them like this run's) and returns where each of their event ids sits and
   * the last seq taken.
   * The daemon uses it to skip re-read lines whose events are already spooled; call it before
   * the first `append`. Unreadable lines are left to delivery (which dead-letters them).
   */
  async indexPrevious(): Promise<{ events: Map<string, SpooledEvent>; lastSeq: number }> {
    const index = new Map<string, SpooledEvent>();
    let seq = 0;
    for (const segment of this.segments) {
      if (segment.lastSeq !== null) break;
      const { events } = await this.load(segment);
      for (const event of events) {
        index.set(event.id, { seq: ++seq, buckets: bucketsDigest(event.buckets) });
      }
      segment.lastSeq = seq;
    }
    return { events: index, lastSeq: seq };
  }

  /** Bytes on disk (the bounded quantity). */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Events known to be spooled (a previous run's segments count once read). */
  get events(): number {
    return this.totalEvents;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** True when the spool holds `max_bytes` or more: the daemon stops reading. */
  get full(): boolean {
    return this.totalBytes >= this.options.maxBytes;
  }

  /** Resolves when the spool is below its bound. */
  waitForSpace(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Resolves when a segment is available (or `wake()` is called). */
  waitForData(): Promise<void> {
    if (this.segments.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.dataWaiters.push(resolve));
  }

  /** Releases every `waitForData` waiter (shutdown). */
  wake(): void {
    for (const resolve of this.dataWaiters.splice(0)) resolve();
  }

  /**
   * Writes a batch as a new segment; `lines` are the events' JSON texts (already serialized by
   * the batcher), `lastSeq` the run-local seq of the last event.
   */
  async append(
    events: WireEvent[],
    lines: readonly string[],
    lastSeq: number,
  ): Promise<SpoolSegment> {
    const id = this.nextId++;
    const path = join(this.dir, `seg-${String(id).padStart(16, "0")}.ndjson`);
    const text = lines.length === 0 ? "" : `${lines.join("\n")}\n`;
    const tmp = `${path}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, path);
    const segment: SpoolSegment = {
      id,
      path,
      bytes: Buffer.byteLength(text),
      count: events.length,
      lastSeq,
      events,
    };
    this.add(segment);
    const cached = this.segments.filter((s) => s.events !== null);
    const keep = this.options.memorySegments ?? 4;
    for (const old of cached.slice(0, Math.max(0, cached.length - keep))) {
      if (old !== this.segments[0]) old.events = null;
    }
    for (const resolve of this.dataWaiters.splice(0)) resolve();
    return segment;
  }

  /** The oldest segment, next to deliver. */
  head(): SpoolSegment | undefined {
    return this.segments[0];
  }

  /**
   * The events of `segment` (from memory, else from disk). Lines that do not parse (a disk
   * problem, or a file edited by hand) are returned in `corrupt`, never silently dropped.
   */
  async load(segment: SpoolSegment): Promise<{ events: WireEvent[]; corrupt: string[] }> {
    if (segment.events !== null) return { events: segment.events, corrupt: [] };
    let text: string;
    try {
      text = await readFile(segment.path, "utf8");
    } catch (error) {
      // Deleted under us (by hand): nothing left to deliver; the caller logs the loss.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return { events: [], corrupt: [`<segment ${segment.path} vanished>`] };
      }
      throw error;
    }
    const events: WireEvent[] = [];
    const corrupt: string[] = [];
    for (const line of text.split("\n")) {
      if (line === "") continue;
      try {
        events.push(JSON.parse(line) as WireEvent);
      } catch {
        corrupt.push(line);
      }
    }
    if (segment.lastSeq === null && segment.count === 0) {
      // A previous run's segment: its events are counted now that they are known.
      (segment as { count: number }).count = events.length;
      this.totalEvents += events.length;
    }
    return { events, corrupt };
  }

  /** Deletes the head segment once delivered. */
  async remove(segment: SpoolSegment): Promise<void> {
    if (this.segments[0] !== segment) throw new Error("spool segments are removed in order");
    await unlink(segment.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
    this.segments.shift();
    this.totalBytes -= segment.bytes;
    this.totalEvents -= segment.count;
    segment.events = null;
    if (!this.full) for (const resolve of this.spaceWaiters.splice(0)) resolve();
  }

  private add(segment: SpoolSegment): void {
    this.segments.push(segment);
    this.totalBytes += segment.bytes;
    this.totalEvents += segment.count;
  }
}

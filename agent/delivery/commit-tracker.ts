/**
 * Which source positions may be committed: a line's cursor is committed only once the LAPI has
 * acknowledged every event produced by that line and by the lines its source emitted before it.
 * Lines that produce no event (most of them) ride along: they become committable as soon as
 * everything before them is. CrowdSec 1.4.6 has no such acknowledgement (it tails from the end
 * of each file on start), which is how it loses lines in flight.
 *
 * Events get a run-local sequence number in delivery order, and the spool delivers in that order,
 * so "acknowledged" is one number: every event with `seq <= acked`. Each source keeps a FIFO of
 * checkpoints `{required, cursors}`: the cursors (latest per key: file path, journal) of a run of
 * lines and the highest event seq of that source they wait for. One checkpoint per delivery
 * batch (epoch) keeps the FIFO as short as the number of batches in flight; past `maxCheckpoints`
 * the last one absorbs the new lines (later commits, never early ones).
 */
import type { Cursor } from "../acquisition/types.js";

/** What the tracker commits to: an `AcquisitionSource`. */
export interface Committable {
  commit(cursor: Cursor): Promise<void>;
}

interface Checkpoint {
  /** The source's highest event seq among these lines (and before them). */
  required: number;
  epoch: number;
  cursors: Map<string, Cursor>;
}

interface SourceState {
  lastEventSeq: number;
  checkpoints: Checkpoint[];
}

/** The key a source stores a cursor under: one file per path, one journal cursor per source. */
function cursorKey(cursor: Cursor): string {
  return cursor.kind === "file" ? `file:${cursor.path}` : cursor.kind;
}

/** Tracks lines in flight per source and commits the highest contiguous acknowledged cursor. */
export class CommitTracker {
  private readonly states = new Map<Committable, SourceState>();
  private acked = 0;
  private epoch = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly onError: (source: Committable, error: unknown) => void,
    private readonly maxCheckpoints = 10_000,
  ) {}

  /** Records a line of `source`; `eventSeq` is the seq of its event, null when it produced none. */
  observe(source: Committable, cursor: Cursor, eventSeq: number | null): void {
    let state = this.states.get(source);
    if (!state) {
      state = { lastEventSeq: 0, checkpoints: [] };
      this.states.set(source, state);
    }
    // A line whose event the previous run spooled carries that (lower) seq: never lower the bar.
    if (eventSeq !== null && eventSeq > state.lastEventSeq) state.lastEventSeq = eventSeq;
    const tail = state.checkpoints.at(-1);
    if (tail && (tail.epoch === this.epoch || state.checkpoints.length >= this.maxCheckpoints)) {
      tail.required = state.lastEventSeq;
      tail.cursors.set(cursorKey(cursor), cursor);
    } else {
      const cursors = new Map([[cursorKey(cursor), cursor]]);
      state.checkpoints.push({ required: state.lastEventSeq, epoch: this.epoch, cursors });
    }
  }

  /** A delivery batch was sealed: later lines start a new checkpoint. */
  nextEpoch(): void {
    this.epoch++;
  }

  /** Every event with `seq <= upTo` is acknowledged by the LAPI (or dead-lettered). */
  acknowledge(upTo: number): void {
    if (upTo > this.acked) this.acked = upTo;
  }

  /** The highest acknowledged event seq. */
  get acknowledged(): number {
    return this.acked;
  }

  /** Lines (checkpoints) still waiting, over all sources. */
  get waiting(): number {
    let n = 0;
    for (const state of this.states.values()) n += state.checkpoints.length;
    return n;
  }

  /**
   * Commits every ready checkpoint (latest cursor per key) to its source; resolves when done.
   * Calls are serialized so a source sees its commits in order.
   */
  commitReady(): Promise<void> {
    const batches: [Committable, Cursor[]][] = [];
    for (const [source, state] of this.states) {
      const ready = new Map<string, Cursor>();
      while (state.checkpoints.length > 0 && state.checkpoints[0]!.required <= this.acked) {
        for (const [key, cursor] of state.checkpoints.shift()!.cursors) {
          ready.delete(key);
          ready.set(key, cursor);
        }
      }
      if (ready.size > 0) batches.push([source, [...ready.values()]]);
    }
    this.chain = this.chain.then(async () => {
      for (const [source, cursors] of batches) {
        for (const cursor of cursors) {
          try {
            await source.commit(cursor);
          } catch (error) {
            this.onError(source, error);
          }
        }
      }
    });
    return this.chain;
  }

  /** Forgets a source once it is closed and has nothing left to commit. */
  forgetIdle(): void {
    for (const [source, state] of this.states) {
      if (state.checkpoints.length === 0) this.states.delete(source);
    }
  }
}

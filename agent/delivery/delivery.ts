/**
 * Delivery of signals to the LAPI: a batcher (max events, max JSON bytes, max delay) seals
 * batches into the disk spool, and one sender posts the spool's segments in order through
 * `LapiSession.postEvents` (gzip, re-login and hub re-registration are the session's job).
 *
 * - Retryable failures (network, 5xx, 429, and 401/403 that a re-login did not fix: an
 *   unvalidated machine is an operator problem, not the batch's) wait with exponential backoff
 *   and jitter, then retry the same batch; the spool keeps everything meanwhile.
 * - A non-retryable 4xx means bad input, never partially applied (design): the batch is split in
 *   halves until the refused events are isolated, those go to the dead-letter file (counted,
 *   logged) and delivery moves on.
 * - Every acknowledged segment advances the commit tracker, so source positions move only past
 *   lines whose events the LAPI has.
 */
import type { EventBatch, EventBatchResult, WireEvent } from "../../src/shared/ingest-wire.js";
import type { Logger } from "../daemon/logger.js";
import { Backoff } from "./backoff.js";
import type { CommitTracker } from "./commit-tracker.js";
import type { DeadLetter } from "./dead-letter.js";
import type { Spool, SpoolSegment } from "./spool.js";

/** The part of `LapiSession` delivery needs. */
export interface EventPoster {
  postEvents(batch: EventBatch): Promise<EventBatchResult>;
}

/** How a failed post is treated; `kind` labels the error metric. */
export interface FailureClass {
  kind: "network" | "server" | "throttled" | "auth" | "conflict" | "rejected" | "internal";
  retryable: boolean;
  status: number | null;
  message: string;
}

/** Classifies an error thrown by `postEvents` (a `LapiError` has `status` and `retryable`). */
export function classifyFailure(error: unknown): FailureClass {
  const message = error instanceof Error ? error.message : String(error);
  const e = error as { status?: unknown; retryable?: unknown } | null;
  if (e && typeof e === "object" && typeof e.retryable === "boolean") {
    const status = typeof e.status === "number" ? e.status : null;
    if (status === null) return { kind: "network", retryable: true, status, message };
    if (status === 429) return { kind: "throttled", retryable: true, status, message };
    if (status >= 500) return { kind: "server", retryable: true, status, message };
    if (status === 401 || status === 403) return { kind: "auth", retryable: true, status, message };
    // Unknown scenario after the session re-registered the hub: maybe a registration race with
    // another agent, maybe events spooled before a hub upgrade whose old version the LAPI no
    // longer holds. Retried a few times (see CONFLICT_ATTEMPTS), then refused like a 4xx.
    if (status === 409) return { kind: "conflict", retryable: true, status, message };
    return { kind: "rejected", retryable: e.retryable, status, message };
  }
  // A bug or an unexpected exception: retry (the batch stays spooled) rather than drop it.
  return { kind: "internal", retryable: true, status: null, message };
}

/** Attempts of a batch answered 409 before its events are treated as refused. */
export const CONFLICT_ATTEMPTS = 5;

/** What delivery reports (Prometheus metrics in the daemon). */
export interface DeliveryObserver {
  posted?(events: number, result: EventBatchResult, seconds: number): void;
  failed?(failure: FailureClass, seconds: number): void;
  deadLettered?(events: number): void;
}

/** Options of {@link Delivery}. */
export interface DeliveryOptions {
  spool: Spool;
  poster: EventPoster;
  tracker: CommitTracker;
  deadLetter: DeadLetter;
  logger: Logger;
  batchMaxEvents: number;
  batchMaxBytes: number;
  batchMaxDelayMs: number;
  retryMinDelayMs: number;
  retryMaxDelayMs: number;
  observer?: DeliveryObserver;
  random?: () => number;
  /** Seqs already taken by the previous run's segments (see `Spool.indexPrevious`). */
  firstSeq?: number;
}

/** The batcher and the sender loop. */
export class Delivery {
  /** The LAPI session; replaced on reload (SIGHUP) without touching the spool. */
  poster: EventPoster;
  private events: WireEvent[] = [];
  private lines: string[] = [];
  private bytes = 0;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private sealing: Promise<void> = Promise.resolve();
  private unsealed = 0;
  private stopped = false;
  private wakeSleep: (() => void) | null = null;
  private readonly backoff: Backoff;
  private readonly loop: Promise<void>;
  private posting = false;

  constructor(private readonly options: DeliveryOptions) {
    this.poster = options.poster;
    this.seq = options.firstSeq ?? 0;
    this.backoff = new Backoff({
      minMs: options.retryMinDelayMs,
      maxMs: options.retryMaxDelayMs,
      ...(options.random ? { random: options.random } : {}),
    });
    this.loop = this.run();
  }

  /** Events accepted since start. */
  get enqueued(): number {
    return this.seq - (this.options.firstSeq ?? 0);
  }

  /** Events in the open batch, not yet spooled. */
  get pending(): number {
    return this.events.length;
  }

  /** True when the daemon should stop reading: the spool is full or cannot be written. */
  get full(): boolean {
    return this.options.spool.full || this.unsealed > 2;
  }

  /** Resolves when reading may go on. */
  async waitForSpace(): Promise<void> {
    while (this.full && !this.stopped) {
      if (this.unsealed > 2) await this.sealing;
      else await this.options.spool.waitForSpace();
    }
  }

  /** True when nothing is waiting: no open batch, nothing spooled, no post in flight. */
  get idle(): boolean {
    return this.events.length === 0 && this.unsealed === 0 && this.options.spool.segmentCount === 0;
  }

  /** Adds an event to the open batch; returns its run-local seq (for the commit tracker). */
  enqueue(event: WireEvent): number {
    const line = JSON.stringify(event);
    // JSON text is ASCII-dominated; its length is a close, cheap bound on the wire bytes.
    const size = line.length + 1;
    if (this.events.length > 0 && this.bytes + size > this.options.batchMaxBytes) this.seal();
    this.events.push(event);
    this.lines.push(line);
    this.bytes += size;
    this.seq++;
    if (this.events.length >= this.options.batchMaxEvents) this.seal();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.seal(), this.options.batchMaxDelayMs);
    }
    return this.seq;
  }

  /** Closes the open batch and spools it (in order with earlier ones). */
  seal(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.events.length === 0) return;
    const events = this.events;
    const lines = this.lines;
    const lastSeq = this.seq;
    this.events = [];
    this.lines = [];
    this.bytes = 0;
    this.options.tracker.nextEpoch();
    this.unsealed++;
    this.sealing = this.sealing.then(async () => {
      // A spool that cannot be written (disk full) holds reading back, it never drops the batch.
      for (let attempt = 0; !this.stopped || attempt === 0; attempt++) {
        try {
          await this.options.spool.append(events, lines, lastSeq);
          break;
        } catch (error) {
          if (attempt % 30 === 0) {
            this.options.logger.error("cannot write the spool, retrying", { error, attempt });
          }
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
      this.unsealed--;
    });
  }

  /**
   * Seals the open batch and waits until the spool is delivered or `timeoutMs` passed; true when
   * everything was acknowledged.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    this.seal();
    const deadline = Date.now() + timeoutMs;
    await Promise.race([this.sealing, sleep(timeoutMs)]);
    while (!this.idle || this.posting) {
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(25, Math.max(1, deadline - Date.now())));
    }
    return true;
  }

  /** Stops the sender (a post in flight is abandoned, its segment stays spooled). */
  async stop(timeoutMs = 1000): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.wakeSleep?.();
    this.options.spool.wake();
    await Promise.race([Promise.all([this.loop, this.sealing]), sleep(timeoutMs)]);
  }

  private async run(): Promise<void> {
    const { spool, tracker, logger } = this.options;
    while (!this.stopped) {
      const segment = spool.head();
      if (!segment) {
        await spool.waitForData();
        continue;
      }
      try {
        if (!(await this.deliverSegment(segment))) return;
        await spool.remove(segment);
      } catch (error) {
        // A spool or dead-letter file that cannot be read or written: the sender must not die
        // silently; it logs and tries the same segment again.
        logger.error("delivery loop failed, retrying the segment", {
          error,
          segment: segment.path,
        });
        await this.sleep(this.backoff.next());
        continue;
      }
      if (segment.lastSeq !== null) {
        tracker.acknowledge(segment.lastSeq);
        void tracker.commitReady();
      }
    }
  }

  /** Posts one segment in batches of at most `batchMaxEvents`; false when stopped meanwhile. */
  private async deliverSegment(segment: SpoolSegment): Promise<boolean> {
    const { events, corrupt } = await this.options.spool.load(segment);
    if (corrupt.length > 0) {
      this.options.logger.error("unreadable lines in a spool segment, dead-lettered", {
        segment: segment.path,
        lines: corrupt.length,
      });
      await this.options.deadLetter.writeRaw(corrupt, "unreadable spool line");
      this.options.observer?.deadLettered?.(corrupt.length);
    }
    for (let i = 0; i < events.length; i += this.options.batchMaxEvents) {
      if (!(await this.deliver(events.slice(i, i + this.options.batchMaxEvents)))) return false;
    }
    return true;
  }

  /** Posts `events` until acknowledged or dead-lettered; false when stopped meanwhile. */
  private async deliver(events: WireEvent[]): Promise<boolean> {
    const { logger, observer } = this.options;
    let conflicts = 0;
    while (!this.stopped) {
      const started = performance.now();
      this.posting = true;
      try {
        const result = await this.poster.postEvents({ events });
        observer?.posted?.(events.length, result, (performance.now() - started) / 1000);
        if (this.backoff.failures > 0) {
          logger.info("LAPI reachable again, delivering", { failures: this.backoff.failures });
        }
        this.backoff.reset();
        return true;
      } catch (error) {
        const failure = classifyFailure(error);
        observer?.failed?.(failure, (performance.now() - started) / 1000);
        if (failure.kind === "conflict" && ++conflicts >= CONFLICT_ATTEMPTS) {
          return this.rejectStale(events, { ...failure, retryable: false });
        }
        if (!failure.retryable) return this.reject(events, failure);
        const delay = this.backoff.next();
        // One line per doubling of the failure count keeps a long outage from flooding the log.
        const n = this.backoff.failures;
        if ((n & (n - 1)) === 0) {
          logger.warn("cannot deliver events, retrying", {
            kind: failure.kind,
            status: failure.status,
            error: failure.message,
            failures: n,
            retry_in_ms: delay,
            events: events.length,
          });
        }
        await this.sleep(delay);
      } finally {
        this.posting = false;
      }
    }
    return false;
  }

  /**
   * A lasting 409 names the unknown scenario hash (`unknown scenario <name> (hash <h>): …`): the
   * events targeting it are dead-lettered at once and the others delivered, instead of bisecting
   * a batch where every event may be stale (events spooled before a hub upgrade).
   */
  private async rejectStale(events: WireEvent[], failure: FailureClass): Promise<boolean> {
    const hash = /\(hash ([0-9a-f]+)\)/.exec(failure.message)?.[1];
    const stale = hash ? events.filter((e) => e.buckets.some((b) => b.hash === hash)) : [];
    if (stale.length === 0) return this.reject(events, failure);
    await this.deadLetterEvents(stale, failure);
    const rest = events.filter((e) => !stale.includes(e));
    return rest.length === 0 || this.deliver(rest);
  }

  /** A non-retryable refusal: bisect down to the refused events, dead-letter them. */
  private async reject(events: WireEvent[], failure: FailureClass): Promise<boolean> {
    if (events.length > 1) {
      const mid = Math.ceil(events.length / 2);
      return (await this.deliver(events.slice(0, mid))) && (await this.deliver(events.slice(mid)));
    }
    await this.deadLetterEvents(events, failure);
    return true;
  }

  private async deadLetterEvents(events: WireEvent[], failure: FailureClass): Promise<void> {
    this.options.logger.error("the LAPI refused events, dead-lettered", {
      status: failure.status,
      error: failure.message,
      events: events.length,
      first_id: events[0]?.id,
      file: this.options.deadLetter.path,
    });
    await this.options.deadLetter.write(events, failure.status, failure.message);
    this.options.observer?.deadLettered?.(events.length);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    }).finally(() => {
      this.wakeSleep = null;
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

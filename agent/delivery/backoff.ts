/**
 * Retry delays for a LAPI that is down or overloaded: exponential growth from `minMs` to `maxMs`
 * with jitter (a uniform draw between `minMs` and the current ceiling), so a fleet of agents that
 * lost the same LAPI does not retry in lock-step when it comes back.
 */

/** Bounds of the retry schedule (ms). */
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** Uniform [0, 1) source; injectable for tests. */
  random?: () => number;
}

/** The retry schedule of one delivery loop: `next()` after a failure, `reset()` after a success. */
export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.random = options.random ?? Math.random;
  }

  /** Failures since the last success. */
  get failures(): number {
    return this.attempt;
  }

  /** The ceiling of the next delay: `min · 2^failures`, capped at `max`. */
  ceiling(): number {
    // 2^attempt overflows to Infinity long before it matters; Math.min caps it.
    return Math.min(this.options.maxMs, this.options.minMs * 2 ** this.attempt);
  }

  /** The delay before the next attempt: at least `min`, a uniform draw up to the ceiling. */
  next(): number {
    const ceiling = this.ceiling();
    this.attempt++;
    const { minMs } = this.options;
    return Math.round(minMs + this.random() * (ceiling - minMs));
  }

  reset(): void {
    this.attempt = 0;
  }
}

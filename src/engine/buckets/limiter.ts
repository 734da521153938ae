/**
 * The token bucket 1.4.6 uses for `leaky` buckets (`pkg/time/rate`, a fork of golang.org/x/time/rate),
 * reproduced float operation for float operation because borderline pours (one event every 9 s into
 * a 5/10s bucket) are decided by rounding. State is plain data so it can be persisted.
 *
 * Times are microseconds since the epoch (exact in a JS number until the year 2255); the Go
 * arithmetic on durations is done in nanoseconds.
 */
export interface LimiterState {
  tokens: number;
  /** Time of the last allowed pour, µs; null = never (Go's zero time: the bucket starts full). */
  last: number | null;
}

/** A rate of one token per `intervalNs`, with `burst` tokens. */
export interface LimiterConfig {
  intervalNs: number;
  burst: number;
}

const SECOND = 1e9;

/** Go `Duration.Seconds()`. */
function seconds(ns: number): number {
  const sec = Math.trunc(ns / SECOND);
  return sec + (ns - sec * SECOND) / 1e9;
}

/** `rate.Every(interval)`: tokens per second. */
function limitOf(config: LimiterConfig): number {
  return 1 / seconds(config.intervalNs);
}

/** `Limit.durationFromTokens`: Go converts the float to an int64 Duration (truncation). */
function durationFromTokens(limit: number, tokens: number): number {
  return Math.trunc(1e9 * (tokens / limit));
}

/** `Limit.tokensFromDuration`, integer and fractional seconds split like Go to limit rounding. */
function tokensFromDuration(limit: number, ns: number): number {
  const sec = Math.trunc(ns / SECOND);
  const nsec = ns - sec * SECOND;
  return sec * limit + (nsec * limit) / 1e9;
}

/** A fresh limiter: zero tokens at the zero time, i.e. full at its first use. */
export function newLimiter(): LimiterState {
  return { tokens: 0, last: null };
}

/**
 * `Limiter.AllowN(t, 1)`: refills for the time since the last allowed pour (never backwards, capped
 * at the burst), takes one token and reports whether that left no debt. A refused pour leaves the
 * state as it was.
 */
export function allow(
  state: LimiterState,
  config: LimiterConfig,
  nowUs: number,
): { allowed: boolean; state: LimiterState } {
  const limit = limitOf(config);
  // `advance`: an out-of-order (older) time gets no refill.
  const last = state.last === null ? Number.NEGATIVE_INFINITY : Math.min(state.last, nowUs);
  const maxElapsed = durationFromTokens(limit, config.burst - state.tokens);
  let elapsed = (nowUs - last) * 1000;
  if (elapsed > maxElapsed) elapsed = maxElapsed;
  let tokens = state.tokens + tokensFromDuration(limit, elapsed);
  if (tokens > config.burst) tokens = config.burst;
  tokens -= 1;
  // `reserveN` with maxFutureReserve 0: allowed when the wait for the missing fraction truncates
  // to 0 ns, so a float residue like -1e-16 still passes, as in Go.
  const wait = tokens < 0 ? durationFromTokens(limit, -tokens) : 0;
  if (1 > config.burst || wait > 0) return { allowed: false, state };
  return { allowed: true, state: { tokens, last: nowUs } };
}

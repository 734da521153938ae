import { ApiError } from "../errors";

const TOO_MANY = "too many requests";

/**
 * Spends one unit of `limiter` (a Workers Rate Limiting binding) for the client IP, or answers
 * 429 `{"message":"too many requests"}`. Guards registration, which pays for a bcrypt hash on
 * every call, so a flood from one address cannot starve every other request of CPU.
 */
export async function spendRateLimit(
  limiter: RateLimit,
  route: string,
  clientIp: string,
): Promise<void> {
  const { success } = await limiter.limit({ key: `${route}:${clientIp}` });
  if (!success) throw new ApiError("tooManyRequests", TOO_MANY);
}

/**
 * Failed logins per client IP. cscli logs in on every command (scripts run hundreds a minute),
 * so successful logins are never limited; failures spend the binding's units, and an address
 * that ran out is refused in this isolate before any bcrypt work until the period ends. Other
 * isolates learn it from their own next failure (the binding's count is shared).
 */
export class LoginFailureLimiter {
  private readonly blockedUntil = new Map<string, number>();

  constructor(private readonly periodMs: number) {}

  /** Throws the 429 when `clientIp` is blocked in this isolate. */
  check(clientIp: string, now: number): void {
    const until = this.blockedUntil.get(clientIp);
    if (until === undefined) return;
    if (now < until) throw new ApiError("tooManyRequests", TOO_MANY);
    this.blockedUntil.delete(clientIp);
  }

  /** Records a failed login; blocks the address once the binding says the limit is spent. */
  async failed(limiter: RateLimit, clientIp: string, now: number): Promise<void> {
    const { success } = await limiter.limit({ key: `login-failure:${clientIp}` });
    if (success) return;
    if (this.blockedUntil.size > 10_000) this.blockedUntil.clear();
    this.blockedUntil.set(clientIp, now + this.periodMs);
  }
}

/** The period of `LOGIN_FAILURE_RATE_LIMIT` in wrangler.toml. */
export const LOGIN_FAILURE_PERIOD_MS = 60_000;

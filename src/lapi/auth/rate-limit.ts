import { ApiError } from "../errors";

/**
 * Spends one unit of `limiter` (a Workers Rate Limiting binding) for the client IP, or answers
 * 429 `{"message":"too many requests"}`. Guards the unauthenticated routes that pay for bcrypt, so
 * a registration or login flood from one address cannot starve every other request of CPU.
 * CrowdSec has no such limit; its clients retry a failed login with backoff, so a 429 is safe.
 */
export async function spendRateLimit(
  limiter: RateLimit,
  route: string,
  clientIp: string,
): Promise<void> {
  const { success } = await limiter.limit({ key: `${route}:${clientIp}` });
  if (!success) throw new ApiError("tooManyRequests", "too many requests");
}

/**
 * CrowdSec splits the User-Agent on `/`: exactly two parts give (type, version); anything else is
 * the whole UA as type and `N/A` as version (bouncers), or a failed login (machines).
 */
export function splitUserAgent(ua: string | undefined): { type: string; version: string } | null {
  const parts = (ua ?? "").split("/");
  if (parts.length !== 2) return null;
  return { type: parts[0]!, version: parts[1]! };
}

import { type IpRange, inAnyRange, parseAddress } from "../shared/ip-range";

/**
 * The caller's IP. On Cloudflare the TCP peer is the edge, which puts the real client in
 * CF-Connecting-IP. X-Forwarded-For / X-Real-IP are believed only when that peer is a configured
 * trusted proxy (CrowdSec `trusted_proxies`); then the right-most untrusted XFF hop wins.
 */
export function clientIpOf(headers: Headers, trustedProxies: readonly IpRange[]): string {
  const peer = headers.get("CF-Connecting-IP")?.trim() || "127.0.0.1";
  if (trustedProxies.length === 0 || !inAnyRange(peer, trustedProxies)) return peer;
  const xff = headers.get("X-Forwarded-For");
  if (xff) {
    const hops = xff
      .split(",")
      .map((h) => h.trim())
      .filter((h) => parseAddress(h));
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!inAnyRange(hops[i]!, trustedProxies)) return hops[i]!;
    }
    if (hops[0]) return hops[0];
  }
  const real = headers.get("X-Real-IP")?.trim();
  if (real && parseAddress(real)) return real;
  return peer;
}

/** CrowdSec treats loopback callers (and unix sockets) as local. */
export function isLoopback(ip: string): boolean {
  return ip === "127.0.0.1" || ip === "::1";
}

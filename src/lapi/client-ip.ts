import { formatAddress, type IpRange, inAnyRange, parseAddress } from "../shared/ip-range";

/** Canonical text of an address (`::ffff:1.2.3.4` → `1.2.3.4`), or null when it is not one. */
function canonical(text: string | null | undefined): string | null {
  const bytes = text ? parseAddress(text.trim()) : null;
  return bytes ? formatAddress(bytes) : null;
}

/**
 * The caller's IP, canonical, or null when the peer address is not an IP address. On Cloudflare
 * the TCP peer is the edge, which sets CF-Connecting-IP to the real client (a client-sent one is
 * overwritten); under `npm start` the local front proxy (`scripts/local-front.mjs`) does the same.
 * X-Forwarded-For / X-Real-IP are believed only when that peer is a configured trusted proxy
 * (CrowdSec `trusted_proxies`); then the right-most untrusted XFF hop wins. The value ends up in
 * machine and bouncer names (`<cn>@<ip>`), so anything but an address is refused, never stored.
 */
export function clientIpOf(headers: Headers, trustedProxies: readonly IpRange[]): string | null {
  const peer = peerIpOf(headers);
  if (peer === null) return null;
  if (!peerIsTrustedProxy(peer, trustedProxies)) return peer;
  const xff = headers.get("X-Forwarded-For");
  if (xff) {
    const hops = xff
      .split(",")
      .map(canonical)
      .filter((h): h is string => h !== null);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!inAnyRange(hops[i]!, trustedProxies)) return hops[i]!;
    }
    if (hops[0]) return hops[0];
  }
  return canonical(headers.get("X-Real-IP")) ?? peer;
}

/**
 * The TCP peer as the platform reports it: CF-Connecting-IP (Cloudflare's edge, or the `npm
 * start` front proxy, which both overwrite a client-sent one), loopback when absent (`wrangler
 * dev` reached directly); null when it is not an address.
 */
export function peerIpOf(headers: Headers): string | null {
  const sent = headers.get("CF-Connecting-IP");
  return sent === null ? "127.0.0.1" : canonical(sent);
}

/** Whether headers from `peer` may speak for the client (CrowdSec `trusted_proxies`). */
export function peerIsTrustedProxy(peer: string, trustedProxies: readonly IpRange[]): boolean {
  return trustedProxies.length > 0 && inAnyRange(peer, trustedProxies);
}

/** CrowdSec treats loopback callers (and unix sockets) as local. */
export function isLoopback(ip: string): boolean {
  return ip === "127.0.0.1" || ip === "::1";
}

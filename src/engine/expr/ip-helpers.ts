import {
  blockOf,
  formatAddress,
  parseAddress,
  parseIpOrRange,
  rangeContains,
} from "../../shared/ip-range.js";

/**
 * CrowdSec's IP helpers (1.4.6 `pkg/exprhelpers/exprlib.go`) on top of the shared IP module,
 * which already follows Go's `net.ParseIP` (no legacy IPv4 forms, no zones, IPv4-mapped IPv6
 * counts as IPv4).
 */

/** `IpInRange(ip, cidr)`: false when either side does not parse (`net.ParseCIDR` needs a `/`). */
export function ipInRange(ip: string, cidr: string): boolean {
  const address = parseIpOrRange(ip);
  if (!address || ip.includes("/") || !cidr.includes("/")) return false;
  const range = parseIpOrRange(cidr);
  return range !== null && rangeContains(range, address);
}

/** `IsIPV6(ip)`: a valid address that has no IPv4 form. */
export function isIPV6(ip: string): boolean {
  const bytes = parseAddress(ip);
  return bytes !== null && bytes.length === 16;
}

/** `IpToRange(ip, "/NN")`: the network of `ip/NN` as text, `""` on any error. */
export function ipToRange(ip: string, cidr: string): string {
  const text = cidr.startsWith("/") ? cidr.slice(1) : cidr;
  if (!/^[+-]?\d+$/.test(text)) return "";
  const mask = Number(text);
  const bytes = parseAddress(ip);
  if (!bytes || mask < 0 || mask > bytes.length * 8) return "";
  const block = blockOf(bytes, mask);
  return `${formatAddress(block.start)}/${mask}`;
}

/** `IsIPV4(ip)`: a valid address with an IPv4 form (IPv4-mapped IPv6 included, as `To4`). */
export function isIPV4(ip: string): boolean {
  return parseAddress(ip)?.length === 4;
}

/** `IsIP(ip)`: `net.ParseIP` accepts it. */
export function isIP(ip: string): boolean {
  return parseAddress(ip) !== null;
}

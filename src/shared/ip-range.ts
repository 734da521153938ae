import ipaddr from "ipaddr.js";

/**
 * An IP or CIDR value as CrowdSec stores it for Ip/Range decisions (pkg/types/ip.go): the address
 * family size and the first/last address of the block, as big-endian bytes so that byte order is
 * numeric order (SQLite compares BLOBs with memcmp). IPv4-mapped IPv6 counts as IPv4.
 */
export interface IpRange {
  /** 4 for IPv4, 16 for IPv6. */
  size: 4 | 16;
  start: Uint8Array;
  end: Uint8Array;
  /** Prefix length of the block (32/128 for a single address). */
  prefix: number;
}

/** Parses a single IP or a CIDR (`1.2.3.4/24` covers 1.2.3.0–1.2.3.255). Returns null when invalid. */
export function parseIpOrRange(value: string): IpRange | null {
  const slash = value.indexOf("/");
  if (slash === -1) {
    const bytes = parseAddress(value);
    if (!bytes) return null;
    return { size: bytes.length as 4 | 16, start: bytes, end: bytes, prefix: bytes.length * 8 };
  }
  const bytes = parseAddress(value.slice(0, slash));
  const bitsText = value.slice(slash + 1);
  if (!bytes || !/^\d{1,3}$/.test(bitsText)) return null;
  let bits = Number(bitsText);
  // An IPv4-mapped IPv6 CIDR (::ffff:1.2.3.0/120) becomes the IPv4 block /24.
  if (bytes.length === 4 && value.slice(0, slash).includes(":")) bits -= 96;
  if (bits < 0 || bits > bytes.length * 8) return null;
  return blockOf(bytes, bits);
}

/** The block of `prefix` bits containing `address`. */
export function blockOf(address: Uint8Array, prefix: number): IpRange {
  const start = new Uint8Array(address.length);
  const end = new Uint8Array(address.length);
  for (let i = 0; i < address.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    start[i] = address[i]! & mask;
    end[i] = (address[i]! & mask) | (~mask & 0xff);
  }
  return { size: address.length as 4 | 16, start, end, prefix };
}

/** Parses one address to 4 or 16 bytes (IPv4-mapped IPv6 → 4 bytes); null when invalid. */
export function parseAddress(text: string): Uint8Array | null {
  if (!ipaddr.isValid(text)) return null;
  // ipaddr.js accepts legacy IPv4 forms ("1", "0x7f.1"); Go's net.ParseIP does not.
  if (!text.includes(":") && !ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  if (text.includes("%")) return null;
  let addr = ipaddr.parse(text);
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  }
  return Uint8Array.from(addr.toByteArray());
}

/** Canonical text of a 4- or 16-byte address. */
export function formatAddress(bytes: Uint8Array): string {
  return ipaddr.fromByteArray(Array.from(bytes)).toString();
}

/** Compares two equal-length byte strings numerically. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** True when `outer` contains `inner` (same family). */
export function rangeContains(outer: IpRange, inner: IpRange): boolean {
  return (
    outer.size === inner.size &&
    compareBytes(outer.start, inner.start) <= 0 &&
    compareBytes(outer.end, inner.end) >= 0
  );
}

/** Lowercase hex of bytes, for SQL blob literals (`X'…'`). */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** True when `ip` lies in any of the parsed ranges. */
export function inAnyRange(ip: string, ranges: readonly IpRange[]): boolean {
  const parsed = parseIpOrRange(ip);
  return parsed !== null && ranges.some((r) => rangeContains(r, parsed));
}

/** Parses a comma-separated list of IPs/CIDRs; throws naming the bad entry. */
export function parseRangeList(list: string | undefined): IpRange[] {
  if (!list) return [];
  return list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const r = parseIpOrRange(entry);
      if (!r) throw new Error(`invalid IP or CIDR '${entry}'`);
      return r;
    });
}

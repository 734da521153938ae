import { parseAddress } from "../../shared/ip-range";

/**
 * A client address in the shape the snapshot searches: IPv4 as one unsigned 32-bit word, IPv6 as
 * four big-endian 32-bit words. IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is IPv4, as in CrowdSec
 * (pkg/types/ip.go), so a v4 ban also catches a client seen through a dual-stack socket.
 */
export type ClientIp = { v: 4; w: number } | { v: 6; w: Uint32Array };

/** Parses one address; null when it is not a valid IPv4/IPv6 address. */
export function parseClientIp(text: string): ClientIp | null {
  const v4 = parseDottedQuad(text);
  if (v4 !== null) return { v: 4, w: v4 };
  const bytes = parseAddress(text);
  if (!bytes) return null;
  if (bytes.length === 4) return { v: 4, w: wordAt(bytes, 0) };
  return {
    v: 6,
    w: Uint32Array.of(wordAt(bytes, 0), wordAt(bytes, 4), wordAt(bytes, 8), wordAt(bytes, 12)),
  };
}

/** Big-endian 32-bit word of `bytes` at `offset`. */
export function wordAt(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) |
      (bytes[offset + 1]! << 16) |
      (bytes[offset + 2]! << 8) |
      bytes[offset + 3]!) >>>
    0
  );
}

/**
 * Fast path for the common case (`203.0.113.7`): strict four-part decimal, no leading zeros other
 * than a lone `0`, like Go's net.ParseIP. Anything else goes through the full parser.
 */
function parseDottedQuad(text: string): number | null {
  let word = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0) return null;
      word = (word << 8) | part;
      parts++;
      part = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57) return null;
    if (digits > 0 && part === 0) return null;
    part = part * 10 + (c - 48);
    digits++;
    if (part > 255) return null;
  }
  if (digits === 0 || parts !== 3) return null;
  return ((word << 8) | part) >>> 0;
}

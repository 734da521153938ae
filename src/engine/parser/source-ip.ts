import { parseAddress } from "../../shared/ip-range.js";

const DOTTED_QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const HEX_GROUPS = /^[0-9a-fA-F:]+$/;

/**
 * Go `net.ParseIP` for whitelist checks, as bytes (4 for IPv4 and IPv4-mapped IPv6, else 16).
 * It runs for every event reaching a whitelist node, so the two common spellings — canonical dotted
 * quads and plain hexadecimal IPv6 — are parsed here without allocation-heavy generic parsing;
 * anything else (embedded IPv4, zones, odd forms) goes through `parseAddress`.
 */
export function parseSourceIp(text: string): Uint8Array | null {
  const quad = DOTTED_QUAD.exec(text);
  if (quad) {
    const bytes = new Uint8Array(4);
    for (let i = 0; i < 4; i++) {
      const n = Number(quad[i + 1]);
      if (n > 255) return null;
      bytes[i] = n;
    }
    return bytes;
  }
  if (text.includes(":") && HEX_GROUPS.test(text)) {
    const fast = parseHexIpv6(text);
    if (fast !== undefined) return fast;
  }
  return parseAddress(text);
}

/** Plain hex IPv6 (`2001:db8::1`); undefined when the form is not the simple one. */
function parseHexIpv6(text: string): Uint8Array | null | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0]!.split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : halves[1]!.split(":")) : [];
  const groups = head.length + tail.length;
  if (halves.length === 1 ? groups !== 8 : groups > 7) return null;
  const bytes = new Uint8Array(16);
  const put = (group: string, index: number): boolean => {
    if (group.length === 0 || group.length > 4) return false;
    const n = Number.parseInt(group, 16);
    bytes[index * 2] = n >> 8;
    bytes[index * 2 + 1] = n & 0xff;
    return true;
  };
  for (let i = 0; i < head.length; i++) if (!put(head[i]!, i)) return undefined;
  for (let i = 0; i < tail.length; i++) if (!put(tail[i]!, 8 - tail.length + i)) return undefined;
  // IPv4-mapped (::ffff:a.b.c.d written in hex) counts as IPv4, as in Go.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return bytes.slice(12);
  }
  return bytes;
}

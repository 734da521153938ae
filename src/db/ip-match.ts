import { blockOf, type IpRange, toHex } from "../shared/ip-range";

/**
 * SQL conditions matching the IP columns of `decisions` / `allowlist_items` against a queried
 * IP or range (as CrowdSec pkg/database/decisions.go does), written so that SQLite answers them
 * from the (ip_size, start_ip, end_ip) index.
 *
 * Every stored value is a CIDR block (a bare IP is a /32 or /128), so a block that *contains* the
 * query starts at the query's start masked to the block's own prefix length. The candidate
 * starts are therefore one per prefix length in use (table `ip_prefix_lengths`), each an index
 * equality probe, instead of a range scan over every smaller start. Triggers (migration 0001)
 * keep that table complete on every insert. Addresses are inlined as BLOB
 * literals (bytes we computed, never user text), which keeps D1's 100-bound-parameter cap out of
 * the way for IPv6's 129 possible lengths.
 */
export function ipCondition(q: IpRange, contains: boolean, alias = ""): string {
  const col = (name: string) => (alias ? `${alias}.${name}` : name);
  const end = `X'${toHex(q.end)}'`;
  if (contains) {
    const cases: string[] = [];
    for (let prefix = 0; prefix <= q.prefix; prefix++) {
      cases.push(`WHEN ${prefix} THEN X'${toHex(blockOf(q.start, prefix).start)}'`);
    }
    const starts = `SELECT CASE p.prefix_len ${cases.join(" ")} END FROM ip_prefix_lengths p WHERE p.ip_size = ${q.size} AND p.prefix_len <= ${q.prefix}`;
    return `(${col("ip_size")} = ${q.size} AND ${col("start_ip")} IN (${starts}) AND ${col("end_ip")} >= ${end})`;
  }
  const start = `X'${toHex(q.start)}'`;
  return `(${col("ip_size")} = ${q.size} AND ${col("start_ip")} >= ${start} AND ${col("start_ip")} <= ${end} AND ${col("end_ip")} <= ${end})`;
}

/** Start/end bytes to store for a decision or allowlist value (nulls for non-IP scopes). */
export function ipColumns(range: IpRange | null): {
  ipSize: number;
  startIp: Uint8Array | null;
  endIp: Uint8Array | null;
} {
  if (!range) return { ipSize: 0, startIp: null, endIp: null };
  return { ipSize: range.size, startIp: range.start, endIp: range.end };
}

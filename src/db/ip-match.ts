import { blockOf, type IpRange, toHex } from "../shared/ip-range";

/**
 * SQL conditions matching the IP columns of `decisions` / `allowlist_items` against a queried
 * IP or range (contract §6.5), written so that SQLite answers them from the
 * (ip_size, start_ip, end_ip) index.
 *
 * Every stored value is a CIDR block (a bare IP is a /32 or /128), so a block that *contains* the
 * query must start at the query's start masked to one of the prefix lengths 0..query.prefix: the
 * condition is a list of index equality probes instead of a range scan over all smaller starts.
 * Addresses are inlined as BLOB literals (our own computed bytes, never user text), which keeps
 * D1's 100-bound-parameter cap out of the way for IPv6's 129 candidates.
 */
export function ipCondition(q: IpRange, contains: boolean, alias = ""): string {
  const col = (name: string) => (alias ? `${alias}.${name}` : name);
  const end = `X'${toHex(q.end)}'`;
  if (contains) {
    const starts = new Set<string>();
    for (let prefix = 0; prefix <= q.prefix; prefix++) {
      starts.add(`X'${toHex(blockOf(q.start, prefix).start)}'`);
    }
    return `(${col("ip_size")} = ${q.size} AND ${col("start_ip")} IN (${[...starts].join(",")}) AND ${col("end_ip")} >= ${end})`;
  }
  const start = `X'${toHex(q.start)}'`;
  return `(${col("ip_size")} = ${q.size} AND ${col("start_ip")} >= ${start} AND ${col("start_ip")} <= ${end} AND ${col("end_ip")} <= ${end})`;
}

/** Start/end bytes to store for a decision or allowlist value (null pair for non-IP scopes). */
export function ipColumns(range: IpRange | null): {
  ipSize: number;
  startIp: Uint8Array | null;
  endIp: Uint8Array | null;
} {
  if (!range) return { ipSize: 0, startIp: null, endIp: null };
  return { ipSize: range.size, startIp: range.start, endIp: range.end };
}

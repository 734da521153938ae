/**
 * Deterministic `cscli decisions import` CSV files: a mix of IPv4 and IPv6 addresses and ranges,
 * types, durations and reasons, so that one import exercises every column cscli 1.4.6 reads.
 */

/** One row of the import file. */
export interface ImportRow {
  duration: string;
  scope: "ip" | "range";
  value: string;
  reason: string;
  type: string;
}

/** `count` distinct rows; row `i` is always the same for a given `i`. */
export function importRows(count: number): ImportRow[] {
  const rows: ImportRow[] = [];
  const types = ["ban", "captcha", "throttle"];
  const durations = ["1h", "4h", "24h", "90m"];
  for (let i = 0; i < count; i++) {
    const kind = i % 10;
    let scope: ImportRow["scope"] = "ip";
    let value: string;
    if (kind < 6) {
      // 203.0.113.0/24 and 100.64.0.0/10 give room for thousands of distinct IPv4 addresses.
      value = `100.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`;
    } else if (kind < 8) {
      value = `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;
    } else if (kind === 8) {
      scope = "range";
      value = `10.${(i >> 8) & 255}.${i & 255}.0/24`;
    } else {
      scope = "range";
      value = `2001:db8:ff${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`;
    }
    rows.push({
      duration: durations[i % durations.length]!,
      scope,
      value,
      reason: `import-test-${i % 7}`,
      type: types[i % types.length]!,
    });
  }
  return rows;
}

/** CSV text with the header line cscli expects. */
export function importCsv(rows: ImportRow[]): string {
  const lines = rows.map((r) => [r.duration, r.scope, r.value, r.reason, r.type].join(","));
  return `duration,scope,value,reason,type\n${lines.join("\n")}\n`;
}

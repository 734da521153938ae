/**
 * Bundle size against Cloudflare's Worker size limits, which apply to the compressed upload:
 * 3 MB on the Free plan, 10 MB on Paid (developers.cloudflare.com/workers/platform/limits).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** The limits, in bytes. */
export const WORKER_SIZE_LIMITS = { free: 3 * 1024 * 1024, paid: 10 * 1024 * 1024 } as const;

/** Raw and gzip size of one bundle directory (every file wrangler wrote but source maps). */
export interface BundleSize {
  raw: number;
  gzip: number;
  files: number;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

/** Measures `dir` (wrangler's `--outdir`). */
export function measureBundle(dir: string): BundleSize {
  let raw = 0;
  let gzip = 0;
  let files = 0;
  for (const file of walk(dir)) {
    if (file.endsWith(".map") || file.endsWith("README.md")) continue;
    const bytes = readFileSync(file);
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
    files++;
  }
  return { raw, gzip, files };
}

/** "1.23 MB" / "456.7 KB". */
export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MB` : `${(n / 1024).toFixed(1)} KB`;
}

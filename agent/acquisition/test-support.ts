/** Test helpers shared by the acquisition tests: temp dirs and bounded line collection. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogLine } from "./types.js";

/** A fresh temp directory and its cleanup. */
export function tempDir(prefix = "rampart-acq-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Pulls lines from a shared iterator until `count` arrived or `timeoutMs` passed. */
export async function take(
  iterator: AsyncIterator<LogLine>,
  count: number,
  timeoutMs = 5000,
): Promise<LogLine[]> {
  const out: LogLine[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), left);
      }),
    ]);
    clearTimeout(timer);
    if (next === null || next.done) break;
    out.push(next.value);
  }
  return out;
}

/** Sleeps `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Test helpers shared by the acquisition tests: temp dirs and bounded line collection. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogLine } from "../../agent/acquisition/types.js";

/** A fresh temp directory and its cleanup. */
export function tempDir(prefix = "rampart-acq-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A `next()` that outlived its deadline: the next `take` on the same iterator awaits it instead of
 * queueing another call, which would hand the next line to the abandoned one.
 */
const inFlight = new WeakMap<AsyncIterator<LogLine>, Promise<IteratorResult<LogLine>>>();

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
    const pending = inFlight.get(iterator) ?? iterator.next();
    inFlight.set(iterator, pending);
    const next = await Promise.race([
      pending,
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), left);
      }),
    ]);
    clearTimeout(timer);
    if (next === null) break;
    inFlight.delete(iterator);
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

/** Sleeps `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Test helpers shared by the acquisition tests: temp dirs and bounded line collection. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temp directory and its cleanup. */
export function tempDir(prefix = "rampart-acq-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A `next()` that outlived its deadline: the next `take` on the same iterator awaits it instead of
 * queueing another call, which would hand the next item to the abandoned one.
 */
const inFlight = new WeakMap<AsyncIterator<unknown>, Promise<IteratorResult<unknown>>>();

/**
 * Pulls items from a shared iterator until `count` arrived, it ended, or `timeoutMs` passed:
 * since the call started (`"total"`, the default) or since the last item (`"idle"`). `onItem` sees
 * each item as it arrives, before the batch is complete.
 */
export async function take<T>(
  iterator: AsyncIterator<T>,
  count: number,
  timeoutMs = 5000,
  timeout: "total" | "idle" = "total",
  onItem?: (item: T) => void,
): Promise<T[]> {
  const out: T[] = [];
  let deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    let timer: NodeJS.Timeout | undefined;
    const pending = (inFlight.get(iterator) ?? iterator.next()) as Promise<IteratorResult<T>>;
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
    onItem?.(next.value);
    if (timeout === "idle") deadline = Date.now() + timeoutMs;
  }
  return out;
}

/** Sleeps `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

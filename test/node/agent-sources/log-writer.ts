/**
 * A log-writing daemon for the rotation tests, run as its own process so it writes while the
 * agent reads: appends `total` numbered lines to `path` (O_APPEND, one write per line, in bursts
 * of `burst` lines with a 1 ms pause), and reopens `path` on SIGUSR1 like nginx or rsyslog after
 * logrotate's `postrotate`. With `checkpoints` > 0 it stops at that many evenly spaced points,
 * prints `at <line>` and goes on only after SIGUSR2, so a test rotates while the writer is
 * provably mid-stream however slow or fast the machine is. Prints `done <lines>` when finished.
 *
 *   node --import tsx log-writer.ts <path> <total> [burst] [checkpoints]
 */
import { closeSync, openSync, writeSync } from "node:fs";

const [path, totalArg, burstArg, checkpointsArg] = process.argv.slice(2);
if (path === undefined || totalArg === undefined) {
  console.error("usage: log-writer.ts <path> <total> [burst] [checkpoints]");
  process.exit(2);
}
const total = Number(totalArg);
const burst = Number(burstArg ?? 50);
const checkpoints = Number(checkpointsArg ?? 0);
const every = checkpoints > 0 ? Math.floor(total / (checkpoints + 1)) : 0;
const padding = "x".repeat(60);

let fd = openSync(path, "a");
let reopen = false;
process.on("SIGUSR1", () => {
  reopen = true;
});
let released = 0;
let wake: (() => void) | undefined;
process.on("SIGUSR2", () => {
  released++;
  wake?.();
});

/** Stops at checkpoint `k` (1-based) until the test released it with SIGUSR2. */
async function checkpoint(k: number, line: number) {
  console.log(`at ${line}`);
  // A signal listener does not keep the event loop alive: a timer does while waiting.
  const alive = setInterval(() => undefined, 60_000);
  while (released < k) await new Promise<void>((resolve) => (wake = resolve));
  clearInterval(alive);
  wake = undefined;
}

let reached = 0;
for (let i = 0; i < total; i++) {
  if (every > 0 && i > 0 && i % every === 0 && reached < checkpoints)
    await checkpoint(++reached, i);
  if (reopen) {
    reopen = false;
    closeSync(fd);
    fd = openSync(path, "a");
  }
  // rsyslog's default high-precision timestamp (Debian 12): first bytes differ between files.
  const stamp = `${new Date().toISOString().slice(0, 23)}${String(i % 1000).padStart(3, "0")}+00:00`;
  writeSync(fd, `${stamp} web1 app[42]: ${padding} ${i}\n`);
  // Signals are handled between bursts, as a daemon handles them between requests.
  if (i % burst === burst - 1) await new Promise((resolve) => setTimeout(resolve, 1));
}
closeSync(fd);
console.log(`done ${total}`);

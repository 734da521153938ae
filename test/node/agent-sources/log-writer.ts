/**
 * A log-writing daemon for the rotation tests, run as its own process so it writes while the
 * agent reads: appends `total` numbered lines to `path` (O_APPEND, one write per line, in bursts
 * of `burst` lines with a 1 ms pause), and reopens `path` on SIGUSR1 like nginx or rsyslog after
 * logrotate's `postrotate`. Prints `done <lines>` when finished.
 *
 *   node --import tsx log-writer.ts <path> <total> [burst]
 */
import { closeSync, openSync, writeSync } from "node:fs";

const [path, totalArg, burstArg] = process.argv.slice(2);
if (path === undefined || totalArg === undefined) {
  console.error("usage: log-writer.ts <path> <total> [burst]");
  process.exit(2);
}
const total = Number(totalArg);
const burst = Number(burstArg ?? 50);
const padding = "x".repeat(60);

let fd = openSync(path, "a");
let reopen = false;
process.on("SIGUSR1", () => {
  reopen = true;
});

for (let i = 0; i < total; i++) {
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

/**
 * The 1 GiB tail run of `big-file.test.ts`, in its own process so its memory is the agent's only:
 * starts the file source as the daemon does (acquis.yaml, default poll), then appends `mib` MiB of
 * numbered 128-byte lines to the tailed file in 1 MiB writes as fast as the disk takes them, while
 * the consumer checks every line's number in order and commits every 10,000 lines. It samples RSS
 * and (after a forced GC) heap use once the first 64 MiB went through ("warm") and at the end,
 * and prints the figures as JSON.
 *
 *   node --expose-gc --import tsx big-file-child.ts <dir> <mib>
 */
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { OffsetStore } from "../../../agent/acquisition/offset-store.js";
import { take } from "../../support/acquisition.js";
import { startFromYaml } from "./support.js";

const LINE_BYTES = 128;
const LINES_PER_BLOCK = 8192; // 1 MiB

const [dir, mibArg] = process.argv.slice(2);
if (dir === undefined || mibArg === undefined) {
  console.error("usage: big-file-child.ts <dir> <mib>");
  process.exit(2);
}
const totalLines = Number(mibArg) * LINES_PER_BLOCK;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

/** One 1 MiB block of sshd-like lines ending in a 12-digit sequence number, rewritten in place. */
function blockWriter(path: string) {
  const prefix =
    "Nov 21 08:00:00 web1 sshd[4242]: Failed password for invalid user admin from 192.0.2.1 port 22 ssh2 seq=";
  const padding = LINE_BYTES - prefix.length - 12 - 1;
  const template = Buffer.from(`${prefix}${"x".repeat(padding)}000000000000\n`);
  const block = Buffer.alloc(LINE_BYTES * LINES_PER_BLOCK);
  for (let i = 0; i < LINES_PER_BLOCK; i++) template.copy(block, i * LINE_BYTES);
  const fd = openSync(path, "a");
  let seq = 0;
  return {
    writeBlock() {
      for (let i = 0; i < LINES_PER_BLOCK; i++) {
        block.write(String(seq++).padStart(12, "0"), (i + 1) * LINE_BYTES - 13, "latin1");
      }
      writeSync(fd, block);
    },
    close: () => closeSync(fd),
  };
}

const memory = () => {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
};

const log = join(dir, "big.log");
writeFileSync(log, "");
const offsets = OffsetStore.open(join(dir, "state", "offsets.json"));
const acq = startFromYaml(`filename: ${log}\nlabels: {type: syslog}`, dir, { offsets });
// Wait for the source to hold the (empty) file open: it was present at start, so it is read
// from its end, which is still 0 until the writer starts.
await new Promise((resolve) => setTimeout(resolve, 1000));

const writer = blockWriter(log);
const started = performance.now();
let written = 0;
const writing = (async () => {
  for (; written < totalLines / LINES_PER_BLOCK; written++) {
    writer.writeBlock();
    // Yield so the tailer in this process runs while the file grows.
    if (written % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
  }
  writer.close();
})();

let received = 0;
let outOfOrder = 0;
let warm: { rss: number; heapUsed: number } | null = null;
let rssMax = 0;
const sampler = setInterval(() => {
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
}, 200);
while (received < totalLines) {
  const batch = await take(acq.lines, Math.min(10_000, totalLines - received), 30_000, "idle");
  if (batch.length === 0) break;
  for (const { line } of batch) {
    if (Number(line.line.slice(-12)) !== received) outOfOrder++;
    received++;
  }
  const last = batch[batch.length - 1]!;
  await last.source.commit(last.line.cursor);
  if (warm === null && received >= 64 * LINES_PER_BLOCK) {
    warm = memory();
    rssMax = warm.rss;
  }
}
const seconds = (performance.now() - started) / 1000;
await writing;
clearInterval(sampler);
const end = memory();
await acq.running.close();
console.log(
  JSON.stringify({
    lines: received,
    expected: totalLines,
    outOfOrder,
    seconds,
    warm,
    end,
    rssMax,
    skipped: acq.running.sources[0]!.stats.skipped,
    errors: acq.errors,
  }),
);

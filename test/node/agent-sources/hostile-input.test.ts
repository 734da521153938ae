/**
 * Hostile input through the file source (tailing) and the stdin source (a real pipe from `cat`):
 * random binary garbage, 1 MiB lines, invalid UTF-8, NUL bytes and one 128 MiB line, between
 * well-formed marker lines. Every skipped line is counted in `stats.skipped` by reason, nothing
 * hostile reaches the parsers except garbage that happens to be valid UTF-8 text, the source
 * keeps running (the marker after the garbage arrives), and the 128 MiB line is never held in
 * memory. Expected counts come from an independent classification of the same bytes.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SkipCounters } from "../../../agent/acquisition/types.js";
import { take, tempDir } from "../../support/acquisition.js";
import { type Acquisition, startFromYaml } from "./support.js";

const MiB = 1024 * 1024;
const MAX_LINE = 64 * 1024; // the file and stdin sources' default cap

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** What a correct splitter must do with each newline-terminated segment. */
function classify(bytes: Buffer, into: { lines: string[]; skipped: SkipCounters }) {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let from = 0;
  for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, from)) {
    const segment = bytes.subarray(from, nl);
    from = nl + 1;
    if (segment.length === 0) continue;
    if (segment.length > MAX_LINE) into.skipped.tooLong++;
    else if (segment.includes(0)) into.skipped.binary++;
    else {
      try {
        into.lines.push(decoder.decode(segment));
      } catch {
        into.skipped.invalidUtf8++;
      }
    }
  }
}

/** Writes the hostile log to `path`; returns the lines and skips a correct source produces. */
function writeHostileLog(path: string) {
  const expected = {
    lines: [] as string[],
    skipped: { tooLong: 0, invalidUtf8: 0, binary: 0, malformed: 0, overflow: 0 },
  };
  const part = (bytes: Buffer) => {
    appendFileSync(path, bytes);
    classify(bytes, expected);
  };
  part(Buffer.from("ok start\n"));
  // 8 MiB of random bytes, newline-terminated: about 32,000 segments of every kind.
  part(Buffer.concat([randomBytes(8 * MiB), Buffer.from("\n")]));
  part(Buffer.from("ok after garbage\n"));
  const oneMiB = Buffer.concat([Buffer.alloc(MiB, "A"), Buffer.from("\n")]);
  for (let i = 0; i < 20; i++) part(oneMiB);
  part(Buffer.from("ok after 1 MiB lines\n"));
  // Overlong encoding, lone continuation byte, UTF-16 surrogate, truncated sequence.
  for (const bad of [[0xc0, 0xaf], [0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
    part(Buffer.from([0x61, ...bad, 0x62, 0x0a]));
  }
  part(Buffer.from("nul\u0000inside\nok after invalid utf-8 é ✓\n"));
  // One 128 MiB line, written in slices (its classification is known: too long).
  const slice = Buffer.alloc(8 * MiB, "B");
  for (let i = 0; i < 16; i++) appendFileSync(path, slice);
  appendFileSync(path, "\n");
  expected.skipped.tooLong++;
  part(Buffer.from("ok end\n"));
  return expected;
}

/** Pulls lines until `ok end`, sampling this process's RSS. */
async function drainUntilEnd(acq: Acquisition) {
  const lines: string[] = [];
  const rssBefore = process.memoryUsage().rss;
  let rssMax = rssBefore;
  for (;;) {
    const [got] = await take(acq.lines, 1, 30_000, "idle");
    if (got === undefined) break;
    lines.push(got.line.line);
    if (lines.length % 1000 === 0) rssMax = Math.max(rssMax, process.memoryUsage().rss);
    if (got.line.line === "ok end") break;
  }
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
  return { lines, rssGrowth: rssMax - rssBefore };
}

describe("hostile input", () => {
  it("the file source counts and skips garbage, 1 MiB and 128 MiB lines, bad UTF-8 and NULs, and keeps tailing", async () => {
    const t = tempDir("rampart-hostile-");
    cleanups.push(t.cleanup);
    const log = join(t.dir, "hostile.log");
    writeFileSync(log, "");
    const acq = startFromYaml(`filename: ${log}\nlabels: {type: syslog}`, t.dir);
    cleanups.push(() => acq.running.close());
    await new Promise((resolve) => setTimeout(resolve, 600));
    const expected = writeHostileLog(log);
    const { lines, rssGrowth } = await drainUntilEnd(acq);
    const source = acq.running.sources[0]!;
    expect(lines).toEqual(expected.lines);
    expect(source.stats.skipped).toEqual(expected.skipped);
    expect(source.stats.skipped.tooLong).toBe(21);
    expect(rssGrowth).toBeLessThan(64 * MiB);
    // Still tailing after all that.
    appendFileSync(log, "ok still alive\n");
    const [next] = await take(acq.lines, 1, 5000, "idle");
    expect(next?.line.line).toBe("ok still alive");
  }, 180_000);

  it("the stdin source does the same on a real pipe and ends at EOF", async () => {
    const t = tempDir("rampart-hostile-");
    cleanups.push(t.cleanup);
    const log = join(t.dir, "hostile.log");
    writeFileSync(log, "");
    const expected = writeHostileLog(log);
    const cat = spawn("cat", [log], { stdio: ["ignore", "pipe", "inherit"] });
    const acq = startFromYaml("source: stdin\nlabels: {type: syslog}", t.dir, {
      stdin: cat.stdout,
    });
    cleanups.push(() => acq.running.close());
    const { lines, rssGrowth } = await drainUntilEnd(acq);
    expect(lines).toEqual(expected.lines);
    expect(acq.running.sources[0]!.stats.skipped).toEqual(expected.skipped);
    expect(rssGrowth).toBeLessThan(64 * MiB);
    expect(await acq.lines.next()).toEqual({ done: true, value: undefined });
  }, 180_000);
});

/**
 * A 1 GiB log tailed without memory growth: `big-file-child.ts` runs the file source in its own
 * process while 1 GiB of numbered lines is appended, checks every line arrives once and in order,
 * and reports RSS and post-GC heap once warm (after 64 MiB) and at the end. The bounds are
 * generous (tens of MiB) against a volume of 1 GiB: a source that buffered what it has not
 * delivered yet, or kept per-line state, would blow through them. No timing is asserted.
 *
 * `RAMPART_BIG_FILE_MIB` overrides the size (default 1024) for a quicker local run.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../support/acquisition.js";

const CHILD = resolve(import.meta.dirname, "big-file-child.ts");
const MIB = Number(process.env.RAMPART_BIG_FILE_MIB ?? 1024);
const MiB = 1024 * 1024;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

interface ChildReport {
  lines: number;
  expected: number;
  outOfOrder: number;
  seconds: number;
  warm: { rss: number; heapUsed: number } | null;
  end: { rss: number; heapUsed: number };
  rssMax: number;
  skipped: Record<string, number>;
  errors: string[];
}

function runChild(dir: string): Promise<ChildReport> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", CHILD, dir, String(MIB)],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err = (err + d).slice(-4000);
    });
    child.once("close", (code) => {
      if (code !== 0) reject(new Error(`big-file child exited with ${code}: ${err}`));
      else resolveRun(JSON.parse(out.trim().split("\n").pop()!) as ChildReport);
    });
  });
}

describe("file source on a 1 GiB log", () => {
  it(`tails ${MIB} MiB appended while it runs, every line once and in order, with flat memory`, async () => {
    const t = tempDir("rampart-big-file-");
    cleanups.push(t.cleanup);
    const report = await runChild(t.dir);
    console.log(
      `big file: ${report.lines} lines in ${report.seconds.toFixed(1)} s; RSS warm ` +
        `${(report.warm!.rss / MiB).toFixed(0)} MiB, max ${(report.rssMax / MiB).toFixed(0)} MiB, end ` +
        `${(report.end.rss / MiB).toFixed(0)} MiB; heap warm ${(report.warm!.heapUsed / MiB).toFixed(1)} MiB, ` +
        `end ${(report.end.heapUsed / MiB).toFixed(1)} MiB`,
    );
    expect(report.errors).toEqual([]);
    expect(report.lines).toBe(report.expected);
    expect(report.outOfOrder).toBe(0);
    expect(report.warm).not.toBeNull();
    expect(report.rssMax - report.warm!.rss).toBeLessThan(96 * MiB);
    expect(report.end.rss - report.warm!.rss).toBeLessThan(64 * MiB);
    expect(report.end.heapUsed - report.warm!.heapUsed).toBeLessThan(16 * MiB);
  }, 900_000);
});

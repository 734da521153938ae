import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/acquisition.js";
import { parseAcquisition } from "./acquisition-config.js";
import { startAcquisition } from "./acquisition-runner.js";
import { OffsetStore } from "./offset-store.js";

describe("acquisition runner", () => {
  it("merges every source, keeps each line's source for commits, and reports a failing source", async () => {
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, "a.log"), "a1\na2\n");
      writeFileSync(join(t.dir, "b.log"), "b1\n");
      const entries = parseAcquisition(
        [
          `filename: ${t.dir}/a.log\nmode: cat\nlabels: {type: a}`,
          `filename: ${t.dir}/b.log\nmode: cat\nlabels: {type: b}`,
          "source: stdin\nlabels: {type: s}",
          `source: journalctl\nmode: cat\njournalctl_filter: ["--directory=${t.dir}", "--after-cursor=x"]\nlabels: {type: j}`,
        ].join("\n---\n"),
        join(t.dir, "acquis.yaml"),
      );
      const offsets = OffsetStore.inMemory();
      const errors: string[] = [];
      const running = startAcquisition(
        entries,
        { offsets, stdin: Readable.from(["s1\n"]) },
        (source, error) => errors.push(`${source.name}: ${(error as Error).message}`),
      );
      const got: string[] = [];
      const producers = new Set<string>();
      for await (const { line, source } of running) {
        got.push(`${line.labels.type}:${line.line}`);
        producers.add(`${line.labels.type} ${source.name}`);
        await source.commit(line.cursor);
      }
      expect(got.sort()).toEqual(["a:a1", "a:a2", "b:b1", "s:s1"]);
      expect([...producers].sort()).toEqual([
        `a ${entries[0]!.name}`,
        `b ${entries[1]!.name}`,
        `s ${entries[2]!.name}`,
      ]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^journalctl:.*#4: journalctl exited with/);
      await running.close();
    } finally {
      t.cleanup();
    }
  });

  it("closes while the consumer has stopped pulling from a full stream", async () => {
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, "big.log"), "x\n".repeat(5000));
      const entries = parseAcquisition(
        `filename: ${t.dir}/big.log\nmode: cat\nlabels: {type: a}`,
        join(t.dir, "acquis.yaml"),
      );
      const running = startAcquisition(
        entries,
        { offsets: OffsetStore.inMemory(), stdin: Readable.from([]) },
        () => undefined,
        16,
      );
      const lines = running[Symbol.asyncIterator]();
      await lines.next();
      // The merged queue (16) and the source's queue are full; nobody pulls any more.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closed = await Promise.race([
        running.close().then(() => "closed"),
        new Promise((resolve) => setTimeout(() => resolve("hung"), 3000)),
      ]);
      expect(closed).toBe("closed");
    } finally {
      t.cleanup();
    }
  });
});

import { describe, expect, it } from "vitest";
import { LineSplitter } from "./line-splitter.js";
import { emptySkipCounters } from "./types.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("line splitter", () => {
  it("joins lines split across chunks, a multi-byte character included, with byte offsets", () => {
    const splitter = new LineSplitter(emptySkipCounters(), 1024, 100);
    const all = bytes("ab\ncé\nlast");
    const out = [
      ...splitter.push(all.subarray(0, 4)),
      ...splitter.push(all.subarray(4, 5)), // first byte of é
      ...splitter.push(all.subarray(5)),
    ];
    expect(out).toEqual([
      { text: "ab", end: 103 },
      { text: "cé", end: 107 },
    ]);
    expect(splitter.committedOffset).toBe(107);
    expect(splitter.flush()).toEqual([{ text: "last", end: 111 }]);
  });

  it("keeps a held partial line intact when the caller reuses its read Buffer", () => {
    const splitter = new LineSplitter(emptySkipCounters(), 1024, 0);
    const buffer = Buffer.alloc(8);
    buffer.write("one\ntw");
    const first = splitter.push(buffer.subarray(0, 6));
    buffer.write("o\nthree\n");
    const second = splitter.push(buffer.subarray(0, 8));
    expect([...first, ...second].map((l) => l.text)).toEqual(["one", "two", "three"]);
  });

  it("never buffers more than the cap while a 1 MiB line streams in, then resumes at its newline", () => {
    const skipped = emptySkipCounters();
    const splitter = new LineSplitter(skipped, 4096);
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    let peak = 0;
    for (let i = 0; i < 16; i++) {
      expect(splitter.push(chunk)).toEqual([]);
      peak = Math.max(peak, splitter.bufferedBytes);
    }
    expect(peak).toBeLessThanOrEqual(4096);
    expect(splitter.push(bytes("tail of the long line\nnext\n"))).toEqual([
      { text: "next", end: 16 * 64 * 1024 + 27 },
    ]);
    expect(skipped.tooLong).toBe(1);
  });

  it("skips a line over the cap that arrives in one chunk, and an over-cap unterminated last line", () => {
    const skipped = emptySkipCounters();
    const splitter = new LineSplitter(skipped, 8);
    expect(splitter.push(bytes("123456789\nok\n0123456789"))).toEqual([{ text: "ok", end: 13 }]);
    expect(splitter.flush()).toEqual([]);
    expect(skipped.tooLong).toBe(2);
  });

  it("keeps carriage returns and drops empty lines, like CrowdSec's file source on Linux", () => {
    const splitter = new LineSplitter(emptySkipCounters());
    expect(splitter.push(bytes("a\r\n\n\nb\n")).map((l) => l.text)).toEqual(["a\r", "b"]);
  });
});

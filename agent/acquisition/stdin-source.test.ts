import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createStdinSource } from "./stdin-source.js";

describe("stdin source", () => {
  it("reads a real pipe to EOF, the last unterminated line included", async () => {
    const child = spawn("printf", ["first\\nsecond\\nlast"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    const source = createStdinSource({
      name: "stdin",
      labels: { type: "nginx" },
      input: child.stdout,
    });
    const got = [];
    for await (const line of source) got.push(line);
    expect(got.map((l) => l.line)).toEqual(["first", "second", "last"]);
    expect(got[0]).toMatchObject({ source: "stdin", module: "stdin", labels: { type: "nginx" } });
  });

  it("counts and skips a 1 MiB line, invalid UTF-8 and NUL bytes split across chunks", async () => {
    const input = new PassThrough();
    const source = createStdinSource({
      name: "s",
      labels: { type: "x" },
      input,
      maxLineBytes: 1024,
    });
    const collected = (async () => {
      const out: string[] = [];
      for await (const line of source) out.push(line.line);
      return out;
    })();
    input.write("a\n");
    for (let i = 0; i < 16; i++) input.write(Buffer.alloc(64 * 1024, 0x42));
    input.write("\nb\n");
    input.write(Buffer.from([0xc3]));
    input.write(Buffer.from([0x28, 0x0a])); // 0xC3 0x28: invalid UTF-8 across two chunks
    input.write(Buffer.from([0x61, 0x00, 0x0a]));
    input.end("c é\n");
    expect(await collected).toEqual(["a", "b", "c é"]);
    expect(source.stats.skipped).toMatchObject({ tooLong: 1, invalidUtf8: 1, binary: 1 });
  });
});

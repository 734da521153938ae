import { describe, expect, inject, it } from "vitest";
import { type BodyStats, INFLATE_STEP, readCappedBody } from "./capped-body";

declare module "vitest" {
  export interface ProvidedContext {
    /** gzip of 1 GiB of zeros, base64 (vitest.workers.config.ts). */
    gzipBomb1GiB: string;
  }
}

const MiB = 1024 * 1024;
const BOMB = Uint8Array.from(atob(inject("gzipBomb1GiB")), (ch) => ch.charCodeAt(0));

/** A stream delivering `bytes` in network-sized chunks of `chunk` bytes. */
function streamOf(bytes: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function newStats(): BodyStats {
  return { received: 0, inflated: 0, largestStep: 0 };
}

describe("readCappedBody", () => {
  it("refuses a 1 GiB gzip bomb having inflated no more than the cap plus one step", async () => {
    const stats = newStats();
    // The whole ~1 MB bomb arrives as one chunk: the worst case for a chunk-at-a-time inflater.
    const read = readCappedBody(streamOf(BOMB, BOMB.byteLength), {
      gzip: true,
      limit: 2 * MiB,
      stats,
    });
    await expect(read).rejects.toMatchObject({ reason: "tooLarge" });
    expect(stats.largestStep).toBeLessThanOrEqual(1100 * INFLATE_STEP);
    expect(stats.inflated).toBeLessThanOrEqual(2 * MiB + 1100 * INFLATE_STEP);
  });

  it("stops the same bomb at the 50 MiB cap of authenticated routes", async () => {
    const stats = newStats();
    const read = readCappedBody(streamOf(BOMB), { gzip: true, limit: 50 * MiB, stats });
    await expect(read).rejects.toMatchObject({ reason: "tooLarge" });
    expect(stats.inflated).toBeLessThanOrEqual(50 * MiB + 1100 * INFLATE_STEP);
  });

  it("inflates a gzip body split into odd-sized chunks", async () => {
    const text = JSON.stringify({ targets: Array.from({ length: 5000 }, (_, i) => `10.0.${i}`) });
    const body = await readCappedBody(streamOf(await gzip(text), 777), {
      gzip: true,
      limit: MiB,
    });
    expect(new TextDecoder().decode(body)).toBe(text);
  });

  it("accepts a body inflating to exactly the cap and refuses one byte more", async () => {
    const exact = await gzip(" ".repeat(4096));
    await expect(
      readCappedBody(streamOf(exact), { gzip: true, limit: 4096 }),
    ).resolves.toHaveLength(4096);
    const over = await gzip(" ".repeat(4097));
    await expect(readCappedBody(streamOf(over), { gzip: true, limit: 4096 })).rejects.toMatchObject(
      { reason: "tooLarge" },
    );
  });

  it("caps the compressed bytes received too", async () => {
    const noise = crypto.getRandomValues(new Uint8Array(8192));
    const stats = newStats();
    const read = readCappedBody(streamOf(noise, 1024), { gzip: false, limit: 4096, stats });
    await expect(read).rejects.toMatchObject({ reason: "tooLarge" });
    expect(stats.received).toBeLessThanOrEqual(4096 + 1024);
  });

  it("refuses bytes that are not gzip, an empty gzip body and a truncated member", async () => {
    const enc = new TextEncoder();
    const cases = [
      enc.encode('{"a":1}'),
      new Uint8Array(0),
      (await gzip("hello world")).slice(0, 12),
    ];
    for (const bytes of cases) {
      await expect(
        readCappedBody(streamOf(bytes), { gzip: true, limit: MiB }),
      ).rejects.toMatchObject({ reason: "badGzip" });
    }
  });

  it("reports a stream that fails mid-upload as interrupted", async () => {
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1, 2, 3]));
        controller.error(new Error("connection reset"));
      },
    });
    await expect(readCappedBody(broken, { gzip: false, limit: MiB })).rejects.toMatchObject({
      reason: "interrupted",
    });
  });
});

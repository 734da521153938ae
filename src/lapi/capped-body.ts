import { Gunzip } from "fflate";

/**
 * Compressed bytes handed to the inflater per step. Deflate expands at most ~1032:1, so one step
 * emits at most ~1 MiB whatever the body: the cap is checked between steps, never after a whole
 * network chunk has been inflated. workerd's `DecompressionStream` cannot give that bound: it
 * inflates every written chunk completely and buffers the output with no backpressure, so a 1 MB
 * body of zeros became 1 GiB in memory before the first read could count it (issue 12, hole 5).
 */
export const INFLATE_STEP = 1024;

/**
 * How much of a refused or unread body is still read (and dropped) before answering. Under
 * `wrangler dev` the local proxy turns an answer sent before the upload ends into a plain-text
 * `503 Your worker restarted mid-request`; draining lets the client see the LAPI's JSON error.
 * Past this, the connection is cut instead (a client streaming forever holds nothing).
 */
export const DRAIN_LIMIT = 128 * 1024 * 1024;

/** Reads and drops what is left of a body, up to `DRAIN_LIMIT` bytes, then cancels it. */
export async function discardBody(
  body: ReadableStream<Uint8Array> | ReadableStreamDefaultReader<Uint8Array>,
): Promise<void> {
  const reader = "getReader" in body ? body.getReader() : body;
  let dropped = 0;
  try {
    while (dropped <= DRAIN_LIMIT) {
      const { done, value } = await reader.read();
      if (done) return;
      dropped += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away: nothing left to drain.
  }
}

/** Why a body was refused: over the cap, not gzip as declared, or cut off mid-upload. */
export type BodyFailure = "tooLarge" | "badGzip" | "interrupted";

/** A refused body; `readCappedBody` throws nothing else. */
export class BodyError extends Error {
  constructor(readonly reason: BodyFailure) {
    super(reason);
    this.name = "BodyError";
  }
}

/** What `readCappedBody` did, for callers and tests that check the work stayed bounded. */
export interface BodyStats {
  /** Bytes received from the network (compressed, for gzip). */
  received: number;
  /** Bytes the inflater produced, including a refused step's. */
  inflated: number;
  /** The largest output of a single inflate step. */
  largestStep: number;
}

/**
 * Reads `body` into memory, refusing it with `BodyError("tooLarge")` once more than `limit` bytes
 * arrive or (for gzip) once the inflated text passes `limit`. Memory stays within `limit` plus
 * one inflate step (~1 MiB) plus one network chunk, whatever the compression ratio.
 */
export async function readCappedBody(
  body: ReadableStream<Uint8Array>,
  opts: { gzip: boolean; limit: number; stats?: BodyStats },
): Promise<Uint8Array> {
  const { gzip, limit } = opts;
  const stats = opts.stats ?? { received: 0, inflated: 0, largestStep: 0 };
  const out: Uint8Array[] = [];
  let size = 0;
  let stepOutput = 0;
  let overflow = false;
  const inflater = gzip
    ? new Gunzip((data) => {
        stepOutput += data.byteLength;
        stats.inflated += data.byteLength;
        size += data.byteLength;
        if (size > limit) overflow = true;
        else out.push(data);
      })
    : null;
  const step = (slice: Uint8Array, final: boolean) => {
    stepOutput = 0;
    try {
      inflater!.push(slice, final);
    } catch {
      throw new BodyError("badGzip");
    }
    stats.largestStep = Math.max(stats.largestStep, stepOutput);
    if (overflow) throw new BodyError("tooLarge");
  };

  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      stats.received += value.byteLength;
      if (stats.received > limit) throw new BodyError("tooLarge");
      if (!inflater) {
        size += value.byteLength;
        out.push(value);
        continue;
      }
      for (let at = 0; at < value.byteLength; at += INFLATE_STEP) {
        step(value.subarray(at, at + INFLATE_STEP), false);
      }
    }
    if (inflater) {
      if (stats.received === 0) throw new BodyError("badGzip");
      step(new Uint8Array(0), true);
    }
  } catch (e) {
    if (e instanceof BodyError) {
      await discardBody(reader);
      throw e;
    }
    // A stream error mid-upload (client gone, transport reset) is a bad body, never a 500.
    throw new BodyError("interrupted");
  }
  return concat(out, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

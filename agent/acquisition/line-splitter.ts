/**
 * Byte-level line splitting with hostile-input guards: a line longer than `maxLineBytes` is
 * skipped up to its newline without ever being held whole (memory stays bounded by one chunk plus
 * `maxLineBytes`), lines that are not UTF-8 or carry NUL bytes are counted and skipped, and empty
 * lines are dropped like CrowdSec's file source does. Offsets are byte offsets in the stream.
 */
import type { SkipCounters } from "./types.js";

/** Default cap; CrowdSec's syslog source caps at 2048, its file tailer at bufio's 64 KiB. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

/** A complete line and the stream offset just past its newline. */
export interface SplitLine {
  text: string;
  end: number;
}

const NEWLINE = 0x0a;

/** Decodes one line's bytes or returns the skip reason. */
export function decodeLine(
  bytes: Uint8Array,
  decoder: TextDecoder,
): { ok: true; text: string } | { ok: false; reason: "invalidUtf8" | "binary" } {
  if (bytes.includes(0)) return { ok: false, reason: "binary" };
  try {
    return { ok: true, text: decoder.decode(bytes) };
  } catch {
    return { ok: false, reason: "invalidUtf8" };
  }
}

/** Incremental splitter over a byte stream starting at `startOffset`. */
export class LineSplitter {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private discarding = false;
  /** Offset of the first byte not yet consumed into a line. */
  private lineStart: number;
  private position: number;

  constructor(
    private readonly skipped: SkipCounters,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    startOffset = 0,
  ) {
    this.lineStart = startOffset;
    this.position = startOffset;
  }

  /** Offset just past the last complete line (what a restart may resume from). */
  get committedOffset(): number {
    return this.lineStart;
  }

  /** Bytes held for an unfinished line. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Feeds a chunk; returns the complete, valid lines it finished. */
  push(chunk: Uint8Array): SplitLine[] {
    const out: SplitLine[] = [];
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, from);
      if (nl === -1) {
        this.hold(chunk.subarray(from));
        this.position += chunk.length - from;
        break;
      }
      const piece = chunk.subarray(from, nl);
      this.position += nl + 1 - from;
      from = nl + 1;
      if (this.discarding) {
        this.discarding = false;
      } else {
        this.emit(this.take(piece), out);
      }
      this.lineStart = this.position;
    }
    return out;
  }

  /** Ends the stream: an unterminated last line counts as a line (rotated or finished files). */
  flush(): SplitLine[] {
    const out: SplitLine[] = [];
    if (!this.discarding && this.pendingBytes > 0) this.emit(this.take(new Uint8Array(0)), out);
    this.discarding = false;
    this.pending = [];
    this.pendingBytes = 0;
    this.lineStart = this.position;
    return out;
  }

  private hold(bytes: Uint8Array): void {
    if (this.discarding) return;
    if (this.pendingBytes + bytes.length > this.maxLineBytes) {
      this.skipped.tooLong++;
      this.discarding = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    // Copy: the caller reuses its read buffer. `Buffer#slice` is a view, not a copy, so the
    // typed-array method is called explicitly (a file source passes Buffers).
    this.pending.push(Uint8Array.prototype.slice.call(bytes));
    this.pendingBytes += bytes.length;
  }

  private take(tail: Uint8Array): Uint8Array | null {
    if (this.pendingBytes + tail.length > this.maxLineBytes) {
      this.skipped.tooLong++;
      this.pending = [];
      this.pendingBytes = 0;
      return null;
    }
    let bytes = tail;
    if (this.pendingBytes > 0) {
      bytes = new Uint8Array(this.pendingBytes + tail.length);
      let at = 0;
      for (const part of this.pending) {
        bytes.set(part, at);
        at += part.length;
      }
      bytes.set(tail, at);
      this.pending = [];
      this.pendingBytes = 0;
    }
    return bytes;
  }

  private emit(bytes: Uint8Array | null, out: SplitLine[]): void {
    if (bytes === null || bytes.length === 0) return;
    const decoded = decodeLine(bytes, this.decoder);
    if (!decoded.ok) {
      this.skipped[decoded.reason]++;
      return;
    }
    out.push({ text: decoded.text, end: this.position });
  }
}

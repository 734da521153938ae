/**
 * What every acquisition source produces and what the pipeline needs from it. A source is an
 * async iterable of `LogLine`s; a consumer acknowledges progress with `commit(cursor)` once the
 * lines up to that cursor are safely delivered, so a restart resumes after them (CrowdSec 1.4.6
 * has no such acknowledgement: its file source restarts at the end of the file, the journalctl
 * source at `-n 0`, and lines in flight are lost).
 */

/** Byte position in one file generation, identified by its inode (rotation-proof). */
export interface FileCursor {
  kind: "file";
  path: string;
  dev: number;
  ino: number;
  /**
   * Byte offset just past the line's newline, counted across truncations: after a copytruncate
   * the same inode starts again at byte 0, so offsets continue from the old content's end
   * (`base`) instead, and an offset (hence an event id) never names two different lines.
   */
  offset: number;
  /** The offset of the file's byte 0 (absent = 0): `offset - base` is the position in the file. */
  base?: number;
  /**
   * The generation's first bytes (up to 64, base64) as read so far: after a restart they tell
   * whether the file at `path` with this inode is still the same content or was truncated and
   * rewritten (copytruncate) while the agent was down, and find the copy.
   */
  head?: string;
}

/** A journald cursor (`__CURSOR`), passed back as `--after-cursor`. */
export interface JournalCursor {
  kind: "journal";
  cursor: string;
}

/** Sources without a resumable position (syslog, stdin): a per-run sequence number. */
export interface SequenceCursor {
  kind: "sequence";
  seq: number;
}

export type Cursor = FileCursor | JournalCursor | SequenceCursor;

/** One acquired line, the input of the parsers (CrowdSec's `types.Line`). */
export interface LogLine {
  /** The raw line, without its trailing newline. */
  line: string;
  /** `Line.Src`: file path, `journalctl-<filters>`, syslog client address or `stdin`. */
  source: string;
  /** `Line.Module`: the acquisition source name (`file`, `journalctl`, `syslog`, `stdin`). */
  module: string;
  /** The acquisition entry's `labels` (`type` selects the s00 parser). */
  labels: Readonly<Record<string, string>>;
  /** Acquisition time (ms since epoch). */
  time: number;
  cursor: Cursor;
}

/** Lines dropped before parsing, by reason; the daemon counts and moves on, never dies. */
export interface SkipCounters {
  /** Lines longer than `maxLineBytes`: skipped up to the next newline, never buffered whole. */
  tooLong: number;
  /** Lines that are not valid UTF-8. */
  invalidUtf8: number;
  /** Lines containing NUL bytes (binary garbage). */
  binary: number;
  /** Messages a source could not decode (syslog framing, journald JSON). */
  malformed: number;
  /** Messages dropped because the consumer fell behind and the source cannot pause (UDP). */
  overflow: number;
}

/** Fresh zeroed counters. */
export function emptySkipCounters(): SkipCounters {
  return { tooLong: 0, invalidUtf8: 0, binary: 0, malformed: 0, overflow: 0 };
}

/** A running acquisition source. */
export interface AcquisitionSource extends AsyncIterable<LogLine> {
  /** The acquisition entry's name (or a derived one) for logs and metrics. */
  readonly name: string;
  /** Lines emitted, and lines skipped by reason. */
  readonly stats: { read: number; skipped: SkipCounters };
  /** Acknowledges every line up to and including `cursor`; persisted where the source can resume. */
  commit(cursor: Cursor): Promise<void>;
  /** Stops reading; the iterator ends after the lines already queued. */
  close(): Promise<void>;
}

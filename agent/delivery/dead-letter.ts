/**
 * Events the LAPI refused for good (a 4xx that is not 401/409, i.e. bad input that a retry would
 * not fix): appended to `<spool.dir>/dead-letter.ndjson` with the status and message, counted and
 * logged, so delivery moves on without looping forever and without losing them silently. The
 * file is bounded: past `maxBytes` it is renamed to `dead-letter.ndjson.1` (one old generation).
 */
import { appendFile, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import type { WireEvent } from "../../src/shared/ingest-wire.js";

/** One refused event as written to the file. */
export interface DeadLetterRecord {
  time: string;
  status: number | null;
  message: string;
  event: WireEvent;
}

/** The dead-letter file of a spool directory. */
export class DeadLetter {
  readonly path: string;
  private written = 0;

  constructor(
    dir: string,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {
    this.path = join(dir, "dead-letter.ndjson");
  }

  /** Events written since start. */
  get count(): number {
    return this.written;
  }

  /** Appends `events` refused with `status`/`message`. */
  async write(events: readonly WireEvent[], status: number | null, message: string): Promise<void> {
    const time = new Date().toISOString();
    await this.append(
      events.map((event) => ({ time, status, message, event }) satisfies DeadLetterRecord),
    );
  }

  /** Appends spool lines that could not be parsed (kept verbatim in `raw`). */
  async writeRaw(lines: readonly string[], message: string): Promise<void> {
    const time = new Date().toISOString();
    await this.append(lines.map((raw) => ({ time, status: null, message, raw })));
  }

  private async append(records: readonly object[]): Promise<void> {
    const size = await stat(this.path).then(
      (st) => st.size,
      () => 0,
    );
    if (size >= this.maxBytes) await rename(this.path, `${this.path}.1`);
    let text = "";
    for (const record of records) text += `${JSON.stringify(record)}\n`;
    await appendFile(this.path, text);
    this.written += records.length;
  }
}

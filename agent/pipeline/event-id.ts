/**
 * Event ids of the ingestion wire format (`src/shared/ingest-wire.ts`): stable across retries and
 * agent restarts wherever the source has a replayable position, so the LAPI can refuse to pour an
 * event twice. The forms are fixed by the shared ingestion design:
 * - file line: `<machine>/f/<dev>:<ino>:<offset>` (offset just past the line);
 * - journald: `<machine>/j/<first 32 hex of sha256(__CURSOR)>`;
 * - syslog, stdin (no position to replay): `<machine>/s/<run id>/<seq>`;
 * - `-dsn` replay: `<machine>/r/<first 16 hex of sha256(path)>/<line number>`.
 * An id longer than the wire limit is replaced by its sha256.
 */
import { createHash, randomUUID } from "node:crypto";
import { wireEventSchema } from "../../src/shared/ingest-wire.js";
import type { Cursor } from "../acquisition/types.js";

/** The wire limit on `WireEvent.id`. */
export const MAX_EVENT_ID_LENGTH = wireEventSchema.shape.id.maxLength ?? 200;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function bounded(id: string): string {
  return id.length > MAX_EVENT_ID_LENGTH ? sha256(id) : id;
}

/** Makes the ids of one agent run. */
export interface EventIdFactory {
  /** The id of a line read by a live source, from its cursor. */
  fromCursor(cursor: Cursor): string;
  /** The id of line `lineNumber` (1-based) of the file at `path` replayed with `-dsn`. */
  replay(path: string, lineNumber: number): string;
}

/** Ids for `machineId`; `runId` (random by default) tells this run's sequence numbers apart. */
export function createEventIds(machineId: string, runId: string = randomUUID()): EventIdFactory {
  const pathHashes = new Map<string, string>();
  return {
    fromCursor(cursor) {
      switch (cursor.kind) {
        case "file":
          return bounded(`${machineId}/f/${cursor.dev}:${cursor.ino}:${cursor.offset}`);
        case "journal":
          return bounded(`${machineId}/j/${sha256(cursor.cursor).slice(0, 32)}`);
        case "sequence":
          return bounded(`${machineId}/s/${runId}/${cursor.seq}`);
      }
    },
    replay(path, lineNumber) {
      let hash = pathHashes.get(path);
      if (hash === undefined) {
        hash = sha256(path).slice(0, 16);
        pathHashes.set(path, hash);
      }
      return bounded(`${machineId}/r/${hash}/${lineNumber}`);
    },
  };
}

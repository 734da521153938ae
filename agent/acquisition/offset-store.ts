/**
 * Persisted read positions (file offsets, journald cursors) in one JSON file under the agent's
 * state directory. Writes are atomic (temp file + rename) and coalesced: many `set`s between two
 * writes cost one write. Only acknowledged positions are stored (see `AcquisitionSource.commit`).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** A persisted key → position map. */
export class OffsetStore {
  private readonly values: Record<string, unknown>;
  private writing: Promise<void> | null = null;
  private dirty = false;

  private constructor(
    readonly path: string | null,
    initial: Record<string, unknown>,
  ) {
    this.values = initial;
  }

  /** Opens (or starts) the store at `path`; an unreadable or corrupt file starts empty. */
  static open(path: string): OffsetStore {
    mkdirSync(dirname(path), { recursive: true });
    let initial: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        initial = parsed as Record<string, unknown>;
      }
    } catch {
      // Missing on first start; a torn file cannot happen (rename is atomic).
    }
    return new OffsetStore(path, initial);
  }

  /** A store that keeps positions in memory only (replay, tests, stdin). */
  static inMemory(): OffsetStore {
    return new OffsetStore(null, {});
  }

  get(key: string): unknown {
    return this.values[key];
  }

  /** Records `value` and resolves once it (or a later value) is on disk. */
  set(key: string, value: unknown): Promise<void> {
    this.values[key] = value;
    this.dirty = true;
    return this.flush();
  }

  /** Resolves when every recorded value is on disk. */
  async flush(): Promise<void> {
    if (this.path === null) return;
    while (this.dirty || this.writing) {
      if (this.writing) {
        await this.writing;
        continue;
      }
      this.dirty = false;
      this.writing = this.write(this.path).finally(() => {
        this.writing = null;
      });
    }
  }

  private async write(path: string): Promise<void> {
    const tmp = `${path}.tmp`;
    await writeFile(tmp, JSON.stringify(this.values));
    await rename(tmp, path);
  }
}

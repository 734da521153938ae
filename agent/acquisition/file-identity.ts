/**
 * Finding a file generation again after a rotation: by inode (rename while the agent was down)
 * or by its first bytes (the copy `copytruncate` made), and where a restart resumes a file from
 * its saved cursor. Used by the file source.
 */
import type { Stats } from "node:fs";
import { type FileHandle, open, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { FileCursor } from "./types.js";

/** Up to `length` bytes at `position` (fewer at the end of the file). */
export async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
): Promise<Buffer> {
  const out = Buffer.alloc(length);
  const { bytesRead } = await handle.read(out, 0, length, position);
  return out.subarray(0, bytesRead);
}

/** The regular file in `dir` with this device and inode. */
export async function findByInode(dir: string, dev: number, ino: number): Promise<string | null> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => null);
    if (st?.isFile() && st.ino === ino && st.dev === dev) return path;
  }
  return null;
}

/**
 * The sibling named `<base>*` (not the file itself) that starts with `fingerprint`: the copy
 * logrotate's `copytruncate` made just before truncating `path`.
 */
export async function findCopytruncateCopy(
  path: string,
  ino: number,
  fingerprint: Buffer,
): Promise<{ path: string; size: number } | null> {
  if (fingerprint.length === 0) return null;
  const dir = dirname(path);
  const base = basename(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  let found: { path: string; size: number; mtimeMs: number } | null = null;
  for (const name of names) {
    if (name === base || !name.startsWith(base)) continue;
    const candidate = join(dir, name);
    const st = await stat(candidate).catch(() => null);
    if (!st?.isFile() || st.ino === ino || st.size < fingerprint.length) continue;
    if (found && st.mtimeMs <= found.mtimeMs) continue;
    if (await startsWith(candidate, fingerprint)) {
      found = { path: candidate, size: st.size, mtimeMs: st.mtimeMs };
    }
  }
  // The newest match: older copies of a log whose lines all start alike may match too.
  return found && { path: found.path, size: found.size };
}

async function startsWith(path: string, prefix: Buffer): Promise<boolean> {
  const handle = await open(path, "r").catch(() => null);
  if (!handle) return false;
  const head = await readAt(handle, 0, prefix.length).finally(() => handle.close());
  return head.equals(prefix);
}

/** Past a truncation whose copy is gone, offsets jump this far so no old offset is reused. */
const LOST_TRUNCATION_GAP = 2 ** 32;

/** Where a restart picks up `path` from its saved cursor. */
export interface ResumePlan {
  /** Where to read the file now at `path` (a position in the file). */
  from: number | "start";
  /** `FileCursor.base` of the file now at `path`. */
  base: number;
  /**
   * A generation to finish first (renamed, or the copy of a truncation), from file position
   * `offset`; its lines keep the identity (device, inode, base) they had before the rotation.
   */
  drainFirst: {
    path: string;
    offset: number;
    base: number;
    identity: { dev: number; ino: number };
  } | null;
  /**
   * Generations rotated after that one and before the file now at `path` (several rotations
   * while the agent was down or behind), oldest first, each read from its start; copies of
   * copytruncate rotations keep the original's identity and their running base.
   */
  between: { path: string; base: number; identity: { dev: number; ino: number } | null }[];
}

const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|z)$/i;

/**
 * Renamed generations of `path` newer than the one at `after` (by modification time, then by
 * rotation number): `app.log.1` when `app.log.2` was the saved one. Compressed generations cannot
 * be tailed and are left out. `skip` holds the inodes already accounted for.
 */
async function generationsAfter(
  path: string,
  after: string,
  skip: readonly number[],
): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  const floor = await stat(after).catch(() => null);
  if (!floor) return [];
  const found: { path: string; mtimeMs: number; name: string }[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name === base || !name.startsWith(base) || COMPRESSED.test(name)) continue;
    const candidate = join(dir, name);
    const st = await stat(candidate).catch(() => null);
    if (!st?.isFile() || st.dev !== floor.dev || skip.includes(st.ino)) continue;
    if (st.mtimeMs < floor.mtimeMs) continue;
    found.push({ path: candidate, mtimeMs: st.mtimeMs, name });
  }
  // Same mtime (fast rotations): `app.log.2` is older than `app.log.1`.
  found.sort(
    (a, b) => a.mtimeMs - b.mtimeMs || b.name.localeCompare(a.name, "en", { numeric: true }),
  );
  return found.map((f) => f.path);
}

/**
 * Resuming a file after a restart: the same content (inode, size and first bytes) resumes at the
 * saved offset; a rename while down drains the old inode first; a copytruncate while down (same
 * inode, shorter or with other first bytes) drains the copy from the saved offset first. Either
 * way the file now at `path` is then read from its start. After several renames while down, the
 * generations in between are read whole, oldest first (CrowdSec 1.4.6 reads none of them).
 */
export async function resumePlan(path: string, st: Stats, saved: FileCursor): Promise<ResumePlan> {
  const head = saved.head === undefined ? null : Buffer.from(saved.head, "base64");
  const base = saved.base ?? 0;
  const position = saved.offset - base;
  const identity = { dev: saved.dev, ino: saved.ino };
  if (saved.ino === st.ino && saved.dev === st.dev) {
    const unchanged = st.size >= position && (head === null || (await startsWith(path, head)));
    if (unchanged) return { from: position, base, drainFirst: null, between: [] };
    const copy = head && (await findCopytruncateCopy(path, st.ino, head));
    if (!copy) {
      return {
        from: "start",
        base: saved.offset + LOST_TRUNCATION_GAP,
        drainFirst: null,
        between: [],
      };
    }
    // Later copies (several copytruncates while down) hold the content in between; offsets run
    // on through them, then the truncated file continues after the last one.
    let next = base + Math.max(copy.size, position);
    const copyIno = (await stat(copy.path)).ino;
    const between: ResumePlan["between"] = [];
    for (const later of await generationsAfter(path, copy.path, [st.ino, copyIno])) {
      between.push({ path: later, base: next, identity });
      next += (await stat(later)).size;
    }
    return {
      from: "start",
      base: next,
      drainFirst:
        copy.size > position ? { path: copy.path, offset: position, base, identity } : null,
      between,
    };
  }
  const old = await findByInode(dirname(path), saved.dev, saved.ino);
  // A reused inode holds other content: its first bytes differ.
  if (old === null || (head !== null && !(await startsWith(old, head)))) {
    return { from: "start", base: 0, drainFirst: null, between: [] };
  }
  return {
    from: "start",
    base: 0,
    drainFirst: { path: old, offset: position, base, identity },
    between: (await generationsAfter(path, old, [saved.ino, st.ino])).map((p) => ({
      path: p,
      base: 0,
      identity: null,
    })),
  };
}

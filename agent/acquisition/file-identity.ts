/**
 * Finding a file generation again after a rotation: by inode (rename while the agent was down)
 * or by its first bytes (the copy `copytruncate` made). Used by the file source.
 */
import { type FileHandle, open, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

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
  for (const name of names) {
    if (name === base || !name.startsWith(base)) continue;
    const candidate = join(dir, name);
    const st = await stat(candidate).catch(() => null);
    if (!st?.isFile() || st.ino === ino || st.size < fingerprint.length) continue;
    const handle = await open(candidate, "r").catch(() => null);
    if (!handle) continue;
    const head = await readAt(handle, 0, fingerprint.length).finally(() => handle.close());
    if (head.equals(fingerprint)) return { path: candidate, size: st.size };
  }
  return null;
}

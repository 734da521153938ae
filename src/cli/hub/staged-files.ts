/**
 * Files fetched for one hub operation are staged in memory and written only once every fetch
 * and check succeeded, each through a temp file and a rename, so a failed download, a hash
 * mismatch or a server going down leaves the installed state as it was, and a crash never
 * leaves a torn file.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { CliError, EXIT } from "../cli-error.js";

/** A file to write: `path` relative to `root`. */
export interface StagedFile {
  root: string;
  path: string;
  bytes: Uint8Array;
}

/**
 * `root/path`, refusing a path that leaves `root` (an index entry or a `dest_file` like
 * `../../etc/passwd`), as cscli's `SafePath` does.
 */
export function insideRoot(root: string, path: string): string {
  const full = resolve(root, path);
  const rel = relative(resolve(root), full);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel))
    throw new CliError(`refusing path '${path}': it leaves ${root}`, EXIT.failure);
  return full;
}

/** Writes `bytes` to `full` through `<full>.<pid>.tmp` + rename (same directory, same filesystem). */
export function writeAtomic(full: string, bytes: Uint8Array): void {
  mkdirSync(dirname(full), { recursive: true });
  const temp = join(dirname(full), `.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temp, bytes, { mode: 0o644 });
    renameSync(temp, full);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new CliError(`cannot write ${full}: ${(error as Error).message}`, EXIT.failure);
  }
}

/** Writes every staged file (paths checked first, so a bad one writes nothing). */
export function commitStaged(files: readonly StagedFile[]): void {
  const targets = files.map((f) => ({ full: insideRoot(f.root, f.path), bytes: f.bytes }));
  for (const t of targets) writeAtomic(t.full, t.bytes);
}

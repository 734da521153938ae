/**
 * Shared plumbing of the source acceptance tests: every source is started the way the daemon
 * starts it — an `acquis.yaml` text through `parseAcquisition` and `startAcquisition` — and lines
 * are pulled from the merged stream with `take` (`test/support/acquisition.ts`).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Readable } from "node:stream";
import { parseAcquisition } from "../../../agent/acquisition/acquisition-config.js";
import {
  type AcquiredLine,
  type RunningAcquisition,
  startAcquisition,
} from "../../../agent/acquisition/acquisition-runner.js";
import { OffsetStore } from "../../../agent/acquisition/offset-store.js";
import type { SourceDeps } from "../../../agent/acquisition/source-registry.js";

/** A started acquisition, its merged iterator and the errors its sources reported. */
export interface Acquisition {
  running: RunningAcquisition;
  lines: AsyncIterator<AcquiredLine>;
  errors: string[];
}

/** Starts the acquisition described by `yaml` (one or more documents). */
export function startFromYaml(
  yaml: string,
  dir: string,
  deps: Partial<SourceDeps> = {},
): Acquisition {
  const entries = parseAcquisition(yaml, join(dir, "acquis.yaml"));
  const errors: string[] = [];
  const running = startAcquisition(
    entries,
    {
      offsets: deps.offsets ?? OffsetStore.inMemory(),
      stdin: deps.stdin ?? Readable.from([]),
      ...(deps.journalctlCommand === undefined
        ? {}
        : { journalctlCommand: deps.journalctlCommand }),
      ...(deps.pollIntervalMs === undefined ? {} : { pollIntervalMs: deps.pollIntervalMs }),
    },
    (source, error) => errors.push(`${source.name}: ${(error as Error).message}`),
  );
  return { running, lines: running[Symbol.asyncIterator](), errors };
}

/** Runs a command to completion, feeding `input` on stdin; rejects on a non-zero exit. */
export function run(cmd: string, args: string[], input?: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}: ${err}`));
    });
    if (input !== undefined) {
      // A command that exits before reading all of its input is judged by its exit code.
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(input);
    }
  });
}

/** Lines `prefix from` .. `prefix to-1`, newline-terminated. */
export function numbered(from: number, to: number, prefix: string): string {
  let out = "";
  for (let i = from; i < to; i++) out += `${prefix} ${i}\n`;
  return out;
}

/** The missing and repeated numbers among lines `prefix N` against the expected `0..total-1`. */
export function lossAndRepeats(
  texts: readonly string[],
  total: number,
): { missing: number[]; repeated: number[]; foreign: string[] } {
  const seen = new Uint8Array(total);
  const repeated: number[] = [];
  const foreign: string[] = [];
  for (const text of texts) {
    const n = Number(text.slice(text.lastIndexOf(" ") + 1));
    if (!Number.isInteger(n) || n < 0 || n >= total) {
      foreign.push(text);
      continue;
    }
    if (seen[n]) repeated.push(n);
    seen[n] = 1;
  }
  const missing: number[] = [];
  for (let i = 0; i < total; i++) if (!seen[i]) missing.push(i);
  return { missing, repeated, foreign };
}

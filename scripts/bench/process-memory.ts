/** Memory figures of a server found by its listening port (Linux /proc). */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
      readFileSync(`/proc/${pid}/status`, "utf8"),
    );
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function pgidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

/** Every pid of the process group that owns the listener on `port`. */
export function serverPids(port: number): number[] {
  const out = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
  const m = /pid=(\d+)/.exec(out);
  if (!m) throw new Error(`no process listens on port ${port}`);
  const pgid = pgidOf(Number(m[1]));
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return pgidOf(pid) === pgid;
      } catch {
        return false;
      }
    });
}

/** Current RSS and peak RSS (VmHWM), summed over the processes, in bytes. */
export function memoryOf(pids: number[]): { rss: number; peak: number } {
  return pids.reduce(
    (acc, pid) => ({
      rss: acc.rss + statusField(pid, "VmRSS"),
      peak: acc.peak + statusField(pid, "VmHWM"),
    }),
    { rss: 0, peak: 0 },
  );
}

export const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

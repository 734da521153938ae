/**
 * Memory of the `workerd` processes that `wrangler dev` runs in its process group, read from
 * `/proc` (the Worker's isolate lives there; the Workers test runtime cannot see it), and a V8
 * garbage collection of the isolate through the inspector `wrangler dev --inspector-port` serves.
 */
import { readdirSync, readFileSync } from "node:fs";
import WebSocket from "ws";

/** Sum over `workerd` processes of process group `group` of a `/proc/<pid>/status` field (kB). */
function workerdStatusKb(group: number | undefined, field: "VmHWM" | "VmRSS"): number {
  if (group === undefined) throw new Error("wrangler dev is not running (no process group)");
  let total = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== group || !stat.includes("(workerd)")) continue;
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      total += Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

/** Peak resident set (kB) of the group's `workerd` processes since they started. */
export function workerdPeakKb(group: number | undefined): number {
  return workerdStatusKb(group, "VmHWM");
}

/** Current resident set (kB) of the group's `workerd` processes. */
export function workerdRssKb(group: number | undefined): number {
  return workerdStatusKb(group, "VmRSS");
}

/**
 * Makes the Worker's isolate run a full garbage collection and returns its memory afterwards
 * (bytes, `Runtime.getHeapUsage`): the V8 heap in use plus the ArrayBuffer backing stores, what the
 * Workers runtime's per-isolate memory limit counts. workerd's inspector does not answer
 * `HeapProfiler.collectGarbage`; a heap snapshot (`HeapProfiler.takeHeapSnapshot`, its chunks
 * discarded) collects garbage first, as V8 does for every snapshot. Throws when the inspector does
 * not answer within `timeoutMs`.
 */
export async function collectWorkerGarbage(
  inspectorPort: number,
  timeoutMs = 60_000,
): Promise<number> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    webSocketDebuggerUrl?: string;
  }[];
  const url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!url) throw new Error(`inspector on port ${inspectorPort}: no debuggable target`);
  const socket = new WebSocket(url);
  const timer = setTimeout(
    () =>
      socket.emit(
        "error",
        new Error(`inspector on port ${inspectorPort}: no answer in ${timeoutMs} ms`),
      ),
    timeoutMs,
  );
  const failed = new Promise<never>((_, reject) => socket.once("error", reject));
  failed.catch(() => {});
  let nextId = 0;
  const send = (method: string, params: Record<string, unknown> = {}) =>
    Promise.race([
      failed,
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const id = ++nextId;
        const onMessage = (data: WebSocket.RawData) => {
          const message = JSON.parse(String(data)) as {
            id?: number;
            result?: Record<string, unknown>;
            error?: { message: string };
          };
          if (message.id !== id) return;
          socket.off("message", onMessage);
          if (message.error) reject(new Error(`inspector ${method}: ${message.error.message}`));
          else resolve(message.result ?? {});
        };
        socket.on("message", onMessage);
        socket.send(JSON.stringify({ id, method, params }));
      }),
    ]);
  try {
    await Promise.race([failed, new Promise((resolve) => socket.once("open", resolve))]);
    await send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const usage = await send("Runtime.getHeapUsage");
    return Number(usage.usedSize) + Number(usage.backingStorageSize ?? 0);
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}

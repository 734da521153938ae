/**
 * Third-party list benchmark (issue #14): 1,000,000 list entries (`BENCH_LIST_ENTRIES`) served by
 * a local HTTP server and synced by Rampart's LAPI under `wrangler dev` (`POST
 * /admin/v1/lists/:name/sync`), beside the real CrowdSec 1.4.6 LAPI (SQLite) importing the same
 * entries with `cscli decisions import`. Printed per side:
 * - import time (Rampart: fetch + strict parse + staging + SQL diff; CrowdSec: cscli import);
 * - `GET /v1/decisions/stream?startup=true`: time to the first byte, total time, body size;
 * - peak memory: Rampart's isolate heap (V8 `Runtime.getHeapUsage` over the inspector, sampled
 *   every 200 ms; the 128 MB limit of a Worker applies to it) and the servers' peak RSS;
 * - a refresh that changes 1 % of the list: sync time and the size of the next delta pull;
 * - the edge bouncer's snapshot build from the startup stream and its lookup time (µs).
 * Every child (wrangler/workerd, crowdsec, cscli) is stopped on exit, SIGINT and SIGTERM.
 * `BENCH_LISTS_CROWDSEC=0` runs Rampart's side only, `BENCH_LISTS_RAMPART=0` CrowdSec's.
 * Benchmarks print; they never assert timings.
 */
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import WebSocket from "ws";
import { parseClientIp } from "../../src/bouncer/matcher/client-ip";
import { DecisionMatcher } from "../../src/bouncer/matcher/decision-matcher";
import { buildSnapshot } from "../../src/bouncer/matcher/snapshot-build";
import { SnapshotIndex } from "../../src/bouncer/matcher/snapshot-index";
import { makeTempDir, removeDir } from "../../test/oracle/crowdsec-config";
import { createCscli } from "../../test/oracle/cscli";
import type { LapiTarget } from "../../test/oracle/lapi-target";
import { type RampartDev, startRampartDev } from "../../test/oracle/rampart-dev";
import { startRealLapi } from "../../test/oracle/real-lapi";
import { memoryOf, mib, serverPids } from "./process-memory";

const ENTRIES = Number(process.env.BENCH_LIST_ENTRIES ?? 1_000_000);
const CHANGED = Math.max(1, Math.floor(ENTRIES / 100));
const LOOKUPS = 200_000;

/** Distinct public IPv4 addresses, deterministic: entry i → 11+(i>>16).(i>>8).(i).1 */
function entry(i: number): string {
  return `${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.1`;
}

function listText(from: number, to: number): string {
  const lines = ["# rampart bench list"];
  for (let i = from; i < to; i++) lines.push(entry(i));
  return `${lines.join("\n")}\n`;
}

/** Cleanup to run whatever ends the bench (normal end, error, SIGINT, SIGTERM). */
const cleanups: (() => Promise<void> | void)[] = [];
async function cleanupAll() {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch (e) {
      console.error("bench cleanup:", e);
    }
  }
}
function onSignal(signal: NodeJS.Signals) {
  console.error(`\nbench lists: ${signal}, stopping children`);
  void cleanupAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
}

/** Samples the isolate heap behind an inspector port until `stop`; returns the peak bytes. */
async function heapSampler(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((ok, fail) => {
    ws.once("open", ok);
    ws.once("error", fail);
  });
  let peak = 0;
  let next = 0;
  const waiting = new Map<number, (r: unknown) => void>();
  ws.on("message", (data) => {
    const reply = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply.result);
  });
  const usage = () =>
    new Promise<{ usedSize: number }>((done) => {
      const id = ++next;
      waiting.set(id, done as (r: unknown) => void);
      ws.send(JSON.stringify({ id, method: "Runtime.getHeapUsage" }));
    });
  let running = true;
  const loop = (async () => {
    while (running) {
      const u = await Promise.race([usage(), new Promise<null>((r) => setTimeout(r, 2000, null))]);
      if (u) peak = Math.max(peak, u.usedSize);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    /** Resets the peak (between phases). */
    reset() {
      peak = 0;
    },
    get peak() {
      return peak;
    },
    async stop() {
      running = false;
      await loop;
      ws.close();
    },
  };
}

interface StreamFigures {
  firstByteMs: number;
  totalMs: number;
  bytes: number;
  count: number;
  body: {
    new: { value: string; scope: string; type: string; origin: string; duration: string }[] | null;
  };
}

/**
 * One request on its own connection and without undici's 300 s header timeout: at a million
 * entries the first stream answer under `wrangler dev` came after almost two minutes (docs/lists.md),
 * and a request that had outlived a timeout left its kept-alive socket unusable for the next one.
 */
async function fresh(url: string, init: { method?: string; headers?: Record<string, string> }) {
  const dispatcher = new Agent({ pipelining: 0, headersTimeout: 0, bodyTimeout: 0 });
  const res = await undiciFetch(url, { ...init, dispatcher });
  return {
    res,
    close: () => dispatcher.close(),
  };
}

async function adminCall(dev: RampartDev, method: string, p: string) {
  const { res, close } = await fresh(new URL(p.replace(/^\//, ""), dev.url).href, {
    method,
    headers: { Authorization: `Bearer ${dev.adminToken}` },
  });
  try {
    return { status: res.status, body: (await res.json()) as unknown };
  } finally {
    await close();
  }
}

async function pull(t: LapiTarget, key: string, startup: boolean): Promise<StreamFigures> {
  const start = performance.now();
  const { res, close } = await fresh(`${t.url}v1/decisions/stream?startup=${startup}`, {
    headers: { "X-Api-Key": key },
  });
  const reader = res.body!.getReader();
  const parts: Uint8Array[] = [];
  let firstByteMs = 0;
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (bytes === 0) firstByteMs = performance.now() - start;
    bytes += value.byteLength;
    parts.push(value);
  }
  const totalMs = performance.now() - start;
  await close();
  const text = Buffer.concat(parts).toString("utf8");
  const body = JSON.parse(text) as StreamFigures["body"];
  return { firstByteMs, totalMs, bytes, count: body.new?.length ?? 0, body };
}

function serve(text: () => string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" }).end(text());
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

interface Side {
  importMs: number;
  importNote: string;
  startup: StreamFigures;
  refreshMs: number | null;
  deltaBytes: number | null;
  deltaCount: number | null;
  heapPeak: number | null;
  rssPeak: number;
}

async function rampartSide(): Promise<Side> {
  let text = listText(0, ENTRIES);
  const server = await serve(() => text);
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const dev = await startRampartDev();
  cleanups.push(() => dev.stop());
  const heap = await heapSampler(dev.inspectorPort);
  cleanups.push(() => heap.stop());
  try {
    return await rampartRuns(dev, server, heap, (t) => {
      text = t;
    });
  } catch (e) {
    const tail = dev.logs().split("\n").slice(-40).join("\n");
    const cause = (e as Error).cause ? ` (${String((e as Error).cause)})` : "";
    throw new Error(`${(e as Error).message}${cause}\n--- wrangler dev, last lines:\n${tail}`);
  }
}

async function rampartRuns(
  dev: RampartDev,
  server: Server,
  heap: Awaited<ReturnType<typeof heapSampler>>,
  setText: (text: string) => void,
): Promise<Side> {
  const key = await dev.addBouncer("bench-lists");
  const port = (server.address() as AddressInfo).port;
  const created = await dev.admin("POST", "/admin/v1/lists", {
    name: "bench",
    url: `http://127.0.0.1:${port}/list.txt`,
    format: "plain",
    scope: "ip",
    duration: "48h",
    max_entries: 2_000_000,
  });
  if (created.status !== 201) throw new Error(`lists add: ${JSON.stringify(created.body)}`);
  const t0 = performance.now();
  const synced = await adminCall(dev, "POST", "/admin/v1/lists/bench/sync");
  const importMs = performance.now() - t0;
  const s = synced.body as { status: string; added?: number; error?: string };
  if (s.status !== "updated") throw new Error(`sync: ${JSON.stringify(s)}`);
  const startup = await pull(dev, key, true);
  // 1 % changes: the first CHANGED entries leave, as many new ones arrive.
  setText(listText(CHANGED, ENTRIES + CHANGED));
  const t1 = performance.now();
  const refreshed = await adminCall(dev, "POST", "/admin/v1/lists/bench/sync");
  const refreshMs = performance.now() - t1;
  const r = refreshed.body as { status: string };
  if (r.status !== "updated") throw new Error(`refresh: ${JSON.stringify(r)}`);
  const delta = await pull(dev, key, false);
  const rssPeak = memoryOf(serverPids(Number(new URL(dev.url).port))).peak;
  return {
    importMs,
    importNote: `+${s.added}`,
    startup,
    refreshMs,
    deltaBytes: delta.bytes,
    deltaCount:
      (delta.body.new?.length ?? 0) +
      ((delta.body as { deleted?: unknown[] }).deleted?.length ?? 0),
    heapPeak: heap.peak,
    rssPeak,
  };
}

async function crowdsecSide(): Promise<Side> {
  const lapi = await startRealLapi();
  cleanups.push(() => lapi.stop());
  await lapi.addMachine("bench-import", "bench-import-password-1");
  const cscli = createCscli({
    credentials: { url: lapi.url, login: "bench-import", password: "bench-import-password-1" },
  });
  cleanups.push(() => cscli.cleanup());
  const key = await lapi.addBouncer("bench-lists");
  const dir = makeTempDir("bench-lists");
  cleanups.push(() => removeDir(dir));
  const file = path.join(dir, "import.csv");
  const rows = ["duration,scope,value"];
  for (let i = 0; i < ENTRIES; i++) rows.push(`48h,ip,${entry(i)}`);
  writeFileSync(file, `${rows.join("\n")}\n`);
  const t0 = performance.now();
  const imported = await cscli.run(["decisions", "import", "-i", file, "--reason", "lists:bench"], {
    timeoutMs: 3_600_000,
  });
  const importMs = performance.now() - t0;
  if (imported.code !== 0) {
    throw new Error(`cscli decisions import: ${imported.code}\n${imported.stderr.slice(-2000)}`);
  }
  const startup = await pull(lapi, key, true);
  const rssPeak = memoryOf(serverPids(Number(new URL(lapi.url).port))).peak;
  return {
    importMs,
    importNote: "cscli decisions import",
    startup,
    refreshMs: null,
    deltaBytes: null,
    deltaCount: null,
    heapPeak: null,
    rssPeak,
  };
}

/** The edge bouncer's snapshot of the startup stream, and per-lookup time on it. */
function bouncerSnapshot(body: StreamFigures["body"]) {
  const now = Date.now();
  const decisions = (body.new ?? []).map((d) => ({
    scope: d.scope,
    value: d.value,
    type: d.type,
    origin: d.origin,
    untilMs: now + 3_600_000,
  }));
  const t0 = performance.now();
  const built = buildSnapshot(decisions, 1, now);
  const buildMs = performance.now() - t0;
  const matcher = new DecisionMatcher(new SnapshotIndex(built.bytes));
  const ips = Array.from({ length: LOOKUPS }, (_, k) =>
    k % 2 === 0 ? entry((k * 7919) % ENTRIES) : `11.${k & 255}.${(k >> 8) & 255}.2`,
  );
  for (let k = 0; k < 20_000; k++) matcher.match({ ip: parseClientIp(ips[k]!) }, now);
  let hits = 0;
  const t1 = performance.now();
  for (const ip of ips) if (matcher.match({ ip: parseClientIp(ip) }, now) !== null) hits++;
  const lookupUs = ((performance.now() - t1) * 1000) / ips.length;
  return { buildMs, bytes: built.bytes.length, lookupUs, hitRate: hits / ips.length };
}

export async function run(): Promise<void> {
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    console.log(`lists bench: ${ENTRIES} entries (IPv4), 48h, one list`);
    // `BENCH_LISTS_RAMPART=0`: CrowdSec's side only.
    if (process.env.BENCH_LISTS_RAMPART === "0") {
      const c = await crowdsecSide();
      const { body: _, ...startup } = c.startup;
      console.log("crowdsec:", JSON.stringify({ ...c, startup }));
      return;
    }
    const r = await rampartSide();
    await cleanupAll();
    const snap = bouncerSnapshot(r.startup.body);
    const { body: _, ...figures } = r.startup;
    console.log("rampart:", JSON.stringify({ ...r, startup: figures, snap }));
    // `BENCH_LISTS_CROWDSEC=0`: Rampart's side only (the 1.4.6 import of a million takes long).
    if (process.env.BENCH_LISTS_CROWDSEC === "0") return;
    const c = await crowdsecSide();
    await cleanupAll();
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const rows: Array<[string, string, string]> = [
      ["import", `${s(c.importMs)} (cscli import)`, `${s(r.importMs)} (lists sync)`],
      ["stream startup: first byte", s(c.startup.firstByteMs), s(r.startup.firstByteMs)],
      ["stream startup: total", s(c.startup.totalMs), s(r.startup.totalMs)],
      ["stream startup: size", mib(c.startup.bytes), mib(r.startup.bytes)],
      ["stream startup: decisions", String(c.startup.count), String(r.startup.count)],
      [`refresh with ${CHANGED} changes (1 %)`, "n/a", r.refreshMs === null ? "?" : s(r.refreshMs)],
      [
        "  next delta pull: size / decisions",
        "n/a",
        `${((r.deltaBytes ?? 0) / 1024).toFixed(0)} KiB / ${r.deltaCount}`,
      ],
      ["peak isolate heap (V8 used)", "n/a (Go)", r.heapPeak === null ? "?" : mib(r.heapPeak)],
      ["server peak RSS (VmHWM)", mib(c.rssPeak), mib(r.rssPeak)],
      ["edge bouncer snapshot build", "n/a", `${snap.buildMs.toFixed(0)} ms, ${mib(snap.bytes)}`],
      ["edge bouncer lookup", "n/a", `${snap.lookupUs.toFixed(2)} µs (hit rate ${snap.hitRate})`],
    ];
    console.log(`${"".padEnd(40)}${"CrowdSec 1.4.6".padEnd(28)}Rampart`);
    for (const [label, a, b] of rows) console.log(`${label.padEnd(40)}${a.padEnd(28)}${b}`);
  } finally {
    await cleanupAll();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/**
 * LAPI benchmark (issue #2): Rampart under `wrangler dev` side by side with the real CrowdSec
 * 1.4.6 LAPI started in the same run, both holding 100,000 active decisions (IPv4, IPv6, ranges):
 * - `GET /v1/decisions?ip=` throughput and p50/p99 latency with wrk (16 connections);
 * - D1 rows read per lookup (Rampart reports the query metadata in `X-Rampart-Rows-Read`);
 * - `GET /v1/decisions/stream?startup=true` time and the servers' peak memory.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { LapiTarget } from "../../test/oracle/lapi-target";
import { startRampartDev } from "../../test/oracle/rampart-dev";
import { startRealLapi } from "../../test/oracle/real-lapi";
import { memoryOf, mib, serverPids } from "./process-memory";

const TOTAL = Number(process.env.BENCH_DECISIONS ?? 100_000);
const CHUNK = 10_000;
const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 10);

/** Deterministic decision values: 60% IPv4, 20% IPv6, 15% IPv4 /24, 5% IPv6 /64. */
export function benchValues(n: number): string[] {
  const out: string[] = [];
  const seq = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const k = i % 20;
    const cat = k < 12 ? 0 : k < 16 ? 1 : k < 19 ? 2 : 3;
    const j = seq[cat]!++;
    if (cat === 0) out.push(`10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`);
    else if (cat === 1)
      out.push(`2001:db8:${(j >> 16).toString(16)}::${(j & 0xffff).toString(16)}`);
    else if (cat === 2) out.push(`${100 + (j >> 16)}.${(j >> 8) & 255}.${j & 255}.0/24`);
    else out.push(`2001:db8:ff:${j.toString(16)}::/64`);
  }
  return out;
}

function alertWith(values: string[], now: Date) {
  const at = now.toISOString();
  return {
    capacity: 0,
    decisions: values.map((value) => ({
      duration: "24h",
      origin: "cscli",
      scenario: "bench import",
      scope: value.includes("/") ? "Range" : "Ip",
      type: "ban",
      value,
    })),
    events: [],
    events_count: 1,
    leakspeed: "0",
    message: `bench import of ${values.length} decisions`,
    scenario: "bench import",
    scenario_hash: "",
    scenario_version: "",
    simulated: false,
    source: { scope: "cscli/manual-import", value: "bench" },
    start_at: at,
    stop_at: at,
  };
}

async function login(t: LapiTarget, machineId: string, password: string): Promise<string> {
  const r = await fetch(`${t.url}v1/watchers/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "User-Agent": "crowdsec/v1.4.6-bench" },
    body: JSON.stringify({ machine_id: machineId, password, scenarios: [] }),
  });
  if (r.status !== 200) throw new Error(`${t.kind} login: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

async function seed(t: LapiTarget, token: string, values: string[]): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < values.length; i += CHUNK) {
    const r = await fetch(`${t.url}v1/alerts`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify([alertWith(values.slice(i, i + CHUNK), new Date())]),
    });
    if (r.status !== 201)
      throw new Error(`${t.kind} POST /v1/alerts: ${r.status} ${await r.text()}`);
  }
  return performance.now() - start;
}

const LUA = `
local ips = {}
for line in io.lines(os.getenv("BENCH_IPS")) do ips[#ips + 1] = line end
local key = os.getenv("BENCH_KEY")
math.randomseed(42)
request = function()
  return wrk.format("GET", "/v1/decisions?ip=" .. ips[math.random(#ips)], { ["X-Api-Key"] = key })
end
`;

interface WrkResult {
  /** wrk's own summary, e.g. "17560 requests in 10.00s, 3.1MB read". */
  summary: string;
  rps: number;
  p50: string;
  p99: string;
  errors: string;
}

function runWrk(
  url: string,
  key: string,
  ipsFile: string,
  luaFile: string,
  seconds: number,
): WrkResult {
  const out = execFileSync(
    "wrk",
    ["-t2", "-c16", `-d${seconds}s`, "--latency", "-s", luaFile, url],
    { encoding: "utf8", env: { ...process.env, BENCH_IPS: ipsFile, BENCH_KEY: key } },
  );
  const pick = (re: RegExp) => re.exec(out)?.[1] ?? "?";
  const non2xx = pick(/Non-2xx or 3xx responses: (\d+)/);
  const socket = /Socket errors: (.*)/.exec(out)?.[1];
  return {
    summary: pick(/^\s*(\d+ requests in [^\n]+)/m),
    rps: Number(pick(/Requests\/sec:\s+([\d.]+)/)),
    p50: pick(/^\s+50%\s+(\S+)/m),
    p99: pick(/^\s+99%\s+(\S+)/m),
    errors:
      [non2xx !== "?" ? `${non2xx} non-2xx` : "", socket ?? ""].filter(Boolean).join("; ") ||
      "none",
  };
}

/** Lookup IPs: half inside stored decisions (singles and ranges), half misses. */
function lookupIps(values: string[]): string[] {
  const ips: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const v = values[(i * 7919) % values.length]!;
    if (i % 2 === 0)
      ips.push(
        v.includes("/")
          ? v.replace(/(\.0|::)\/\d+$/, (m) => (m.startsWith(".") ? ".77" : "::77"))
          : v,
      );
    else ips.push(i % 4 === 1 ? `192.0.2.${i % 250}` : `2001:db8:dead::${i.toString(16)}`);
  }
  return ips;
}

async function rowsReadPerLookup(t: LapiTarget, key: string, ips: string[]) {
  const reads: number[] = [];
  for (const ip of ips.slice(0, 200)) {
    const r = await fetch(`${t.url}v1/decisions?ip=${encodeURIComponent(ip)}`, {
      headers: { "X-Api-Key": key },
    });
    await r.arrayBuffer();
    reads.push(Number(r.headers.get("X-Rampart-Rows-Read") ?? "NaN"));
  }
  reads.sort((a, b) => a - b);
  const avg = reads.reduce((a, b) => a + b, 0) / reads.length;
  return { avg: avg.toFixed(1), max: reads[reads.length - 1]! };
}

async function streamStartup(t: LapiTarget, key: string) {
  const start = performance.now();
  const url = `${t.url}v1/decisions/stream?startup=true`;
  const headers = { "X-Api-Key": key };
  // A pooled keep-alive socket the server closed while wrk ran fails once: retry on a new one.
  const r = await fetch(url, { headers }).catch(() => fetch(url, { headers }));
  let text: string;
  try {
    text = await r.text();
  } catch (e) {
    const tail = t.logs().split("\n").slice(-8).join("\n");
    throw new Error(`${t.kind} stream failed after ${performance.now() - start} ms: ${e}\n${tail}`);
  }
  const ms = performance.now() - start;
  let body: { new: unknown[] | null };
  try {
    body = JSON.parse(text);
  } catch {
    const errors = t
      .logs()
      .split("\n")
      .filter((l) => /error|abort/i.test(l))
      .slice(-5);
    throw new Error(`${t.kind} stream body cut at ${text.length} bytes:\n${errors.join("\n")}`);
  }
  return { ms, count: body.new?.length ?? 0 };
}

interface Figures {
  seedMs: number;
  wrk: WrkResult;
  rows: { avg: string; max: number } | null;
  stream: { ms: number; count: number };
  memBefore: number;
  memPeak: number;
}

async function measure(t: LapiTarget, values: string[], work: string): Promise<Figures> {
  await t.addMachine("bench", "bench-password-1");
  const token = await login(t, "bench", "bench-password-1");
  const key = await t.addBouncer("bench-lookups");
  const streamKey = await t.addBouncer("bench-stream");
  const seedMs = await seed(t, token, values);
  const ips = lookupIps(values);
  const ipsFile = path.join(work, "ips.txt");
  writeFileSync(ipsFile, ips.map(encodeURIComponent).join("\n"));
  const luaFile = path.join(work, "lookup.lua");
  writeFileSync(luaFile, LUA);
  const port = Number(new URL(t.url).port);
  const pids = serverPids(port);
  const memBefore = memoryOf(pids).rss;
  const rows = t.kind === "rampart" ? await rowsReadPerLookup(t, key, ips) : null;
  // Warm-up (not measured): both servers get the same 2 s of traffic to fill their caches.
  runWrk(t.url.replace(/\/$/, ""), key, ipsFile, luaFile, 2);
  const wrk = runWrk(t.url.replace(/\/$/, ""), key, ipsFile, luaFile, WRK_SECONDS);
  const stream = await streamStartup(t, streamKey);
  return { seedMs, wrk, rows, stream, memBefore, memPeak: memoryOf(serverPids(port)).peak };
}

export async function run(): Promise<void> {
  const values = benchValues(TOTAL);
  const work = mkdtempSync(path.join(tmpdir(), "rampart-bench-lapi-"));
  const results: Partial<Record<"crowdsec" | "rampart", Figures>> = {};
  try {
    for (const start of [startRealLapi, startRampartDev] as const) {
      const target: LapiTarget = await start();
      try {
        results[target.kind] = await measure(target, values, work);
      } finally {
        await target.stop();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const c = results.crowdsec!;
  const r = results.rampart!;
  const rows: Array<[string, string, string]> = [
    [
      "seed (POST /v1/alerts, 10k/alert)",
      `${(c.seedMs / 1000).toFixed(1)} s`,
      `${(r.seedMs / 1000).toFixed(1)} s`,
    ],
    ["GET /v1/decisions?ip= req/s (wrk -c16)", c.wrk.rps.toFixed(0), r.wrk.rps.toFixed(0)],
    ["  p50 latency", c.wrk.p50, r.wrk.p50],
    ["  p99 latency", c.wrk.p99, r.wrk.p99],
    ["  socket errors / non-2xx", c.wrk.errors, r.wrk.errors],
    [
      "D1 rows read per lookup (avg / max)",
      "n/a (SQLite)",
      r.rows ? `${r.rows.avg} / ${r.rows.max}` : "?",
    ],
    [
      "stream startup=true time",
      `${(c.stream.ms / 1000).toFixed(2)} s`,
      `${(r.stream.ms / 1000).toFixed(2)} s`,
    ],
    ["  decisions in new", String(c.stream.count), String(r.stream.count)],
    ["server RSS before lookups", mib(c.memBefore), mib(r.memBefore)],
    ["server peak RSS (sum of VmHWM)", mib(c.memPeak), mib(r.memPeak)],
  ];
  console.log(`LAPI with ${TOTAL} active decisions (${WRK_SECONDS}s wrk runs, same machine)`);
  console.log(`${"".padEnd(42)}${"CrowdSec 1.4.6".padEnd(18)}Rampart`);
  for (const [label, a, b] of rows) console.log(`${label.padEnd(42)}${a.padEnd(18)}${b}`);
  console.log(`wrk CrowdSec: ${c.wrk.summary}; wrk Rampart: ${r.wrk.summary}`);
  console.log(
    `lookup throughput ratio: ${(r.wrk.rps / c.wrk.rps).toFixed(1)}x; stream time ratio: ${(r.stream.ms / c.stream.ms).toFixed(2)}`,
  );
}

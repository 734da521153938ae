/**
 * Bucket-object layout benchmark (issue #4): the 100,000-line sshd bench log parsed once by the
 * agent pipeline (Debian hub, default collections) into signals, then posted to Rampart under
 * `wrangler dev` in 5,000-event gzip batches, once per `BUCKET_SHARDS` setting — one object per
 * bucket key (0) or keys spread over N objects. Prints pour RPCs per batch and events/s into the
 * bucket objects (posting until every overflow is an alert). Benchmarks print; they never assert.
 *
 *   node --import tsx scripts/bench/ingest-shards.ts [shards…]     (default: 32; 0 = one object per key)
 *   BENCH_BATCH=200 BENCH_EVENTS=10000 …                           (smaller batches / fewer signals)
 *   BENCH_LOG=nginx …                                              (the nginx bench log)
 *   BENCH_PROFILE=1 …                                              (+ where the isolate's CPU goes)
 *
 * `BENCH_PROFILE=1` attaches V8's sampling profiler to the Worker's isolate (the `wrangler dev`
 * inspector; locally the Worker and every bucket object share it, D1 runs elsewhere) while the
 * batches are posted, and prints the functions with the most self time and the inclusive time of
 * the ingestion steps.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import WebSocket from "ws";
import { debianDirectories } from "../../agent/hub/hub-fs";
import { loadAgentHub } from "../../agent/pipeline/agent-hub";
import { createSignalPipeline } from "../../agent/pipeline/signal-pipeline";
import { bucketObjectName, partitionKey } from "../../src/lapi/ingest/bucket-routing";
import type { EventBatchResult, WireEvent } from "../../src/shared/ingest-wire";
import {
  CROWDSEC_ROOT,
  DEFAULT_COLLECTIONS,
  DEFAULT_EXTRA_PARSERS,
} from "../../test/oracle/crowdsec-dump";
import { startRampartDev } from "../../test/oracle/rampart-dev";

const BATCH = Number(process.env.BENCH_BATCH ?? 5000);
/** Signals posted (all by default); one object per key needs a smaller run to fit locally. */
const MAX_EVENTS = Number(process.env.BENCH_EVENTS ?? Number.POSITIVE_INFINITY);
const MACHINE = "bench-agent";
const PASSWORD = "bench-password-0123456789";
const UA = { "User-Agent": "rampart-agent/0.1.0" };

/** `BENCH_LOG=nginx` replays the nginx bench log instead (many overflows → alerts). */
const KIND = process.env.BENCH_LOG === "nginx" ? "nginx" : "sshd";

function signals(logPath: string) {
  const hub = loadAgentHub(debianDirectories(CROWDSEC_ROOT), {
    collections: DEFAULT_COLLECTIONS,
    parsers: [...DEFAULT_EXTRA_PARSERS],
  });
  const pipeline = createSignalPipeline(hub, MACHINE, { replay: true });
  const events: WireEvent[] = [];
  const started = performance.now();
  for (const line of readFileSync(logPath, "utf8").split("\n")) {
    if (line === "") continue;
    const wire = pipeline.process({
      line,
      source: logPath,
      module: "file",
      labels: { type: KIND === "nginx" ? "nginx" : "syslog" },
      time: Date.now(),
      cursor: { kind: "sequence", runId: "bench", seq: 0 } as never,
    });
    if (wire && events.length < MAX_EVENTS) events.push(wire);
  }
  const parseMs = performance.now() - started;
  return { hub, events, parseMs, stats: pipeline.stats };
}

async function login(url: string): Promise<string> {
  const r = await fetch(`${url}v1/watchers/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...UA },
    body: JSON.stringify({ machine_id: MACHINE, password: PASSWORD, scenarios: [] }),
  });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

async function post(url: string, token: string, path: string, body: unknown): Promise<unknown> {
  const r = await fetch(`${url}${path}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "Content-Encoding": "gzip",
      Authorization: `Bearer ${token}`,
      ...UA,
    },
    body: gzipSync(JSON.stringify(body)),
  });
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** V8 CPU profile as the inspector's `Profiler.stop` returns it. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** Steps whose inclusive time is printed (function names in the bundled Worker). */
const STEPS = [
  "readWireBody",
  "parseQueuedEvent",
  "safeParse",
  "ingestBatch",
  "pourRouted",
  "pourNow",
  "markPouredMany",
  "getBuckets",
  "putBuckets",
  "stateJson",
  "pour",
  "parseMarshaledTime",
  "(program)",
  "(garbage collector)",
  "(idle)",
];

/** Starts the sampling profiler on the isolate behind `port`; `stop` returns the profile. */
async function startProfiler(port: number): Promise<{ stop(): Promise<CpuProfile> }> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((ok, fail) => {
    ws.once("open", ok);
    ws.once("error", fail);
  });
  const waiting = new Map<number, (result: unknown) => void>();
  ws.on("message", (data) => {
    const reply = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply.result);
  });
  let next = 0;
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((done) => {
      const id = ++next;
      waiting.set(id, done);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  await send("Profiler.start");
  return {
    async stop() {
      const { profile } = (await send("Profiler.stop")) as { profile: CpuProfile };
      ws.close();
      return profile;
    },
  };
}

/** Prints the top self times and the inclusive time of each of {@link STEPS}, in seconds. */
function printProfile(profile: CpuProfile): void {
  const self = new Map<number, number>();
  profile.samples.forEach((node, i) => {
    self.set(node, (self.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByName = new Map<string, number>();
  const inclusive = new Map<string, number>();
  // Inclusive time counts a recursive function once per stack.
  const walk = (id: number, stack: ReadonlySet<string>): number => {
    const node = byId.get(id)!;
    const name = node.callFrame.functionName || `(anonymous):${node.callFrame.lineNumber}`;
    const own = self.get(id) ?? 0;
    selfByName.set(name, (selfByName.get(name) ?? 0) + own);
    const inner = new Set(stack).add(name);
    let total = own;
    for (const child of node.children ?? []) total += walk(child, inner);
    if (!stack.has(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + total);
    return total;
  };
  const sampled = walk(profile.nodes[0]!.id, new Set());
  const s = (us: number) => (us / 1e6).toFixed(2).padStart(7);
  console.log(`  isolate profile: ${s(sampled).trim()} s sampled; self time, top 15:`);
  for (const [name, us] of [...selfByName].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`  ${s(us)}  ${name}`);
  }
  console.log("  inclusive time of the ingestion steps:");
  for (const name of STEPS) console.log(`  ${s(inclusive.get(name) ?? 0)}  ${name}`);
}

/** Runs the replay against one shard setting; prints one row. */
async function measure(shards: number, data: ReturnType<typeof signals>) {
  const batches: WireEvent[][] = [];
  for (let i = 0; i < data.events.length; i += BATCH) {
    batches.push(data.events.slice(i, i + BATCH));
  }
  // The Worker routes exactly like this (`routeEvents`): one pour RPC per object a batch touches.
  const rpcs = batches.map((b) => {
    const objects = new Set<string>();
    for (const e of b) {
      for (const t of e.buckets) {
        const key = partitionKey(t.scenario, t.group, t.hash, "deployment", MACHINE);
        objects.add(
          bucketObjectName({ key, group: t.group, mode: "deployment", machineId: MACHINE }, shards),
        );
      }
    }
    return objects.size;
  });
  const lapi = await startRampartDev({ vars: { BUCKET_SHARDS: String(shards) } });
  try {
    await lapi.addMachine(MACHINE, PASSWORD);
    const token = await login(lapi.url);
    await post(lapi.url, token, "v1/rampart/hub", data.hub.registration);
    const profiler = process.env.BENCH_PROFILE ? await startProfiler(lapi.inspectorPort) : null;
    const started = performance.now();
    let overflows = 0;
    let alerts = 0;
    for (const batch of batches) {
      try {
        const r = (await post(lapi.url, token, "v1/rampart/events", {
          events: batch,
        })) as EventBatchResult;
        overflows += r.overflows;
        alerts += r.alerts.length;
      } catch (error) {
        const why = lapi
          .logs()
          .split("\n")
          .filter((l) => /error|Error|limit|memory/.test(l) && !/workers\.cloudflare\.com/.test(l))
          .slice(-4)
          .join(" | ");
        console.log(
          `${String(shards === 0 ? "per key" : shards).padStart(8)} failed on a ${batch.length}-event batch needing ${rpcs[batches.indexOf(batch)]} RPCs: ${(error as Error).message} — ${why}`,
        );
        return;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const targets = data.events.reduce((n, e) => n + e.buckets.length, 0);
    console.log(
      [
        String(shards === 0 ? "per key" : shards).padStart(8),
        String(data.events.length).padStart(7),
        String(targets).padStart(8),
        String(rpcs.reduce((a, b) => a + b, 0)).padStart(9),
        String(Math.max(...rpcs)).padStart(8),
        seconds.toFixed(1).padStart(7),
        String(Math.round(data.events.length / seconds)).padStart(9),
        String(overflows).padStart(9),
        String(alerts).padStart(7),
      ].join(" "),
    );
    if (profiler) printProfile(await profiler.stop());
  } finally {
    await lapi.stop();
  }
}

export async function run(): Promise<void> {
  const log = path.join(import.meta.dirname, `../../.cache/bench/${KIND}-100k.log`);
  if (!existsSync(log)) {
    console.log("skipped: run `node --import tsx scripts/gen-logs.ts --bench` first");
    return;
  }
  if (!existsSync(CROWDSEC_ROOT)) {
    console.log("skipped: CrowdSec 1.4.6 oracle not fetched");
    return;
  }
  const data = signals(log);
  console.log(
    `${KIND}-100k.log: ${data.stats.lines} lines → ${data.events.length} signals in ${(data.parseMs / 1000).toFixed(1)} s (agent pipeline, not timed below)`,
  );
  const args = process.argv.slice(2).map(Number).filter(Number.isInteger);
  // `npm run bench` measures the deployed setting; the layout comparison of the ingest README
  // is `… ingest-shards.ts 1 8 32` (and 0, one object per key, on a smaller run).
  const settings = args.length > 0 ? args : [32];
  console.log("  shards  events  targets  pourRPCs  max/req  post s  events/s overflows  alerts");
  for (const shards of settings) await measure(shards, data);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await run();

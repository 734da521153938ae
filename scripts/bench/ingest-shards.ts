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
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
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
        const key = partitionKey(t.scenario, t.group, "deployment", MACHINE);
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

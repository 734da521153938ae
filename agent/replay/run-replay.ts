/**
 * `rampart-agent -c <config> -dsn file://<log> -type <type> [--local]`: CrowdSec's one-shot replay
 * (`crowdsec -dsn … -type …`, time-machine mode: bucket time is the log's time). The file (gzip
 * too) is read once, parsed with the hub, and
 * - by default, the signals are posted to the LAPI in batches, one at a time, each retried until
 *   acknowledged (the LAPI answers only once the batch's overflows are stored as alerts), so the
 *   command exits 0 when every alert exists;
 * - with `--local`, the bucket core and the postoverflows run in-process and each alert is printed
 *   as a JSON line (the `POST /v1/alerts` element it would have been): offline analysis.
 * A summary (lines, parsed, events, overflows, alerts) ends the run.
 */
import { MAX_EVENTS_PER_BATCH, type WireEvent } from "../../src/shared/ingest-wire.js";
import { entryFromDsn } from "../acquisition/acquisition-config.js";
import { goGlob } from "../acquisition/go-glob.js";
import { OffsetStore } from "../acquisition/offset-store.js";
import { createSource, type FileConfig } from "../acquisition/source-registry.js";
import type { AcquisitionSource } from "../acquisition/types.js";
import { loadAgentConfig } from "../config/agent-config.js";
import { ConfigError } from "../config/config-error.js";
import { loadCredentials } from "../config/credentials.js";
import { machineIdOf } from "../daemon/agent-runtime.js";
import { loadConfiguredHub } from "../hub/configured-hub.js";
import { LapiError } from "../lapi/lapi-error.js";
import { type ClosableLapiSession, createLapiSession } from "../lapi/lapi-session.js";
import { createSignalPipeline, type PipelineStats } from "../pipeline/signal-pipeline.js";
import { createLocalBuckets } from "./local-buckets.js";
import { formatReplaySummary, type ReplaySummary } from "./replay-summary.js";

/** Where the replay writes. */
export interface ReplayIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** What `-dsn` asks for. */
export interface ReplayRequest {
  configPath: string;
  dsn: string;
  type: string;
  /** In-process buckets, alerts printed (`--local`). */
  local: boolean;
  /** Events per batch (default and maximum {@link MAX_EVENTS_PER_BATCH}). */
  batchSize?: number;
  /** Delays between attempts of a batch the LAPI could not take (retryable errors). */
  retryDelaysMs?: readonly number[];
}

const DEFAULT_RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15_000, 30_000];

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Runs the replay; returns the exit code (0 = every line processed, every batch acknowledged). */
export async function runReplay(request: ReplayRequest, io: ReplayIo): Promise<number> {
  const started = performance.now();
  let session: ClosableLapiSession | null = null;
  let source: AcquisitionSource | null = null;
  try {
    const config = loadAgentConfig(request.configPath);
    const entry = entryFromDsn(request.dsn, { type: request.type });
    const patterns = (entry.config as FileConfig).patterns;
    if (patterns.every((p) => goGlob(p).length === 0)) {
      throw new ConfigError("-dsn", "", `no file matches ${patterns.join(", ")}`);
    }
    const credentials = request.local ? null : loadCredentials(config.lapi.credentialsPath);
    const hub = loadConfiguredHub(config);
    for (const warning of hub.warnings) io.stderr(`rampart-agent: warning: ${warning}\n`);
    const pipeline = createSignalPipeline(hub, credentials ? machineIdOf(credentials) : "local", {
      replay: true,
    });
    source = createSource(entry, { offsets: OffsetStore.inMemory(), stdin: process.stdin });
    const summary: ReplaySummary = {
      dsn: request.dsn,
      local: request.local,
      stats: pipeline.stats as PipelineStats,
      batches: 0,
      accepted: 0,
      duplicates: 0,
      targets: 0,
      overflows: 0,
      alerts: 0,
      startupMs: 0,
      postMs: 0,
      elapsedMs: 0,
    };

    if (request.local) {
      const buckets = createLocalBuckets(hub);
      summary.startupMs = performance.now() - started;
      for await (const line of source) {
        const evt = pipeline.parse(line);
        if (evt === null) continue;
        for (const alert of buckets.pour(evt)) io.stdout(`${JSON.stringify(alert)}\n`);
      }
      summary.accepted = buckets.stats.poured;
      summary.targets = buckets.stats.pours;
      summary.overflows = buckets.stats.overflows;
      summary.alerts = buckets.stats.alerts;
      summary.elapsedMs = performance.now() - started;
      // Alerts own stdout (JSON lines); the summary goes to stderr.
      io.stderr(`${formatReplaySummary(summary)}\n`);
      return 0;
    }

    session = createLapiSession({
      credentials: credentials!,
      url: config.lapi.url,
      scenarios: hub.registration.scenarios.map((s) => s.name),
      registration: hub.registration,
      insecureSkipVerify: config.lapi.insecureSkipVerify,
    });
    const lapi = session;
    // Fail early (bad credentials, unreachable LAPI, a registration the LAPI refuses).
    await lapi.ensureLoggedIn();
    summary.startupMs = performance.now() - started;
    const retryDelays = request.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const post = async (events: WireEvent[]) => {
      const postStarted = performance.now();
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await lapi.postEvents({ events });
          summary.batches++;
          summary.accepted += result.accepted;
          summary.duplicates += result.duplicates;
          summary.overflows += result.overflows;
          summary.alerts += result.alerts.length;
          summary.postMs += performance.now() - postStarted;
          return;
        } catch (error) {
          const delay = retryDelays[attempt];
          if (!(error instanceof LapiError) || !error.retryable || delay === undefined) throw error;
          io.stderr(`rampart-agent: ${error.message}; retrying in ${delay} ms\n`);
          await sleep(delay);
        }
      }
    };
    const batchSize = Math.min(request.batchSize ?? MAX_EVENTS_PER_BATCH, MAX_EVENTS_PER_BATCH);
    let batch: WireEvent[] = [];
    // One batch in flight while the next one is parsed; batches are posted in file order.
    let inFlight: Promise<void> = Promise.resolve();
    for await (const line of source) {
      const wire = pipeline.process(line);
      if (wire === null) continue;
      batch.push(wire);
      if (batch.length >= batchSize) {
        await inFlight;
        inFlight = post(batch);
        // Surface a failure at the next await instead of as an unhandled rejection.
        inFlight.catch(() => {});
        batch = [];
      }
    }
    await inFlight;
    if (batch.length > 0) await post(batch);
    summary.targets = pipeline.stats.targets;
    summary.elapsedMs = performance.now() - started;
    io.stdout(`${formatReplaySummary(summary)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`rampart-agent: ${error.message}\n`);
      return 1;
    }
    if (error instanceof LapiError) {
      io.stderr(`rampart-agent: LAPI: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    // A failed batch ends the run mid-file: release the file and the sockets.
    await source?.close();
    await session?.close();
  }
}

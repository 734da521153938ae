import { DurableObject } from "cloudflare:workers";
import { type Db, openDb } from "../../db/client";
import {
  type BlackholeState,
  type BucketState,
  type CompiledScenario,
  expire,
  newBucket,
  pour,
} from "../../engine/buckets";
import { isExpired } from "../../engine/buckets/pour";
import { reviveEvent } from "../../engine/buckets/queued-event";
import { ExpectMode, type PipelineEvent } from "../../engine/event";
import type { Env } from "../env";
import { type CompiledFile, HubCache } from "../ingest/hub-cache";
import { type IngestConfig, loadIngestConfig } from "../ingest/ingest-config";
import {
  type BucketObjectApi,
  type BucketObjectStats,
  type OutboxEntry,
  overflowDelivery,
  type PourRequest,
  type PourResponse,
  type PourTarget,
} from "../ingest/pour-rpc";
import { FAMILIES } from "../metrics/metric-families";
import { metricsObject } from "../metrics/metrics-object";
import { labelText } from "../metrics/series";
import { type BucketRow, BucketStore } from "./bucket-store";

/** How long a deliverer owns an outbox entry before someone else may deliver it again. */
export const OUTBOX_LEASE_MS = 30_000;
/** Idle time after which a replay (TIMEMACHINE) instance is dropped: replays never pause long. */
export const REPLAY_IDLE_MS = 60 * 60_000;
/** Dedup ids are purged in batches: the alarm waits this long past the oldest one's retention. */
const PURGE_SLACK_MS = 10 * 60_000;
/** Most instances, outbox entries handled per alarm (the alarm re-arms when more are due). */
const ALARM_BATCH = 500;
/** Orphaned outbox entries handed to each pour request (leases expired). */
const ORPHANS_PER_POUR = 50;
/** Longest wait between two delivery attempts of a failing overflow. */
const MAX_RETRY_MS = 60 * 60_000;

/** Wall-clock ms when `state` should be collected (LIVE: its lifetime; replay: idle time). */
function expiryOf(state: BucketState, scenario: CompiledScenario, now: number): number {
  if (state.mode === ExpectMode.LIVE && scenario.lifetimeMs > 0) {
    const from = scenario.timedOverflow ? state.firstUs : state.lastUs;
    if (from !== null) return Math.floor(from / 1000) + scenario.lifetimeMs + 1;
  }
  return now + REPLAY_IDLE_MS;
}

/** The moment a LIVE instance's lifetime ran out (a counter's timed overflow time), ms. */
function lifetimeEnd(state: BucketState, scenario: CompiledScenario): number {
  const from = scenario.timedOverflow ? state.firstUs : state.lastUs;
  return Math.floor((from ?? 0) / 1000) + scenario.lifetimeMs;
}

/**
 * A set of bucket partitions (one shard of the key space, or one key): pours events into them,
 * keeps every instance, blackhole and dedup id in its SQLite storage, and holds the overflows in
 * an outbox until they are stored as alerts. It never stores alerts nor pours into other objects:
 * the overflow delivery (`../ingest/deliver.ts`) does, and acks back. The alarm collects idle
 * instances (a LIVE counter emits its timed overflow then), purges old dedup ids and hands the
 * overflows whose delivery was never acknowledged to that delivery (service binding `DELIVERY`).
 */
export class BucketObject extends DurableObject<Env> implements BucketObjectApi {
  private readonly store: BucketStore;
  private readonly hub = new HubCache();
  private readonly config: IngestConfig;
  private readonly db: Db;
  /** The object's name once known (see {@link rememberName}). */
  private name: string | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.db = openDb(env.DB);
    this.store = new BucketStore(ctx.storage.sql);
    this.config = loadIngestConfig(env);
  }

  /** Pours a request's events, in order, into their partitions; see {@link PourResponse}. */
  async pour(request: PourRequest): Promise<PourResponse> {
    const keys = request.events.flatMap((e) => e.targets.map((t) => t.contentKey));
    const files = await this.hub.scenarioFiles(this.db, keys);
    const unknown = new Map<string, { scenario: string; contentKey: string }>();
    for (const e of request.events) {
      for (const t of e.targets) {
        if (!files.get(t.contentKey)?.has(t.scenario)) {
          unknown.set(`${t.scenario}\u0000${t.contentKey}`, {
            scenario: t.scenario,
            contentKey: t.contentKey,
          });
        }
      }
    }
    if (unknown.size > 0) {
      return {
        poured: 0,
        duplicates: [],
        unknown: [...unknown.values()],
        outbox: [],
        orphans: [],
        created: [],
        ended: [],
      };
    }
    const now = Date.now();
    this.rememberName();
    // One transaction: a pour that throws half-way leaves no dedup id without its pour.
    const response = this.ctx.storage.transactionSync(() => this.pourNow(request, files, now));
    await this.scheduleAlarm(now);
    return response;
  }

  /** The synchronous part of `pour`: every write lands in one atomic commit. */
  private pourNow(
    request: PourRequest,
    files: Map<string, CompiledFile>,
    now: number,
  ): PourResponse {
    const touched = new Map<string, BucketRow | null>();
    const blackholes = new Map<string, BlackholeState>();
    const outbox = new Map<string, OutboxEntry>();
    const fresh: { entry: OutboxEntry; cause: { eventId: string; key: string } }[] = [];
    let poured = 0;
    let duplicateTotal = 0;
    const created = new Map<string, number>();
    const ended = new Map<string, number>();
    const instantiate = (scenario: CompiledScenario, key: string, mode: number) => {
      created.set(scenario.name, (created.get(scenario.name) ?? 0) + 1);
      return newBucket(scenario, key, mode);
    };
    const end = (scenario: CompiledScenario) =>
      ended.set(scenario.name, (ended.get(scenario.name) ?? 0) + 1);

    const blackholeOf = (name: string) => {
      let list = blackholes.get(name);
      if (!list) {
        list = this.store.getBlackhole(name);
        blackholes.set(name, list);
      }
      return list;
    };
    const emit = (entry: OutboxEntry, cause: { eventId: string; key: string }) => {
      fresh.push({ entry, cause });
      outbox.set(entry.id, entry);
    };
    const pourOne = (e: PourRequest["events"][number], t: PourTarget, evt: PipelineEvent): void => {
      const scenario = files.get(t.contentKey)!.get(t.scenario)!;
      const row = touched.has(t.key) ? touched.get(t.key)! : (stored.get(t.key) ?? null);
      let state = row?.state ?? instantiate(scenario, t.key, e.event.ExpectMode);
      const cause = { eventId: e.id, key: t.key };
      if (
        row &&
        state.mode === ExpectMode.LIVE &&
        scenario.timedOverflow &&
        isExpired(state, scenario, e.time * 1000)
      ) {
        // The counter's duration ended before this event: its timer (1.4.6 `durationTicker`)
        // would have fired, whether or not the alarm got there first.
        const at = lifetimeEnd(state, scenario);
        const timed = expire(state, scenario, at, blackholeOf(scenario.name));
        if (scenario.blackholeMs > 0) blackholes.set(scenario.name, timed.blackhole);
        if (timed.overflow) {
          emit(
            { id: crypto.randomUUID(), machineId: row.machine, time: at, overflow: timed.overflow },
            cause,
          );
        }
        end(scenario);
        state = instantiate(scenario, t.key, e.event.ExpectMode);
      }
      const out = pour(state, evt, scenario, e.time, blackholeOf(scenario.name), () => e.event);
      poured++;
      if (!out.state) end(scenario);
      if (scenario.blackholeMs > 0) blackholes.set(scenario.name, out.blackhole);
      touched.set(
        t.key,
        out.state
          ? {
              key: t.key,
              scenario: scenario.name,
              hash: t.contentKey,
              machine: request.machineId,
              state: out.state,
              expiresAt: expiryOf(out.state, scenario, now),
            }
          : null,
      );
      if (out.overflow) {
        emit(
          {
            id: crypto.randomUUID(),
            machineId: request.machineId,
            time: e.time,
            overflow: out.overflow,
          },
          cause,
        );
      }
    };

    // Batched statements: the dedup ids and the instances a request touches are read and
    // written a hundred parameters at a time (statements, not bytes, dominated the object's time).
    const recorded = this.store.markPouredMany(
      request.events.map((e) => e.id),
      now,
    );
    const stored = this.store.getBuckets([
      ...new Set(request.events.flatMap((e) => e.targets.map((t) => t.key))),
    ]);
    const duplicates = request.events.map((e) => {
      let dups = 0;
      // `delete`: the same id twice in one request pours once.
      if (!recorded.delete(e.id)) {
        // A retried batch: its targets here were poured in one transaction; whatever they
        // produced and is still undelivered goes back out.
        for (const entry of this.store.outboxOfCause(e.id)) outbox.set(entry.id, entry);
        dups = e.targets.length;
      } else {
        const evt = reviveEvent(e.event);
        for (const t of e.targets) pourOne(e, t, evt);
      }
      duplicateTotal += dups;
      return dups;
    });

    this.store.putBuckets([...touched.values()].filter((row) => row !== null));
    this.store.deleteBuckets([...touched].filter(([, row]) => row === null).map(([key]) => key));
    for (const [name, list] of blackholes) this.store.putBlackhole(name, list);
    for (const { entry, cause } of fresh) {
      this.store.addOutbox(entry, cause, now, now + OUTBOX_LEASE_MS);
    }
    const orphans = this.store
      .outboxDue(now, ORPHANS_PER_POUR)
      .filter((entry) => !outbox.has(entry.id));
    this.store.leaseOutbox(
      [...outbox.keys(), ...orphans.map((e) => e.id)].filter(
        (id) => !fresh.some((f) => f.entry.id === id),
      ),
      now + OUTBOX_LEASE_MS,
    );
    this.store.addStats(request.machineId, poured, duplicateTotal);
    return {
      poured,
      duplicates,
      unknown: [],
      outbox: [...outbox.values()],
      orphans,
      created: [...created],
      ended: [...ended],
    };
  }

  /** Removes delivered overflows from the outbox. */
  async ack(ids: string[]): Promise<void> {
    this.store.ackOutbox(ids);
  }

  /** Pour/dedup counters (all machines or one), live instances and undelivered overflows. */
  async stats(machineId?: string): Promise<BucketObjectStats> {
    return {
      ...this.store.stats(machineId),
      instances: this.store.countBuckets(),
      pendingOverflows: this.store.countOutbox(),
    };
  }

  /** Collects idle instances, purges old dedup ids, delivers overflows nobody acknowledged. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const expired = this.store.expiredBuckets(now, ALARM_BATCH);
    const scenarioOf = await this.scenariosFor(expired);
    const gone = new Map<string, { ended: number; underflowed: number }>();
    for (const candidate of expired) {
      // Re-read: a pour may have refreshed the instance while the registry was being read.
      const row = this.store.getBucket(candidate.key);
      if (!row || row.expiresAt > now) continue;
      this.store.deleteBucket(row.key);
      const scenario = scenarioOf(row);
      const count = gone.get(row.scenario) ?? { ended: 0, underflowed: 0 };
      gone.set(row.scenario, count);
      count.ended++;
      if (!scenario || row.state.mode !== ExpectMode.LIVE || row.state.lastUs === null) {
        count.underflowed++;
        continue;
      }
      const ended = expire(
        row.state,
        scenario,
        lifetimeEnd(row.state, scenario),
        this.store.getBlackhole(scenario.name),
      );
      if (scenario.blackholeMs > 0) this.store.putBlackhole(scenario.name, ended.blackhole);
      // An idle instance that leaked out without overflowing: 1.4.6's underflow ("Expired").
      if (!ended.overflow) count.underflowed++;
      if (ended.overflow) {
        const at = lifetimeEnd(row.state, scenario);
        this.store.addOutbox(
          { id: crypto.randomUUID(), machineId: row.machine, time: at, overflow: ended.overflow },
          { eventId: "", key: row.key },
          now,
          now,
        );
      }
    }
    this.store.purgePoured(now - this.config.retentionMs);
    await this.reportEnded(gone);
    await this.deliverDue(now);
    await this.scheduleAlarm(Date.now());
  }

  /**
   * The alarm's collected instances, to the metrics object (`cs_buckets{name}` down,
   * `cs_bucket_underflowed_total{name}` up). Best effort: a failed send is logged, the
   * collection itself is already committed.
   */
  private async reportEnded(gone: Map<string, { ended: number; underflowed: number }>) {
    if (gone.size === 0 || !this.env.METRICS) return;
    const current = FAMILIES.bucketsCurrent;
    const underflowed = FAMILIES.bucketUnderflowedBy;
    const deltas = [...gone].flatMap(([name, n]) => [
      { name: current.name, labels: labelText(current, { name }), value: -n.ended },
      { name: underflowed.name, labels: labelText(underflowed, { name }), value: n.underflowed },
    ]);
    try {
      await metricsObject(this.env.METRICS).add(deltas.filter((d) => d.value !== 0));
    } catch (error) {
      console.error(`buckets: reporting expired instances failed: ${(error as Error).message}`);
    }
  }

  /**
   * The compiled scenario of each row: the content it was last poured with. Contents are never
   * overwritten (a new version is a new key), so a counter's timed overflow is not lost to a hub
   * upgrade; housekeeping purges a content only long after its last machine dropped it.
   */
  private async scenariosFor(rows: readonly BucketRow[]) {
    const files = await this.hub.scenarioFiles(
      this.db,
      rows.map((r) => r.hash),
    );
    return (row: BucketRow): CompiledScenario | undefined => files.get(row.hash)?.get(row.scenario);
  }

  /**
   * The name callers reach this object by (what the delivery acks to). `ctx.id.name` is set for
   * `getByName` ids; it is also stored, for an alarm invocation that would not carry it.
   */
  private rememberName(): void {
    const name = this.ctx.id.name;
    if (name !== undefined && name !== this.name) {
      this.store.setName(name);
      this.name = name;
    }
  }

  /** Hands the outbox entries whose lease ran out to the overflow delivery (no request waits). */
  private async deliverDue(now: number): Promise<void> {
    const due = this.store.outboxDue(now, ALARM_BATCH);
    if (due.length === 0) return;
    this.store.leaseOutbox(
      due.map((e) => e.id),
      now + OUTBOX_LEASE_MS,
    );
    try {
      const object = this.ctx.id.name ?? this.name ?? this.store.name();
      if (object === undefined) throw new Error("the object's name is unknown");
      // The delivery stores the alerts, then acks to this object over RPC (its call reaches us
      // while we await: an outgoing call opens the input gate).
      await overflowDelivery(this.env.DELIVERY).deliver([{ object, entries: due }]);
    } catch (error) {
      const message = (error as Error).message;
      console.error(`bucket object: overflow delivery failed: ${message}`);
      for (const entry of due) {
        const attempts = this.store.attemptsOf(entry.id) + 1;
        const wait = Math.min(MAX_RETRY_MS, OUTBOX_LEASE_MS * 2 ** Math.min(attempts, 10));
        this.store.failOutbox(entry.id, now + wait, message);
      }
    }
  }

  private async scheduleAlarm(now: number): Promise<void> {
    const next = this.store.nextWakeUp(this.config.retentionMs, PURGE_SLACK_MS);
    if (next === null) return;
    const at = Math.max(next, now + 1000);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}

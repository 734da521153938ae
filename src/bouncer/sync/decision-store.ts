import { DurableObject } from "cloudflare:workers";
import { type BouncerConfig, loadBouncerConfig } from "../config";
import type { Env } from "../env";
import type { SnapshotChange } from "../matcher/decision-matcher";
import type { MatcherDecision } from "../matcher/decision-target";
import { CHUNK_BYTES } from "../matcher/snapshot-format";
import { UsageLedger } from "../metrics/usage-ledger";
import type { UsageDelta } from "../metrics/usage-report";
import { lapiTransport, pullStream, type StreamDecision } from "./lapi-stream";
import { readMeta, writeMeta } from "./store-meta";
import { DECISION_COLUMNS, DECISIONS_INDEX, STORE_TABLES } from "./store-schema";
import {
  compileStoredDecisions,
  readStoredSnapshot,
  type StoredSnapshot,
  snapshotIndexOf,
  writeStoredSnapshot,
} from "./stored-snapshot";

/** How long an isolate's first `state` call waits for the startup pull before giving up. */
const FIRST_SNAPSHOT_WAIT_MS = 3_000;
/** Changes an isolate may receive as an overlay before the store folds them into a snapshot. */
const MIN_COMPACT_CHANGES = 1_000;

/** What an isolate needs to catch up from `(version, seq)`. */
export interface StoreState {
  /** Snapshot version; 0 = no successful startup sync yet. */
  version: number;
  /** Last change sequence number. */
  seq: number;
  /** Chunks and total bytes of the snapshot `version`. */
  chunks: number;
  bytes: number;
  /** Changes after the caller's `seq` (all changes when the caller needs a new snapshot). */
  changes: SnapshotChange[];
}

/** Outcome of one stream pull. */
export interface SyncReport {
  ok: boolean;
  startup: boolean;
  added: number;
  deleted: number;
  filtered: number;
  /** Of `filtered`: range decisions wider than MIN_RANGE_PREFIX, not enforced. */
  wide: number;
  compacted: boolean;
  error?: string;
}

/** Operational state, for `/.rampart/status` and tests. */
export interface StoreStatus {
  version: number;
  seq: number;
  decisions: number;
  snapshotBytes: number;
  lastSyncAt: number | null;
  lastError: string | null;
  syncs: number;
  usagePushes: number;
}

/**
 * The one authoritative copy of the decision set for a bouncer deployment: pulls the LAPI stream
 * (startup, then deltas) on an alarm loop, on cron and on demand; keeps the decisions in its
 * SQLite storage; and publishes them as a versioned binary snapshot (src/bouncer/matcher) plus a
 * log of changes since that snapshot. Isolates load the snapshot once and then only fetch the
 * change log; once the log grows past ~5% of the set it is folded into a new snapshot.
 */
export class DecisionStore extends DurableObject<Env> {
  private readonly config: BouncerConfig;
  private version = 0;
  private published: StoredSnapshot = {
    bytes: new Uint8Array(0),
    ids: new Float64Array(0),
    positions: new Int32Array(0),
  };
  private baseSize = 0;
  private syncing: Promise<SyncReport> | null = null;
  private readonly usage: UsageLedger;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = loadBouncerConfig(env);
    this.usage = new UsageLedger(ctx.storage);
    ctx.blockConcurrencyWhile(async () => this.open());
  }

  private get sql() {
    return this.ctx.storage.sql;
  }

  private open() {
    for (const statement of STORE_TABLES) this.sql.exec(statement);
    this.version = Number(this.meta("version") ?? 0);
    this.baseSize = Number(this.meta("base_size") ?? 0);
    this.published = readStoredSnapshot(this.sql);
  }

  /** Snapshot index of decision `id`, or null when it is not part of the current snapshot. */
  private baseIndexOf(id: number): number | null {
    return snapshotIndexOf(this.published, id);
  }

  private meta(key: string): string | null {
    return readMeta(this.sql, key);
  }

  private setMeta(key: string, value: string | number) {
    writeMeta(this.sql, key, value);
  }

  private lastSeq(): number {
    const row = this.sql
      .exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM changes")
      .toArray()[0];
    return Number(row?.s ?? this.meta("seq_floor") ?? 0);
  }

  /** Starts the alarm loop if it is not running (called by cron and by isolates). */
  async ensureScheduled(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  /**
   * Starts the startup pull *in the alarm* and waits a little for it. The pull belongs to the
   * alarm event, not to the caller's RPC: a caller that gives up (its client disconnected) must
   * not cancel a long first pull and make the next caller start it over. Alarms are also retried.
   */
  private async awaitFirstSnapshot() {
    const at = await this.ctx.storage.getAlarm();
    if (at === null || at > Date.now()) await this.ctx.storage.setAlarm(Date.now());
    const deadline = Date.now() + FIRST_SNAPSHOT_WAIT_MS;
    while (this.version === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  override async alarm(): Promise<void> {
    try {
      await this.sync();
      await this.pushUsageIfDue();
    } finally {
      await this.ctx.storage.setAlarm(Date.now() + this.config.sync.syncIntervalMs);
    }
  }

  /** Pulls the stream once; concurrent callers share the pull in flight. */
  sync(): Promise<SyncReport> {
    if (!this.syncing) {
      this.syncing = this.pull().finally(() => {
        this.syncing = null;
      });
    }
    return this.syncing;
  }

  private async pull(): Promise<SyncReport> {
    const startup = this.meta("started") !== "1";
    const lapi = lapiTransport(this.env.LAPI, this.config.sync);
    let result: Awaited<ReturnType<typeof pullStream>>;
    this.sql.exec("DELETE FROM incoming");
    if (startup) {
      // A startup answer replaces the whole set: load it into a fresh table without its index
      // (cheaper than maintaining it row by row) and swap it in at the end.
      this.sql.exec("DROP TABLE IF EXISTS decisions_next");
      this.sql.exec(`CREATE TABLE decisions_next (${DECISION_COLUMNS})`);
    }
    try {
      // Multi-row inserts under the 100-bound-parameter cap: 14 rows of 7, or 12 rows of 8.
      const width = startup ? 7 : 8;
      const perStatement = startup ? 98 : 96;
      const row = `(${Array(width).fill("?").join(", ")})`;
      const batch: (string | number)[] = [];
      const flush = () => {
        if (batch.length === 0) return;
        const values = Array(batch.length / width)
          .fill(row)
          .join(", ");
        if (startup) {
          this.sql.exec(
            `INSERT OR REPLACE INTO decisions_next (id, scope, value, type, origin, scenario, until_ms) VALUES ${values}`,
            ...batch,
          );
        } else {
          this.sql.exec(
            `INSERT INTO incoming (list, id, scope, value, type, origin, scenario, until_ms) VALUES ${values}`,
            ...batch,
          );
        }
        batch.length = 0;
      };
      result = await pullStream(lapi, this.config.sync, startup, Date.now, (list, d) => {
        if (startup) {
          // Deletions in a startup answer are decisions that expired; the new set has none of them.
          if (list === "deleted") return;
          batch.push(d.id, d.scope, d.value, d.type, d.origin, d.scenario, d.untilMs);
        } else {
          batch.push(list, d.id, d.scope, d.value, d.type, d.origin, d.scenario, d.untilMs);
        }
        if (batch.length === perStatement) flush();
      });
      flush();
    } catch (e) {
      const error = (e as Error).message;
      this.sql.exec("DELETE FROM incoming");
      this.sql.exec("DROP TABLE IF EXISTS decisions_next");
      this.setMeta("last_error", error);
      return {
        ok: false,
        startup,
        added: 0,
        deleted: 0,
        filtered: 0,
        wide: 0,
        compacted: false,
        error,
      };
    }
    const report = {
      ok: true,
      startup,
      added: 0,
      deleted: 0,
      filtered: result.filtered,
      wide: result.wide,
      compacted: false,
    };
    const staged = (list: string) =>
      this.sql.exec<StagedRow>(
        "SELECT id, scope, value, type, origin, scenario, until_ms FROM incoming WHERE list = ? ORDER BY rowid",
        list,
      );
    this.ctx.storage.transactionSync(() => {
      if (startup) {
        this.sql.exec("DROP TABLE decisions");
        this.sql.exec("ALTER TABLE decisions_next RENAME TO decisions");
        this.sql.exec(DECISIONS_INDEX);
        report.added = result.new;
        this.setMeta("started", "1");
      } else {
        // go-cs-bouncer order: deletions first, then additions.
        for (const r of staged("deleted")) report.deleted += this.remove(fromStaged(r));
        for (const r of staged("new")) report.added += this.upsert(fromStaged(r)) ? 1 : 0;
      }
      this.sql.exec("DELETE FROM incoming");
      this.setMeta("last_sync_at", Date.now());
      this.setMeta("syncs", Number(this.meta("syncs") ?? 0) + 1);
      this.sql.exec("DELETE FROM meta WHERE key = 'last_error'");
    });
    const pending = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM changes").one().n;
    if (
      startup ||
      this.version === 0 ||
      pending > Math.max(MIN_COMPACT_CHANGES, this.baseSize / 20)
    ) {
      this.compact();
      report.compacted = true;
    }
    return report;
  }

  private insert(d: StreamDecision) {
    this.sql.exec(
      "INSERT OR REPLACE INTO decisions (id, scope, value, type, origin, scenario, until_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
      d.id,
      d.scope,
      d.value,
      d.type,
      d.origin,
      d.scenario,
      d.untilMs,
    );
  }

  /** Applies a `new` entry; false when it only repeats what is held (stream overlap). */
  private upsert(d: StreamDecision): boolean {
    const held = this.sql
      .exec<{ until_ms: number }>("SELECT until_ms FROM decisions WHERE id = ?", d.id)
      .toArray()[0];
    if (held && Math.abs(held.until_ms - d.untilMs) < 5_000) return false;
    if (held) this.logChange({ op: "del", id: d.id, baseIndex: this.baseIndexOf(d.id) });
    this.insert(d);
    this.logChange({ op: "add", id: d.id, decision: toMatcher(d) });
    return true;
  }

  /**
   * Applies a `deleted` entry: by id, or — when LAPI's dedup reports another row of the same
   * value (see docs/bouncer.md) — every held decision with that scope, value and type, which is
   * what the CrowdSec bouncers do (they key by value).
   */
  private remove(d: StreamDecision): number {
    let rows = this.sql
      .exec<{ id: number }>("SELECT id FROM decisions WHERE id = ?", d.id)
      .toArray();
    if (rows.length === 0) {
      rows = this.sql
        .exec<{ id: number }>(
          "SELECT id FROM decisions WHERE scope = ? AND value = ? AND type = ?",
          d.scope,
          d.value,
          d.type,
        )
        .toArray();
    }
    for (const r of rows) {
      this.sql.exec("DELETE FROM decisions WHERE id = ?", r.id);
      this.logChange({ op: "del", id: r.id, baseIndex: this.baseIndexOf(r.id) });
    }
    return rows.length;
  }

  private logChange(c: SnapshotChange) {
    if (c.op === "add") {
      this.sql.exec(
        "INSERT INTO changes (op, id, body) VALUES ('add', ?, ?)",
        c.id,
        JSON.stringify(c.decision),
      );
    } else {
      this.sql.exec(
        "INSERT INTO changes (op, id, base_idx) VALUES ('del', ?, ?)",
        c.id,
        c.baseIndex,
      );
    }
  }

  /**
   * Folds everything into a new snapshot version and empties the change log. Rows are read with
   * a cursor into the compact SnapshotBuilder, so a million decisions fit the object's memory.
   */
  private compact() {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM decisions WHERE until_ms <= ?", now);
      const version = (this.version + 1) >>> 0 || 1;
      const published = compileStoredDecisions(this.sql, version, now);
      writeStoredSnapshot(this.sql, published);
      this.published = published;
      // Keep sequence numbers monotonic across compactions (isolates compare them).
      this.setMeta("seq_floor", this.lastSeq());
      this.sql.exec("DELETE FROM changes");
      this.setMeta("version", version);
      this.setMeta("base_size", published.ids.length);
      this.version = version;
      this.baseSize = published.ids.length;
    });
  }

  /**
   * What an isolate holding `(haveVersion, haveSeq)` must fetch. Before the first snapshot exists
   * the caller waits up to 3 s for the startup pull, so a new deployment with a small set answers
   * with data; version 0 means "nothing yet" (the isolate then applies FAIL_MODE), never "empty".
   */
  async state(haveVersion: number, haveSeq: number): Promise<StoreState> {
    if (this.version === 0) await this.awaitFirstSnapshot();
    void this.ensureScheduled();
    const fresh = haveVersion !== this.version;
    const since = fresh ? 0 : haveSeq;
    const changes = this.sql
      .exec<{ seq: number; op: string; id: number; base_idx: number | null; body: string | null }>(
        "SELECT seq, op, id, base_idx, body FROM changes WHERE seq > ? ORDER BY seq",
        since,
      )
      .toArray()
      .map(
        (r): SnapshotChange =>
          r.op === "add"
            ? { op: "add", id: r.id, decision: JSON.parse(r.body!) as MatcherDecision }
            : { op: "del", id: r.id, baseIndex: r.base_idx },
      );
    return {
      version: this.version,
      seq: this.lastSeq(),
      chunks: Math.ceil(this.published.bytes.length / CHUNK_BYTES),
      bytes: this.published.bytes.length,
      changes,
    };
  }

  /** Chunk `index` of snapshot `version`, or null when that version has been replaced. */
  chunk(version: number, index: number): Uint8Array | null {
    if (version !== this.version) return null;
    return this.published.bytes.slice(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES);
  }

  status(): StoreStatus {
    return {
      version: this.version,
      seq: this.lastSeq(),
      decisions: this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM decisions").one().n,
      snapshotBytes: this.published.bytes.length,
      lastSyncAt: this.meta("last_sync_at") === null ? null : Number(this.meta("last_sync_at")),
      lastError: this.meta("last_error"),
      syncs: Number(this.meta("syncs") ?? 0),
      usagePushes: Number(this.meta("usage_pushes") ?? 0),
    };
  }

  /** Adds an isolate's counters to the window reported to LAPI's usage-metrics. */
  recordUsage(delta: UsageDelta): void {
    this.usage.record(delta);
  }

  /** Sends the current window to `POST /v1/usage-metrics` now (also run from the alarm). */
  pushUsage(): Promise<number> {
    return this.usage.push(
      lapiTransport(this.env.LAPI, this.config.sync),
      this.config.sync.lapiKey,
    );
  }

  private async pushUsageIfDue() {
    if (!this.usage.due(this.config.sync.metricsIntervalMs)) return;
    try {
      await this.pushUsage();
    } catch (e) {
      this.setMeta("last_error", `usage-metrics: ${(e as Error).message}`);
    }
  }
}

type StagedRow = {
  id: number;
  scope: string;
  value: string;
  type: string;
  origin: string;
  scenario: string;
  until_ms: number;
};

function fromStaged(r: StagedRow): StreamDecision {
  return {
    id: r.id,
    scope: r.scope,
    value: r.value,
    type: r.type,
    origin: r.origin,
    scenario: r.scenario,
    untilMs: r.until_ms,
  };
}

function toMatcher(d: StreamDecision): MatcherDecision {
  return { scope: d.scope, value: d.value, type: d.type, origin: d.origin, untilMs: d.untilMs };
}

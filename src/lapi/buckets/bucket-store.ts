import type { BlackholeState, BucketState } from "../../engine/buckets";
import type { QueuedEvent } from "../../engine/buckets/queued-event";
import type { OutboxEntry } from "../ingest/pour-rpc";

/**
 * The SQLite tables of one bucket object and the statements over them. Everything is written
 * synchronously inside one RPC (the runtime commits a turn's writes atomically and holds the
 * answer until they are durable), so an evicted or restarted object resumes exactly where it
 * answered last.
 */

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS buckets (
    key TEXT PRIMARY KEY, scenario TEXT NOT NULL, hash TEXT NOT NULL, machine TEXT NOT NULL,
    state TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS buckets_expires_at ON buckets (expires_at)",
  "CREATE TABLE IF NOT EXISTS blackholes (scenario TEXT PRIMARY KEY, entries TEXT NOT NULL)",
  // Dedup ids: one row per (event id, object) — every target an event has in this object is
  // poured in the same transaction, so the event id alone says they all were.
  `CREATE TABLE IF NOT EXISTS poured_events (
    event_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS poured_events_at ON poured_events (at)",
  // The per-(event id, partition) dedup table of an early development layout: no release used it.
  "DROP TABLE IF EXISTS poured",
  `CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY, machine TEXT NOT NULL, cause_event TEXT NOT NULL, cause_key TEXT NOT NULL,
    time INTEGER NOT NULL, overflow TEXT NOT NULL, created_at INTEGER NOT NULL,
    leased_until INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT)`,
  "CREATE INDEX IF NOT EXISTS outbox_cause ON outbox (cause_event)",
  "CREATE INDEX IF NOT EXISTS outbox_leased_until ON outbox (leased_until)",
  // The object's own name (what the delivery acks to), for alarms.
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  `CREATE TABLE IF NOT EXISTS stats (
    machine TEXT PRIMARY KEY, pours INTEGER NOT NULL, duplicates INTEGER NOT NULL)`,
];

/** One persisted instance with what the object needs besides the engine state. */
export interface BucketRow {
  key: string;
  scenario: string;
  /**
   * Content key of the registered file last poured with (`PourTarget.contentKey`; instances of
   * releases before per-machine hubs hold a file hash here, which no content key matches).
   */
  hash: string;
  /** Machine of the last pour: the alert of a timed overflow is its alert. */
  machine: string;
  state: BucketState;
  /** Wall-clock ms after which the alarm collects the instance. */
  expiresAt: number;
}

type Row = Record<string, SqlStorageValue>;

/** Bound parameters one Durable Object SQL statement may take. */
const MAX_PARAMETERS = 100;
/** Keys per `IN (…)` lookup or delete. */
const KEYS_PER_STATEMENT = MAX_PARAMETERS;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `(?, ?), (?, ?)` for `rows` rows of `columns` values; `?, ?` for one column. */
function placeholders(rows: number, columns: number): string {
  const row = columns === 1 ? "?" : `(${Array(columns).fill("?").join(", ")})`;
  return Array(rows).fill(row).join(", ");
}

/** Typed access to one object's SQLite storage. */
export class BucketStore {
  /** JSON of queued events: one snapshot sits in every partition the event was poured into. */
  private readonly eventJson = new WeakMap<QueuedEvent, string>();

  constructor(private readonly sql: SqlStorage) {
    for (const statement of SCHEMA) sql.exec(statement);
  }

  getBucket(key: string): BucketRow | null {
    const rows = this.sql
      .exec<Row>(
        "SELECT key, scenario, hash, machine, state, expires_at FROM buckets WHERE key = ?",
        key,
      )
      .toArray();
    return rows.length === 0 ? null : toBucketRow(rows[0]!);
  }

  /**
   * The stored instances of `keys` (absent keys are missing from the map): one statement per
   * {@link KEYS_PER_STATEMENT} keys instead of one per key.
   */
  getBuckets(keys: readonly string[]): Map<string, BucketRow> {
    const out = new Map<string, BucketRow>();
    for (const chunk of chunks(keys, KEYS_PER_STATEMENT)) {
      const rows = this.sql
        .exec<Row>(
          `SELECT key, scenario, hash, machine, state, expires_at FROM buckets
           WHERE key IN (${placeholders(chunk.length, 1)})`,
          ...chunk,
        )
        .toArray();
      for (const r of rows) out.set(String(r.key), toBucketRow(r));
    }
    return out;
  }

  /** Upserts instances, several rows per statement. */
  putBuckets(rows: readonly BucketRow[]): void {
    for (const chunk of chunks(rows, Math.floor(MAX_PARAMETERS / 6))) {
      this.sql.exec(
        `INSERT INTO buckets (key, scenario, hash, machine, state, expires_at)
         VALUES ${placeholders(chunk.length, 6)}
         ON CONFLICT (key) DO UPDATE SET scenario = excluded.scenario, hash = excluded.hash,
           machine = excluded.machine, state = excluded.state, expires_at = excluded.expires_at`,
        ...chunk.flatMap((row) => [
          row.key,
          row.scenario,
          row.hash,
          row.machine,
          this.stateJson(row.state),
          row.expiresAt,
        ]),
      );
    }
  }

  /** Deletes instances, a hundred keys per statement. */
  deleteBuckets(keys: readonly string[]): void {
    for (const chunk of chunks(keys, KEYS_PER_STATEMENT)) {
      this.sql.exec(
        `DELETE FROM buckets WHERE key IN (${placeholders(chunk.length, 1)})`,
        ...chunk,
      );
    }
  }

  /**
   * `JSON.stringify(state)` with each queued event serialised once per store: the same snapshot
   * is queued in up to one instance per scenario (4 for an sshd failure), and the event JSON is
   * most of an instance's row.
   */
  private stateJson(state: BucketState): string {
    const { queue, ...rest } = state;
    const events = queue.map((q) => {
      let json = this.eventJson.get(q);
      if (json === undefined) {
        json = JSON.stringify(q);
        this.eventJson.set(q, json);
      }
      return json;
    });
    return `${JSON.stringify(rest).slice(0, -1)},"queue":[${events.join(",")}]}`;
  }

  deleteBucket(key: string): void {
    this.sql.exec("DELETE FROM buckets WHERE key = ?", key);
  }

  /** Instances whose expiry passed at `now` (oldest first, at most `limit`). */
  expiredBuckets(now: number, limit: number): BucketRow[] {
    return this.sql
      .exec<Row>(
        `SELECT key, scenario, hash, machine, state, expires_at FROM buckets
         WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`,
        now,
        limit,
      )
      .toArray()
      .map(toBucketRow);
  }

  countBuckets(): number {
    return Number(this.sql.exec<Row>("SELECT COUNT(*) AS n FROM buckets").one().n);
  }

  getBlackhole(scenario: string): BlackholeState {
    const rows = this.sql
      .exec<Row>("SELECT entries FROM blackholes WHERE scenario = ?", scenario)
      .toArray();
    return rows.length === 0 ? [] : (JSON.parse(String(rows[0]!.entries)) as BlackholeState);
  }

  putBlackhole(scenario: string, entries: BlackholeState): void {
    if (entries.length === 0) {
      this.sql.exec("DELETE FROM blackholes WHERE scenario = ?", scenario);
      return;
    }
    this.sql.exec(
      `INSERT INTO blackholes (scenario, entries) VALUES (?, ?)
       ON CONFLICT (scenario) DO UPDATE SET entries = excluded.entries`,
      scenario,
      JSON.stringify(entries),
    );
  }

  /**
   * Records that the events' targets in this object are poured; returns the ids newly recorded.
   * An id missing from the result was recorded before (a retry: every target it has here was
   * poured then, in the same transaction) or appears earlier in `ids`.
   */
  markPouredMany(ids: readonly string[], now: number): Set<string> {
    const recorded = new Set<string>();
    for (const chunk of chunks(ids, Math.floor(MAX_PARAMETERS / 2))) {
      const rows = this.sql
        .exec<Row>(
          `INSERT INTO poured_events (event_id, at) VALUES ${placeholders(chunk.length, 2)}
           ON CONFLICT DO NOTHING RETURNING event_id`,
          ...chunk.flatMap((id) => [id, now]),
        )
        .toArray();
      for (const r of rows) recorded.add(String(r.event_id));
    }
    return recorded;
  }

  purgePoured(before: number): number {
    const cursor = this.sql.exec("DELETE FROM poured_events WHERE at < ?", before);
    cursor.toArray();
    return cursor.rowsWritten;
  }

  addOutbox(
    entry: OutboxEntry,
    cause: { eventId: string; key: string },
    now: number,
    leaseUntil: number,
  ) {
    this.sql.exec(
      `INSERT INTO outbox (id, machine, cause_event, cause_key, time, overflow, created_at, leased_until)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      entry.id,
      entry.machineId,
      cause.eventId,
      cause.key,
      entry.time,
      JSON.stringify(entry.overflow),
      now,
      leaseUntil,
    );
  }

  /** Undelivered overflows an event caused here (any partition): a retried batch picks them up. */
  outboxOfCause(eventId: string): OutboxEntry[] {
    return this.sql
      .exec<Row>("SELECT id, machine, time, overflow FROM outbox WHERE cause_event = ?", eventId)
      .toArray()
      .map(toOutboxEntry);
  }

  /** Undelivered overflows whose lease expired at `now` (oldest first, at most `limit`). */
  outboxDue(now: number, limit: number): OutboxEntry[] {
    return this.sql
      .exec<Row>(
        `SELECT id, machine, time, overflow FROM outbox WHERE leased_until <= ?
         ORDER BY leased_until, created_at LIMIT ?`,
        now,
        limit,
      )
      .toArray()
      .map(toOutboxEntry);
  }

  /** Leases entries to a deliverer until `until` (no one else is handed them before). */
  leaseOutbox(ids: readonly string[], until: number): void {
    for (const id of ids)
      this.sql.exec("UPDATE outbox SET leased_until = ? WHERE id = ?", until, id);
  }

  /** A failed delivery: the entry comes due again at `retryAt`. */
  failOutbox(id: string, retryAt: number, error: string): void {
    this.sql.exec(
      "UPDATE outbox SET leased_until = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
      retryAt,
      error.slice(0, 1000),
      id,
    );
  }

  attemptsOf(id: string): number {
    const rows = this.sql.exec<Row>("SELECT attempts FROM outbox WHERE id = ?", id).toArray();
    return rows.length === 0 ? 0 : Number(rows[0]!.attempts);
  }

  ackOutbox(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec("DELETE FROM outbox WHERE id = ?", id);
  }

  countOutbox(): number {
    return Number(this.sql.exec<Row>("SELECT COUNT(*) AS n FROM outbox").one().n);
  }

  /** The name this object is reached by, once a caller revealed it. */
  name(): string | undefined {
    const rows = this.sql.exec<Row>("SELECT value FROM meta WHERE key = 'name'").toArray();
    return rows.length === 0 ? undefined : String(rows[0]!.value);
  }

  setName(name: string): void {
    this.sql.exec(
      `INSERT INTO meta (key, value) VALUES ('name', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      name,
    );
  }

  addStats(machine: string, pours: number, duplicates: number): void {
    if (pours === 0 && duplicates === 0) return;
    this.sql.exec(
      `INSERT INTO stats (machine, pours, duplicates) VALUES (?, ?, ?)
       ON CONFLICT (machine) DO UPDATE SET pours = pours + excluded.pours,
         duplicates = duplicates + excluded.duplicates`,
      machine,
      pours,
      duplicates,
    );
  }

  stats(machine?: string): { pours: number; duplicates: number } {
    const row =
      machine === undefined
        ? this.sql
            .exec<Row>(
              "SELECT COALESCE(SUM(pours), 0) AS p, COALESCE(SUM(duplicates), 0) AS d FROM stats",
            )
            .one()
        : this.sql
            .exec<Row>(
              "SELECT COALESCE(SUM(pours), 0) AS p, COALESCE(SUM(duplicates), 0) AS d FROM stats WHERE machine = ?",
              machine,
            )
            .one();
    return { pours: Number(row.p), duplicates: Number(row.d) };
  }

  /**
   * When the alarm next has work: an instance expiring, an outbox lease running out, or dedup ids
   * reaching the retention (+ `purgeSlack`, so a busy object purges in batches). Null = none.
   */
  nextWakeUp(retentionMs: number, purgeSlack: number): number | null {
    const row = this.sql
      .exec<Row>(
        `SELECT (SELECT MIN(expires_at) FROM buckets) AS b, (SELECT MIN(leased_until) FROM outbox) AS o,
           (SELECT MIN(at) FROM poured_events) AS p`,
      )
      .one();
    const times = [
      row.b === null ? null : Number(row.b),
      row.o === null ? null : Number(row.o),
      row.p === null ? null : Number(row.p) + retentionMs + purgeSlack,
    ].filter((t): t is number => t !== null);
    return times.length === 0 ? null : Math.min(...times);
  }
}

function toBucketRow(r: Row): BucketRow {
  return {
    key: String(r.key),
    scenario: String(r.scenario),
    hash: String(r.hash),
    machine: String(r.machine),
    state: JSON.parse(String(r.state)) as BucketState,
    expiresAt: Number(r.expires_at),
  };
}

function toOutboxEntry(r: Row): OutboxEntry {
  return {
    id: String(r.id),
    machineId: String(r.machine),
    time: Number(r.time),
    overflow: JSON.parse(String(r.overflow)),
  };
}

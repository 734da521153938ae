/**
 * Web console benchmark (issue 15): the LAPI under `wrangler dev` holding 100,000 alerts (spread
 * over the last 24 h; 40 scenarios, 30 countries, 50 AS; one decision on every fourth alert),
 * written straight into its local D1 with one SQL statement per table. Each console page view is
 * repeated and reported as:
 * - server time: the Worker's `Server-Timing: app;dur=` (request start → response built);
 * - round trip: what the client waited (loopback, includes wrangler dev's proxy);
 * - D1 rows read: `X-Rampart-D1-Rows-Read`, D1's `rows_read` summed over the request's statements.
 * The `wrangler dev` children are killed on exit, SIGINT and SIGTERM.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Agent, fetch } from "undici";
import { type RampartDev, startRampartDev } from "../../test/oracle/rampart-dev";

const TOTAL = Number(process.env.BENCH_ALERTS ?? 100_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 15);
/**
 * Idle sockets are dropped before wrangler dev's server drops them (Node's 5 s keep-alive): the
 * seeding takes longer than that, and a reused dead socket would fail the first page view.
 */
const dispatcher = new Agent({ keepAliveTimeout: 1000, keepAliveMaxTimeout: 1000 });

/** One INSERT … SELECT per table over a recursive counter: seconds, not minutes, for 100,000. */
function seedSql(total: number, now: number): string {
  const span = 24 * 3_600_000 - 60_000;
  return `
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${total - 1})
INSERT INTO alerts (uuid, machine_id, scenario, message, kind, events_count, start_at, start_at_ms,
  stop_at, stop_at_ms, capacity, source_scope, source_value, source_ip, source_as_number,
  source_as_name, source_country, created_at, updated_at)
SELECT printf('bench-%d', i), 'bench-agent', printf('bench/scenario-%02d', i % 40),
  'bench alert', '', 5,
  strftime('%Y-%m-%dT%H:%M:%SZ', (${now} - (${total - 1} - i) * ${span} / ${total}) / 1000, 'unixepoch'),
  ${now} - (${total - 1} - i) * ${span} / ${total},
  strftime('%Y-%m-%dT%H:%M:%SZ', (${now} - (${total - 1} - i) * ${span} / ${total}) / 1000, 'unixepoch'),
  ${now} - (${total - 1} - i) * ${span} / ${total}, 5, 'Ip',
  printf('10.%d.%d.%d', (i >> 16) & 255, (i >> 8) & 255, i & 255),
  printf('10.%d.%d.%d', (i >> 16) & 255, (i >> 8) & 255, i & 255),
  printf('%d', 64500 + i % 50), printf('BENCH-AS-%d', i % 50),
  char(65 + i % 26, 65 + (i / 26) % 5),
  ${now} - (${total - 1} - i) * ${span} / ${total}, ${now} - (${total - 1} - i) * ${span} / ${total}
FROM n;
INSERT INTO decisions (uuid, alert_id, until, scenario, type, scope, value, origin, ip_size,
  start_ip, end_ip, created_at, updated_at)
SELECT 'bench-d-' || id, id, created_at + 4 * 3600000, scenario, 'ban', 'Ip', source_value,
  'crowdsec', 4,
  unhex(printf('0A%02X%02X%02X', (id >> 16) & 255, (id >> 8) & 255, id & 255)),
  unhex(printf('0A%02X%02X%02X', (id >> 16) & 255, (id >> 8) & 255, id & 255)),
  created_at, created_at
FROM alerts WHERE id % 4 = 0;
`;
}

interface Sample {
  serverMs: number;
  roundTripMs: number;
  rowsRead: number;
}

async function view(lapi: RampartDev, pathAndQuery: string): Promise<Sample & { body: unknown }> {
  const start = performance.now();
  const r = await fetch(new URL(pathAndQuery, lapi.url), {
    headers: { Authorization: `Bearer ${lapi.adminToken}` },
    dispatcher,
  });
  const body = await r.json();
  const roundTripMs = performance.now() - start;
  if (r.status !== 200) throw new Error(`${pathAndQuery}: ${r.status} ${JSON.stringify(body)}`);
  const timing = /app;dur=(\d+(?:\.\d+)?)/.exec(r.headers.get("Server-Timing") ?? "");
  return {
    body,
    roundTripMs,
    serverMs: timing ? Number(timing[1]) : Number.NaN,
    rowsRead: Number(r.headers.get("X-Rampart-D1-Rows-Read") ?? Number.NaN),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)] ?? Number.NaN;
};

/** Kills the wrangler dev process group synchronously (usable from `exit` handlers). */
function killerFor(lapi: RampartDev): () => void {
  return () => {
    const pgid = lapi.processGroup();
    if (pgid === undefined) return;
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
}

export async function run(): Promise<void> {
  const lapi = await startRampartDev({ vars: { FLUSH_MAX_ITEMS: "", FLUSH_MAX_AGE: "" } });
  const kill = killerFor(lapi);
  const onSignal = (signal: NodeJS.Signals) => {
    kill();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("exit", kill);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const tmp = mkdtempSync(path.join(tmpdir(), "rampart-console-bench-"));
  try {
    const sqlFile = path.join(tmp, "seed.sql");
    writeFileSync(sqlFile, seedSql(TOTAL, Date.now()));
    const seedStart = performance.now();
    execFileSync(
      path.join(process.cwd(), "node_modules", ".bin", "wrangler"),
      ["d1", "execute", "rampart", "--local", "--persist-to", lapi.persistDir, "--file", sqlFile],
      { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CI: "true" } },
    );
    console.log(
      `seeded ${TOTAL} alerts (+${Math.floor(TOTAL / 4)} decisions) in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
    );

    // Page 1, then the page a cursor walk reaches after four pages.
    let cursor = "";
    for (let i = 0; i < 4; i++) {
      const page = await view(
        lapi,
        `admin/v1/console/alerts?limit=50${cursor && `&cursor=${cursor}`}`,
      );
      cursor = (page.body as { next_cursor: string }).next_cursor;
    }
    const views: [string, string][] = [
      ["overview (24h window)", "admin/v1/console/overview?window=24h"],
      ["overview (1h window)", "admin/v1/console/overview?window=1h"],
      ["alerts page 1 (50)", "admin/v1/console/alerts?limit=50"],
      ["alerts page 5 (cursor)", `admin/v1/console/alerts?limit=50&cursor=${cursor}`],
      ["alerts by scenario", "admin/v1/console/alerts?limit=50&scenario=bench/scenario-07"],
      ["alerts by IP", "admin/v1/console/alerts?limit=50&ip=10.0.3.7"],
      ["alerts since 1h", "admin/v1/console/alerts?limit=50&since=1h"],
      ["alert inspect", "admin/v1/console/alerts/50000"],
      ["decisions page 1 (50)", "admin/v1/console/decisions?limit=50"],
      ["decisions by range /16", "admin/v1/console/decisions?ip=10.1.0.0/16&contained=true"],
      ["decisions by scenario", "admin/v1/console/decisions?scenario=bench/scenario-07"],
    ];
    console.log(
      `\n${"page view".padEnd(26)}${"server p50".padStart(12)}${"server p95".padStart(12)}${"trip p50".padStart(10)}${"rows read".padStart(11)}`,
    );
    for (const [label, url] of views) {
      await view(lapi, url); // warm the isolate and SQLite's page cache
      const samples: Sample[] = [];
      for (let i = 0; i < REPEAT; i++) samples.push(await view(lapi, url));
      const ms = (x: number) => `${x.toFixed(0)} ms`;
      console.log(
        `${label.padEnd(26)}${ms(median(samples.map((s) => s.serverMs))).padStart(12)}${ms(p95(samples.map((s) => s.serverMs))).padStart(12)}${ms(median(samples.map((s) => s.roundTripMs))).padStart(10)}${String(median(samples.map((s) => s.rowsRead))).padStart(11)}`,
      );
    }
    console.log(
      `\n${TOTAL} alerts, ${REPEAT} views each after one warm-up; local D1 (miniflare SQLite) on this machine.`,
    );
  } catch (error) {
    console.error(lapi.logs().slice(-4000));
    throw error;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await lapi.stop();
    process.off("exit", kill);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await dispatcher.close();
  }
}

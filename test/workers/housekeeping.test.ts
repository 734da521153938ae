import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runHousekeeping } from "../../src/lapi/housekeeping";
import { seedDecisions } from "./seed";

const DAY = 86_400_000;

async function alertAt(createdAt: number): Promise<number> {
  const row = await env.DB.prepare(
    "INSERT INTO alerts (uuid, scenario, start_at, start_at_ms, stop_at, stop_at_ms, created_at) VALUES (?, 'old', '', 0, '', 0, ?) RETURNING id",
  )
    .bind(crypto.randomUUID(), createdAt)
    .first<{ id: number }>();
  return row!.id;
}

const count = async (sql: string, ...args: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...args)
    .first<{ n: number }>())!.n;

describe("housekeeping (cron)", () => {
  it("flushes alerts older than the max age unless they still carry an active decision", async () => {
    const now = Date.now();
    const stale = await alertAt(now - 8 * DAY);
    const live = await alertAt(now - 8 * DAY);
    await env.DB.prepare(
      "INSERT INTO decisions (uuid, alert_id, until, scenario, type, scope, value, origin) VALUES ('u1', ?, ?, 's', 'ban', 'Ip', '192.0.2.1', 'cscli'), ('u2', ?, ?, 's', 'ban', 'Ip', '192.0.2.2', 'cscli')",
    )
      .bind(stale, now - DAY, live, now + DAY)
      .run();
    const result = await runHousekeeping({ ...env, FLUSH_MAX_ITEMS: "" }, now);
    expect(result.byAge).toBeGreaterThanOrEqual(1);
    expect(await count("SELECT COUNT(*) AS n FROM alerts WHERE id = ?", stale)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM alerts WHERE id = ?", live)).toBe(1);
    // The flushed alert's decisions go with it (cascade) and leave tombstones for the caches.
    expect(await count("SELECT COUNT(*) AS n FROM decisions WHERE alert_id = ?", stale)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM decision_tombstones")).toBeGreaterThan(0);
  });

  it("keeps at most max items alerts, sparing those with active decisions", async () => {
    const now = Date.now();
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await alertAt(now));
    // Among the alerts past the 3 newest, the second still carries an active decision.
    await env.DB.prepare(
      "INSERT INTO decisions (uuid, alert_id, until, scenario, type, scope, value, origin) VALUES ('u3', ?, ?, 's', 'ban', 'Ip', '192.0.2.3', 'cscli')",
    )
      .bind(ids[1], now + DAY)
      .run();
    // The newest alert, holding an active decision too.
    await seedDecisions([{ value: "192.0.2.50", ttl: DAY }]);
    await runHousekeeping({ ...env, FLUSH_MAX_AGE: "", FLUSH_MAX_ITEMS: "3" }, now);
    const left = await env.DB.prepare(
      `SELECT id FROM alerts WHERE id IN (${ids.map(() => "?").join(", ")}) ORDER BY id`,
    )
      .bind(...ids)
      .all<{ id: number }>();
    expect(left.results.map((r) => r.id)).toEqual([ids[1], ids[4], ids[5]]);
    expect(await count("SELECT COUNT(*) AS n FROM decisions WHERE value = '192.0.2.50'")).toBe(1);
  });

  it("auto-deletes idle bouncers and idle remote machines without alerts", async () => {
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO bouncers (name, api_key_hash, last_pull) VALUES ('idle', 'h1', ?), ('busy', 'h2', ?)",
    )
      .bind(now - 3 * DAY, now)
      .run();
    await env.DB.prepare(
      "INSERT INTO machines (machine_id, password, ip_address, last_heartbeat) VALUES ('gone', 'x', '203.0.113.5', ?), ('local', 'x', '127.0.0.1', ?)",
    )
      .bind(now - 3 * DAY, now - 3 * DAY)
      .run();
    const r = await runHousekeeping(
      { ...env, BOUNCERS_AUTODELETE_API_KEY: "1d", AGENTS_AUTODELETE_PASSWORD: "1d" },
      now,
    );
    expect(r.bouncers).toBe(1);
    expect(r.machines).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM bouncers WHERE name = 'busy'")).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM machines WHERE machine_id = 'local'")).toBe(1);
  });
});

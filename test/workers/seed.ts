import { env } from "cloudflare:workers";
import { parseIpOrRange } from "../../src/shared/ip-range";

export interface SeedDecision {
  value: string;
  scope?: string;
  type?: string;
  origin?: string;
  scenario?: string;
  simulated?: boolean;
  /** Remaining lifetime in ms (negative = expired). */
  ttl: number;
  createdAt?: number;
}

/**
 * Inserts decisions straight into D1 (one alert holding them), for tests of the read paths that
 * must not depend on the alert-writing code.
 */
export async function seedDecisions(list: SeedDecision[], now = Date.now()): Promise<number[]> {
  const alert = await env.DB.prepare(
    "INSERT INTO alerts (uuid, scenario, start_at, start_at_ms, stop_at, stop_at_ms) VALUES (?, 'seed', '', 0, '', 0) RETURNING id",
  )
    .bind(crypto.randomUUID())
    .first<{ id: number }>();
  const statements = list.map((d) => {
    const scope = d.scope ?? "Ip";
    const isIp = ["ip", "range"].includes(scope.toLowerCase());
    const r = isIp ? parseIpOrRange(d.value) : null;
    return env.DB.prepare(
      `INSERT INTO decisions (uuid, alert_id, until, scenario, type, scope, value, origin, simulated, ip_size, start_ip, end_ip, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    ).bind(
      crypto.randomUUID(),
      alert!.id,
      now + d.ttl,
      d.scenario ?? "crowdsecurity/ssh-bf",
      d.type ?? "ban",
      scope,
      d.value,
      d.origin ?? "crowdsec",
      d.simulated ? 1 : 0,
      r ? r.size : 0,
      r ? r.start : null,
      r ? r.end : null,
      d.createdAt ?? now,
    );
  });
  const results = await env.DB.batch<{ id: number }>(statements);
  const ids = results.slice(0, list.length).map((r) => r.results[0]!.id);
  return ids;
}

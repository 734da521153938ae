import { formatGoDuration } from "../../src/shared/duration";

/**
 * An in-memory LAPI that serves the bouncer side of the contract — `GET /v1/decisions/stream`
 * (CrowdSec 1.4.6 pkg/apiserver/controllers/v1/decisions.go: startup lists everything active,
 * deltas list what was created or expired since the previous pull, 403 `access forbidden` for a bad
 * key) and `POST /v1/usage-metrics` (201, pkg/apiserver/controllers/v1/usagemetrics.go since
 * CrowdSec 1.6.3) — plus `/test/*` routes the Workers tests use to add/expire decisions. It runs in
 * Node and is bound to the bouncer as the `LAPI` service binding (vitest.bouncer.config.ts). The
 * real LAPIs (Rampart's and CrowdSec 1.4.6) are exercised by test/e2e/bouncer-*.test.ts.
 */
interface Row {
  id: number;
  scope: string;
  value: string;
  type: string;
  origin: string;
  scenario: string;
  createdAt: number;
  untilMs: number;
}

export const STREAM_LAPI_KEY = "stream-lapi-test-key";

export function createStreamLapi() {
  let rows: Row[] = [];
  let nextId = 1;
  let lastPull: number | null = null;
  let failing = false;
  const usage: unknown[] = [];
  const pulls: string[] = [];

  const wire = (r: Row, now: number) => ({
    duration: formatGoDuration(r.untilMs - now),
    id: r.id,
    origin: r.origin,
    scenario: r.scenario,
    scope: r.scope,
    type: r.type,
    value: r.value,
  });

  return async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const now = Date.now();
    if (url.pathname === "/test/reset") {
      rows = [];
      lastPull = null;
      failing = false;
      usage.length = 0;
      pulls.length = 0;
      return Response.json({ ok: true });
    }
    if (url.pathname === "/test/failing") {
      failing = url.searchParams.get("on") === "true";
      return Response.json({ failing });
    }
    if (url.pathname === "/test/decisions" && request.method === "POST") {
      const list = (await request.json()) as (Partial<Row> & { durationMs: number })[];
      const ids = list.map((d) => {
        const row: Row = {
          id: nextId++,
          scope: d.scope ?? "Ip",
          value: d.value!,
          type: d.type ?? "ban",
          origin: d.origin ?? "cscli",
          scenario: d.scenario ?? "manual 'ban' from 'test'",
          createdAt: now,
          untilMs: now + d.durationMs,
        };
        rows.push(row);
        return row.id;
      });
      return Response.json(ids);
    }
    if (url.pathname === "/test/decisions" && request.method === "DELETE") {
      // Like DELETE /v1/decisions: expire (until = now), so the next delta lists them as deleted.
      const value = url.searchParams.get("value");
      let n = 0;
      for (const r of rows) {
        if (r.value === value && r.untilMs > now) {
          r.untilMs = now;
          n++;
        }
      }
      return Response.json({ nbDeleted: String(n) });
    }
    if (url.pathname === "/test/usage") return Response.json(usage);
    if (url.pathname === "/test/pulls") return Response.json(pulls);

    if (request.headers.get("X-Api-Key") !== STREAM_LAPI_KEY) {
      return Response.json({ message: "access forbidden" }, { status: 403 });
    }
    if (url.pathname === "/v1/decisions/stream") {
      pulls.push(url.search);
      if (failing) return Response.json({ message: "database is down" }, { status: 500 });
      const startup = url.searchParams.get("startup") === "true";
      const scopes = (url.searchParams.get("scopes") ?? "ip,range")
        .split(",")
        .map((s) => s.toLowerCase());
      const inScope = rows.filter((r) => scopes.includes(r.scope.toLowerCase()));
      const fresh = inScope.filter(
        (r) => r.untilMs > now && (startup || lastPull === null || r.createdAt > lastPull),
      );
      const gone = inScope.filter(
        (r) => r.untilMs <= now && (startup || lastPull === null || r.untilMs > lastPull - 2000),
      );
      lastPull = now;
      return Response.json({
        new: fresh.length ? fresh.map((r) => wire(r, now)) : null,
        deleted: gone.length ? gone.map((r) => wire(r, now)) : null,
      });
    }
    if (url.pathname === "/v1/usage-metrics" && request.method === "POST") {
      usage.push(await request.json());
      return new Response(null, { status: 201 });
    }
    return new Response(null, { status: 404 });
  };
}

import {
  type BouncerFilter,
  type DecisionRow,
  getLastPull,
  queryActiveDecisions,
  queryStreamPage,
  type StreamWindow,
  setLastPull,
} from "../../db/decisions-read";
import type { AppContext } from "../context";
import type { CachedDecision } from "../decision-cache";
import { decisionJson, decisionTail, durationTexts } from "../decision-json";
import { ApiError, emptyResponse } from "../errors";
import {
  atoiError,
  commaList,
  normalizeScope,
  parseGoBool,
  parseGoInt,
  parseIpFilter,
} from "../query-params";
import type { RouteDef } from "../route-def";
import { snapshotCanServe, streamNewFromSnapshot } from "../stream-dedup";

/** `last_pull` is refreshed by live lookups at most once a minute (CrowdSec decisions.go). */
const LIVE_PULL_REFRESH_MS = 60_000;
/** CrowdSec re-sends expiries of the 2 s before the previous pull. */
const DELETED_OVERLAP_MS = 2_000;
const STREAM_PAGE = 5_000;

function filterError(what: string, detail: string): ApiError {
  return new ApiError("serverError", `invalid ${what} value: ${detail}: invalid filter`);
}

/** Query string → filter, with CrowdSec's error texts; unknown keys are ignored. */
export function parseBouncerFilter(params: URLSearchParams, stream: boolean): BouncerFilter {
  const f: BouncerFilter = { contains: true, scopes: null, includeSimulated: false };
  const contains = params.get("contains");
  if (contains !== null) {
    const b = parseGoBool(contains);
    if (b === null) {
      throw filterError(
        "contains",
        `strconv.ParseBool: parsing ${JSON.stringify(contains)}: invalid syntax`,
      );
    }
    f.contains = b;
  }
  const ip = params.get("ip");
  const range = params.get("range");
  if (ip !== null) f.ip = parseIpFilter(ip);
  if (range !== null) f.ip = parseIpFilter(range);
  const scopes = params.get("scopes") ?? (stream ? null : params.get("scope"));
  if (scopes !== null) {
    f.scopes = scopes === "" ? [] : commaList(scopes).map(normalizeScope);
  } else if (stream) {
    f.scopes = ["Ip", "Range"];
  }
  const value = params.get("value");
  if (value !== null) f.value = value;
  const type = params.get("type");
  if (type !== null) f.type = type;
  const origins = params.get("origins");
  if (origins !== null) f.origins = commaList(origins);
  const sc = params.get("scenarios_containing");
  if (sc) f.scenariosContaining = commaList(sc).filter(Boolean);
  const snc = params.get("scenarios_not_containing");
  if (snc) f.scenariosNotContaining = commaList(snc).filter(Boolean);
  const simulated = params.get("simulated");
  f.includeSimulated = simulated !== null && simulated !== "false";
  for (const key of ["limit", "offset", "id_gt"] as const) {
    const v = params.get(key);
    if (v === null || stream) continue;
    const n = parseGoInt(v);
    if (n === null) throw filterError(key, atoiError(v));
    if (key === "limit") f.limit = n;
    else if (key === "offset") f.offset = n;
    else f.idGt = n;
  }
  return f;
}

const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8" };

/** GET|HEAD /v1/decisions: live lookups (CrowdSec controllers/v1/decisions.go `GetDecision`). */
async function listDecisions(c: AppContext): Promise<Response> {
  const filter = parseBouncerFilter(new URL(c.req.url).searchParams, false);
  if (c.req.method === "HEAD") return emptyResponse(200);
  const now = c.var.startedAt;
  let rows: DecisionRow[] | null = null;
  let rowsRead = 0;
  const simple = filter.ip && filter.contains && filter.limit === undefined;
  if (simple && filter.offset === undefined && filter.idGt === undefined) {
    rows = await c.var.caches.decisions.lookup(c.var.primaryDb, filter.ip!, filter, now, (p) =>
      c.executionCtx.waitUntil(p),
    );
  }
  if (rows === null) ({ rows, rowsRead } = await queryActiveDecisions(c.var.db, filter, now));
  const { bouncer } = c.var;
  if (bouncer.lastPull === null || now - bouncer.lastPull >= LIVE_PULL_REFRESH_MS) {
    c.executionCtx.waitUntil(setLastPull(c.var.primaryDb, bouncer.id, now));
    bouncer.lastPull = now;
  }
  // CrowdSec 1.4.6 GetDecision: PrometheusBouncersHas(Non)EmptyDecision.
  c.var.metrics.inc(rows.length === 0 ? "decisionsKo" : "decisionsOk", { bouncer: bouncer.name });
  const durations = durationTexts(now);
  const body =
    rows.length === 0
      ? "null"
      : `[${rows.map((d) => decisionJson(d, durations, decisionTail(d, false))).join(",")}]`;
  return new Response(body, {
    headers: { ...JSON_HEADERS, "X-Rampart-Rows-Read": String(rowsRead) },
  });
}

/**
 * GET|HEAD /v1/decisions/stream (CrowdSec pkg/apiserver/controllers/v1/decisions.go
 * `StreamDecision`): startup or delta since the bouncer's `last_pull`, deduplicated, streamed page
 * by page; `last_pull = t0` only once the whole body has been produced.
 */
async function streamDecisions(c: AppContext): Promise<Response> {
  const params = new URL(c.req.url).searchParams;
  const filter = parseBouncerFilter(params, true);
  // CrowdSec 1.5+ answers the HEAD method without any work.
  if (c.req.method === "HEAD") return emptyResponse(200);
  const t0 = c.var.startedAt;
  const startup = params.get("startup") === "true";
  const dedup = params.get("dedup") !== "false";
  const bouncer = c.var.bouncer;
  const lastPull = await getLastPull(c.var.primaryDb, bouncer.id);
  const windows: Array<[string, StreamWindow]> = [
    [
      "deleted",
      startup || lastPull === null
        ? { kind: "deleted", t0 }
        : { kind: "deleted", t0, untilAfter: lastPull - DELETED_OVERLAP_MS },
    ],
    [
      "new",
      startup || lastPull === null
        ? { kind: "new", t0 }
        : { kind: "new", t0, createdAfter: lastPull },
    ],
  ];
  // The bulk of a startup answer comes from the isolate's snapshot when it can serve the filter.
  let cachedNew: DecisionRow[] | null = null;
  if (snapshotCanServe(filter)) {
    const snapshot = await c.var.caches.decisions.snapshot(c.var.primaryDb, t0, (p) =>
      c.executionCtx.waitUntil(p),
    );
    const newWindow = windows[1]![1];
    if (snapshot) {
      cachedNew = streamNewFromSnapshot(snapshot, filter, t0, newWindow.createdAfter, dedup);
    }
  }
  const emptyList = c.var.config.streamEmptyAsNull ? "null" : "[]";
  const durations = durationTexts(t0);
  const db = c.var.db;
  const encoder = new TextEncoder();
  const bouncerId = c.var.bouncer.id;
  const primaryDb = c.var.primaryDb;
  const metrics = c.var.metrics;

  async function* chunks(): AsyncGenerator<string> {
    let sep = "{";
    for (const [name, window] of windows) {
      yield `${sep}"${name}":`;
      sep = ",";
      // CrowdSec 1.4.6 drops later duplicates of (value, scope, type) tied on `until`.
      const seen = new Set<string>();
      let afterId = 0;
      let first = true;
      let sent = 0;
      for (let offset = 0; ; offset += STREAM_PAGE) {
        const page =
          window.kind === "new" && cachedNew
            ? cachedNew.slice(offset, offset + STREAM_PAGE)
            : await queryStreamPage(db, filter, window, dedup, afterId, STREAM_PAGE);
        const parts: string[] = [];
        for (const d of page) {
          if (dedup) {
            const key = `${d.value}\u0000${d.scope}\u0000${d.type}`;
            if (seen.has(key)) continue;
            seen.add(key);
          }
          const tail = (d as Partial<CachedDecision>).streamTail ?? decisionTail(d, true);
          parts.push(decisionJson(d, durations, tail));
        }
        sent += parts.length;
        if (parts.length > 0) {
          yield (first ? "[" : ",") + parts.join(",");
          first = false;
        }
        if (page.length < STREAM_PAGE) break;
        afterId = page[page.length - 1]!.id;
      }
      metrics.inc("streamDecisions", { list: name }, sent);
      yield first ? emptyList : "]";
    }
    yield "}";
    await setLastPull(primaryDb, bouncerId, t0);
    bouncer.lastPull = t0;
  }

  // Run the first query before answering so that its errors still become a clean 500.
  const iterator = chunks();
  const head: string[] = [];
  for (let i = 0; i < 2; i++) {
    const next = await iterator.next();
    if (!next.done) head.push(next.value);
  }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(head.join("")));
    },
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (e) {
        console.error("decision stream aborted:", e);
        controller.error(e);
      }
    },
  });
  return new Response(body, { headers: JSON_HEADERS });
}

export const decisionReadRoutes: RouteDef[] = [
  {
    method: "GET",
    path: "/v1/decisions",
    auth: "apiKey",
    replicaReads: true,
    handler: listDecisions,
  },
  { method: "HEAD", path: "/v1/decisions", auth: "apiKey", handler: listDecisions },
  { method: "GET", path: "/v1/decisions/stream", auth: "apiKey", handler: streamDecisions },
  { method: "HEAD", path: "/v1/decisions/stream", auth: "apiKey", handler: streamDecisions },
];

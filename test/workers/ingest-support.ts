import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { openDb } from "../../src/db/client";
import type { CompiledScenario } from "../../src/engine/buckets";
import { type QueuedEvent, snapshotEvent } from "../../src/engine/buckets/queued-event";
import { ExpectMode, newLogEvent } from "../../src/engine/event";
import { HubCache } from "../../src/lapi/ingest/hub-cache";
import { compileScenarioFile } from "../../src/lapi/ingest/hub-compile";
import { type TargetedEvent, targetsOf } from "../../src/lapi/ingest/ingest-flow";
import type { EventBatchResult, HubRegistration, WireEvent } from "../../src/shared/ingest-wire";
import { call, jsonInit } from "./helpers";

declare module "vitest" {
  export interface ProvidedContext {
    /** Debian hub files by path under `usr/share/crowdsec/` (vitest.workers.config.ts). */
    crowdsecHub: Record<string, string> | null;
  }
}

/** The Debian hub files, or null when the CrowdSec cache is absent (tests then skip). */
export const HUB = inject("crowdsecHub");

export function hubFile(path: string): string {
  const text = HUB?.[path];
  if (text === undefined) throw new Error(`hub file ${path} not provided`);
  return text;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A registration item for `content`. */
export async function item(name: string, content: string, extra: { stage?: string } = {}) {
  return { name, hash: await sha256Hex(content), version: "0.1", content, ...extra };
}

export function bearer(token: string) {
  return { Authorization: `Bearer ${token}` };
}

export async function register(token: string, body: Partial<HubRegistration>): Promise<Response> {
  return call("/v1/rampart/hub", jsonInit("POST", body, bearer(token)));
}

/** The agent's side of targeting: compile the files and run every filter and groupby. */
export async function compileFiles(
  files: { name: string; content: string }[],
  data: Record<string, string> = {},
): Promise<CompiledScenario[]> {
  const out: CompiledScenario[] = [];
  for (const f of files) {
    const hash = await sha256Hex(f.content);
    out.push(
      ...compileScenarioFile(
        { name: f.name, hash, version: "0.1", content: f.content, stage: "" },
        new Map(Object.entries(data)),
      ),
    );
  }
  return out;
}

/** A parsed sshd failed-auth event as the hub's parsers leave it. */
export function sshFailure(
  ip: string,
  atMs: number,
  options: { user?: string; mode?: number } = {},
): QueuedEvent {
  const mode = options.mode ?? ExpectMode.TIMEMACHINE;
  const evt = newLogEvent(
    {
      Raw: `Failed password for ${options.user ?? "root"} from ${ip} port 22 ssh2`,
      Src: "/var/log/auth.log",
      Module: "file",
      Labels: { type: "syslog" },
      Process: true,
    },
    mode,
  );
  evt.Time = new Date(atMs);
  evt.MarshaledTime = new Date(atMs).toISOString().replace(".000Z", "Z");
  Object.assign(evt.Meta, {
    log_type: "ssh_failed-auth",
    service: "ssh",
    source_ip: ip,
    target_user: options.user ?? "root",
  });
  return snapshotEvent(evt);
}

/** Wire events for `events`, targeted by `scenarios` like the agent does. */
export function wire(
  scenarios: CompiledScenario[],
  events: { id: string; time: number; event: QueuedEvent }[],
): WireEvent[] {
  return events.map((e) => ({
    id: e.id,
    time: e.time,
    event: e.event as unknown as Record<string, unknown>,
    buckets: targetsOf(
      scenarios.map((s) => ({ scenario: s, contentKey: s.hash })),
      e.event,
    ).map((t) => ({ scenario: t.scenario, hash: t.contentKey, group: t.group })),
  }));
}

/** Wire events resolved against `machineId`'s own hub, as the events endpoint does. */
export async function resolved(machineId: string, batch: WireEvent[]): Promise<TargetedEvent[]> {
  const targetable = await new HubCache().targetable(openDb(env.DB), machineId);
  return batch.map((e) => ({
    id: e.id,
    time: e.time,
    event: e.event as unknown as QueuedEvent,
    buckets: e.buckets.map((t) => {
      const found = targetable.get(t.scenario);
      if (found?.hash !== t.hash) throw new Error(`${t.scenario} is not in ${machineId}'s hub`);
      return { scenario: t.scenario, contentKey: found.contentKey, group: t.group };
    }),
  }));
}

/** The content key of hub item `name` in `machineId`'s hub. */
export async function contentKeyOf(machineId: string, name: string): Promise<string> {
  const row = await env.DB.prepare(
    "SELECT content_key FROM machine_hub_items WHERE machine_id = ? AND name = ?",
  )
    .bind(machineId, name)
    .first<{ content_key: string }>();
  if (!row) throw new Error(`${name} is not in ${machineId}'s hub`);
  return row.content_key;
}

export async function postEvents(
  token: string,
  events: WireEvent[],
  options: { gzip?: boolean } = {},
): Promise<Response> {
  const json = JSON.stringify({ events });
  if (!options.gzip) return call("/v1/rampart/events", jsonInit("POST", json, bearer(token)));
  const body = await new Response(
    new Blob([json]).stream().pipeThrough(new CompressionStream("gzip")),
  ).arrayBuffer();
  return call("/v1/rampart/events", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Content-Encoding": "gzip", ...bearer(token) },
    body,
  });
}

export async function postOk(token: string, events: WireEvent[]): Promise<EventBatchResult> {
  const r = await postEvents(token, events);
  if (r.status !== 200) throw new Error(`events: ${r.status} ${await r.text()}`);
  return (await r.json()) as EventBatchResult;
}

export interface AlertRow {
  id: number;
  machine_id: string;
  scenario: string;
  source_scope: string;
  source_value: string;
  events_count: number;
  start_at: string;
  stop_at: string;
}

export async function alertsOf(scenario?: string): Promise<AlertRow[]> {
  const sql = `SELECT id, machine_id, scenario, source_scope, source_value, events_count, start_at,
    stop_at FROM alerts${scenario ? " WHERE scenario = ?" : ""} ORDER BY id`;
  const stmt = scenario ? env.DB.prepare(sql).bind(scenario) : env.DB.prepare(sql);
  return (await stmt.all<AlertRow>()).results;
}

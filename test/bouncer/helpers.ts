import { exports, env as rawEnv } from "cloudflare:workers";
import type { Env } from "../../src/bouncer/env";

/** The bouncer's bindings as configured by vitest.bouncer.config.ts. */
export const env = rawEnv as unknown as Env & { LAPI: Fetcher; ORIGIN: Fetcher };
export const CONTROL = { Authorization: "Bearer test-control-token" };

/** Sends a request through the bouncer Worker under test as `ip`. */
export function visit(url: string, ip: string | null, init: RequestInit & { cf?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (ip !== null) headers.set("CF-Connecting-IP", ip);
  const worker = (exports as unknown as { default: Fetcher }).default;
  return worker.fetch(new Request(url, { ...init, headers } as RequestInit));
}

/** Test LAPI: add decisions (`durationMs` from now); returns their ids. */
export async function addDecisions(
  list: {
    value: string;
    scope?: string;
    type?: string;
    origin?: string;
    scenario?: string;
    durationMs?: number;
  }[],
): Promise<number[]> {
  const res = await env.LAPI.fetch("http://lapi/test/decisions", {
    method: "POST",
    body: JSON.stringify(list.map((d) => ({ durationMs: 3_600_000, ...d }))),
  });
  return (await res.json()) as number[];
}

/** Test LAPI: expire every active decision on `value` (what `cscli decisions delete` does). */
export async function expireDecisions(value: string): Promise<void> {
  await env.LAPI.fetch(`http://lapi/test/decisions?value=${encodeURIComponent(value)}`, {
    method: "DELETE",
  });
}

export async function resetLapi(): Promise<void> {
  await env.LAPI.fetch("http://lapi/test/reset", { method: "POST" });
}

/** On-demand sync through the control endpoint (pull the stream, refresh this isolate). */
export async function syncNow(): Promise<{
  ok: boolean;
  added: number;
  deleted: number;
  version: number;
  seq: number;
}> {
  const res = await visit("http://site.test/.rampart/sync", null, {
    method: "POST",
    headers: CONTROL,
  });
  if (res.status !== 200) throw new Error(`sync: ${res.status}`);
  return (await res.json()) as {
    ok: boolean;
    added: number;
    deleted: number;
    version: number;
    seq: number;
  };
}

export async function status(): Promise<{
  isolate: {
    version: number;
    seq: number;
    overlay: number;
    decisions: number;
    counters: Record<string, number>;
  };
  store: { version: number; decisions: number; lastError: string | null; usagePushes: number };
}> {
  const res = await visit("http://site.test/.rampart/status", null, { headers: CONTROL });
  return (await res.json()) as never;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

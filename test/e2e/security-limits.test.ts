/**
 * Issue 12 against `wrangler dev` (the `npm start` stack): a gzip bomb must not inflate in the
 * Worker's memory, and oversized bodies get the LAPI's JSON answer, never the proxy's plain-text
 * 503. Memory is read from the `workerd` process (`VmHWM`, its peak resident set), with a generous
 * bound: before the fix one 1 GiB bomb took it up by ~2.2 GB.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import { gzipBomb } from "../support/gzip-bomb.js";
import { workerdPeakKb } from "../support/workerd-memory.js";

const MiB = 1024 * 1024;
let lapi: RampartDev;

beforeAll(async () => {
  lapi = await startRampartDev();
});

afterAll(async () => {
  await lapi?.stop();
});

/** Peak resident set (kB) of the Worker's `workerd` processes. */
const workerdPeak = () => workerdPeakKb(lapi.processGroup());

describe("request bodies under wrangler dev", () => {
  it("refuses a 1 GiB gzip bomb before authentication without inflating it in memory", async () => {
    const bomb = new Uint8Array(gzipBomb(1024));
    const before = workerdPeak();
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${lapi.url}v1/watchers`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" },
        body: bomb,
      });
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual({ message: "http: request body too large" });
    }
    expect(workerdPeak() - before).toBeLessThan(256 * 1024);
  });

  it("answers an oversized plain body with the LAPI's JSON 400, not the proxy's 503", async () => {
    for (const size of [3 * MiB, 64 * MiB]) {
      const r = await fetch(`${lapi.url}v1/watchers`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: new Uint8Array(size).fill(0x20),
      });
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual({ message: "http: request body too large" });
    }
  });

  it("answers an oversized streamed body (no Content-Length) with the JSON 400", async () => {
    const chunk = new Uint8Array(MiB).fill(0x20);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 16 * MiB) return controller.close();
        sent += MiB;
        controller.enqueue(chunk);
      },
    });
    const r = await fetch(`${lapi.url}v1/watchers`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ message: "http: request body too large" });
  });

  it("answers a refused login carrying a large body with JSON, not the proxy's 503", async () => {
    const r = await fetch(`${lapi.url}v1/alerts`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer not-a-jwt" },
      body: new Uint8Array(8 * MiB).fill(0x20),
    });
    expect(r.status).toBe(401);
    expect(((await r.json()) as { message?: unknown }).message).toEqual(expect.any(String));
  });
});

import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { EventBatch, EventBatchResult, WireEvent } from "../../src/shared/ingest-wire.js";
import { tempDir } from "../../test/support/acquisition.js";
import type { Cursor } from "../acquisition/types.js";
import { silentLogger } from "../daemon/logger.js";
import { LapiError } from "../lapi/lapi-error.js";
import { CommitTracker } from "./commit-tracker.js";
import { DeadLetter } from "./dead-letter.js";
import { classifyFailure, Delivery, type EventPoster } from "./delivery.js";
import { Spool } from "./spool.js";

const event = (id: string, raw = id): WireEvent => ({
  id,
  time: 1,
  buckets: [{ scenario: "s", hash: "0".repeat(64), group: "" }],
  event: { Line: { Raw: raw } },
});

/** A LAPI stand-in that answers from a script and records every batch it acknowledged. */
function scriptedLapi(answer: (batch: EventBatch, call: number) => Error | null) {
  const acknowledged: string[] = [];
  const calls: string[][] = [];
  const poster: EventPoster = {
    async postEvents(batch) {
      calls.push(batch.events.map((e) => e.id));
      const failure = answer(batch, calls.length);
      if (failure) throw failure;
      acknowledged.push(...batch.events.map((e) => e.id));
      const result: EventBatchResult = {
        accepted: batch.events.length,
        duplicates: 0,
        overflows: 0,
        alerts: [],
      };
      return result;
    },
  };
  return { poster, acknowledged, calls };
}

describe("Delivery", () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function setup(
    poster: EventPoster,
    options: { batchMaxEvents?: number; batchMaxBytes?: number; maxBytes?: number } = {},
  ) {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const spool = Spool.open(dir, { maxBytes: options.maxBytes ?? 1 << 20 });
    const tracker = new CommitTracker(() => {});
    const deadLetter = new DeadLetter(dir);
    const delivery = new Delivery({
      spool,
      poster,
      tracker,
      deadLetter,
      logger: silentLogger(),
      batchMaxEvents: options.batchMaxEvents ?? 3,
      batchMaxBytes: options.batchMaxBytes ?? 1 << 20,
      batchMaxDelayMs: 20,
      retryMinDelayMs: 1,
      retryMaxDelayMs: 5,
    });
    cleanups.push(() => delivery.stop());
    return { spool, tracker, deadLetter, delivery, dir };
  }

  it("seals batches at max events, at max bytes and after the max delay", async () => {
    const lapi = scriptedLapi(() => null);
    const { delivery } = setup(lapi.poster, { batchMaxEvents: 3, batchMaxBytes: 800 });
    for (const id of ["a", "b", "c", "d"]) delivery.enqueue(event(id));
    delivery.enqueue(event("big", "x".repeat(400)));
    delivery.enqueue(event("big2", "y".repeat(400)));
    expect(await delivery.flush(2000)).toBe(true);
    // [a b c] by count, [d big] until big2 would pass 800 bytes, [big2] by delay.
    expect(lapi.calls).toEqual([["a", "b", "c"], ["d", "big"], ["big2"]]);
  });

  it("retries a retryable failure with the same batch, in order, until the LAPI answers", async () => {
    const lapi = scriptedLapi((_, call) =>
      call <= 3 ? new LapiError("connect ECONNREFUSED", null) : null,
    );
    const { delivery } = setup(lapi.poster);
    for (const id of ["a", "b", "c", "d"]) delivery.enqueue(event(id));
    expect(await delivery.flush(5000)).toBe(true);
    expect(lapi.calls.slice(0, 4)).toEqual([
      ["a", "b", "c"],
      ["a", "b", "c"],
      ["a", "b", "c"],
      ["a", "b", "c"],
    ]);
    expect(lapi.acknowledged).toEqual(["a", "b", "c", "d"]);
  });

  it("isolates events refused with a 4xx into the dead-letter file and delivers the rest", async () => {
    const lapi = scriptedLapi((batch) =>
      batch.events.some((e) => e.id === "bad")
        ? new LapiError("invalid event", 400, { retryable: false })
        : null,
    );
    const { delivery, deadLetter } = setup(lapi.poster, { batchMaxEvents: 5 });
    for (const id of ["a", "b", "bad", "c", "d"]) delivery.enqueue(event(id));
    expect(await delivery.flush(5000)).toBe(true);
    expect(lapi.acknowledged.sort()).toEqual(["a", "b", "c", "d"]);
    const records = readFileSync(deadLetter.path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { status: number; message: string; event: WireEvent });
    expect(records.map((r) => [r.event.id, r.status, r.message])).toEqual([
      ["bad", 400, "invalid event"],
    ]);
    expect(deadLetter.count).toBe(1);
  });

  it("retries an unknown-scenario 409 a few times, then dead-letters instead of looping", async () => {
    const old = "a".repeat(64);
    const lapi = scriptedLapi((batch) =>
      batch.events.some((e) => e.buckets[0]!.hash === old)
        ? new LapiError(`unknown scenario s (hash ${old}): register the hub first`, 409, {
            retryable: false,
          })
        : null,
    );
    const { delivery, deadLetter } = setup(lapi.poster, { batchMaxEvents: 4 });
    const stale = (id: string) => ({
      ...event(id),
      buckets: [{ scenario: "s", hash: old, group: "" }],
    });
    for (const e of [stale("s1"), event("f1"), stale("s2"), event("f2")]) delivery.enqueue(e);
    expect(await delivery.flush(5000)).toBe(true);
    expect(lapi.acknowledged).toEqual(["f1", "f2"]);
    expect(deadLetter.count).toBe(2);
    // 5 attempts of the batch, then the events of the unknown hash are set aside at once.
    expect(lapi.calls).toHaveLength(6);
  });

  it("commits a source's cursors only after the LAPI acknowledged the batch", async () => {
    let lapiUp = false;
    const lapi = scriptedLapi(() => (lapiUp ? null : new LapiError("503", 503)));
    const { delivery, tracker } = setup(lapi.poster, { batchMaxEvents: 2 });
    const commits: Cursor[] = [];
    const source = { commit: async (c: Cursor) => void commits.push(c) };
    const cursor = (offset: number): Cursor => ({
      kind: "file",
      path: "/l",
      dev: 1,
      ino: 2,
      offset,
    });
    tracker.observe(source, cursor(10), delivery.enqueue(event("a")));
    tracker.observe(source, cursor(20), null);
    tracker.observe(source, cursor(30), delivery.enqueue(event("b")));
    tracker.observe(source, cursor(40), null);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await tracker.commitReady();
    expect(commits).toEqual([]);
    lapiUp = true;
    expect(await delivery.flush(5000)).toBe(true);
    await tracker.commitReady();
    expect(commits.at(-1)).toEqual(cursor(40));
  });

  it("reports full when the spool reaches its bound and frees space as it drains", async () => {
    let lapiUp = false;
    const lapi = scriptedLapi(() => (lapiUp ? null : new LapiError("down", null)));
    const { delivery, spool } = setup(lapi.poster, { batchMaxEvents: 1, maxBytes: 64 * 1024 });
    let n = 0;
    while (!spool.full) {
      delivery.enqueue(event(`e${++n}`, "z".repeat(1000)));
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (n > 1000) throw new Error("never full");
    }
    expect(delivery.full).toBe(true);
    let resumed = false;
    const waiting = delivery.waitForSpace().then(() => {
      resumed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(resumed).toBe(false);
    lapiUp = true;
    await waiting;
    expect(await delivery.flush(10_000)).toBe(true);
    expect(lapi.acknowledged).toHaveLength(n);
    expect(new Set(lapi.acknowledged).size).toBe(n);
  });

  it("delivers what a previous run left in the spool before new events", async () => {
    const first = scriptedLapi(() => new LapiError("down", null));
    const { dir, delivery } = setup(first.poster);
    for (const id of ["old1", "old2", "old3", "old4"]) delivery.enqueue(event(id));
    delivery.seal();
    await delivery.flush(100);
    await delivery.stop();
    const second = scriptedLapi(() => null);
    const spool = Spool.open(dir, { maxBytes: 1 << 20 });
    const next = new Delivery({
      spool,
      poster: second.poster,
      tracker: new CommitTracker(() => {}),
      deadLetter: new DeadLetter(dir),
      logger: silentLogger(),
      batchMaxEvents: 3,
      batchMaxBytes: 1 << 20,
      batchMaxDelayMs: 10,
      retryMinDelayMs: 1,
      retryMaxDelayMs: 5,
    });
    cleanups.push(() => next.stop());
    next.enqueue(event("new"));
    expect(await next.flush(5000)).toBe(true);
    expect(second.acknowledged).toEqual(["old1", "old2", "old3", "old4", "new"]);
  });

  it("classifies LAPI errors: network/5xx/429/auth retry, other 4xx do not", () => {
    expect(classifyFailure(new LapiError("x", null))).toMatchObject({
      kind: "network",
      retryable: true,
    });
    expect(classifyFailure(new LapiError("x", 502))).toMatchObject({
      kind: "server",
      retryable: true,
    });
    expect(classifyFailure(new LapiError("x", 429))).toMatchObject({
      kind: "throttled",
      retryable: true,
    });
    expect(classifyFailure(new LapiError("x", 409))).toMatchObject({
      kind: "conflict",
      retryable: true,
    });
    expect(classifyFailure(new LapiError("x", 403))).toMatchObject({
      kind: "auth",
      retryable: true,
    });
    expect(classifyFailure(new LapiError("x", 422))).toMatchObject({
      kind: "rejected",
      retryable: false,
    });
    expect(classifyFailure(new TypeError("bug"))).toMatchObject({
      kind: "internal",
      retryable: true,
    });
  });
});
